"""What can go wrong when talking to Starleads, sorted by what the user can do about it."""

from __future__ import annotations

from bot.i18n import _
from bot.starleads.models import Problem


class StarleadsError(Exception):
    """Base class. Messages never contain the API key."""


class StarleadsRejected(StarleadsError):
    """Starleads read the request and refused it (4xx): nothing was created; the user can fix the input."""

    def __init__(self, status: int, problem: Problem) -> None:
        super().__init__(
            _("Starleads refused the request ({status}): {problem}").format(
                status=status, problem=problem.summary()
            )
        )
        self.status = status
        self.problem = problem


class StarleadsAuthError(StarleadsError):
    """The API key is missing, wrong or revoked (401/403): only an admin can fix it."""

    def __init__(self, status: int) -> None:
        super().__init__(_("Starleads refused the API key ({status})").format(status=status))
        self.status = status


class StarleadsUnavailable(StarleadsError):
    """Starleads could not be reached or failed (5xx, 429, connection error, unreadable answer).

    `may_have_created` is false only when the request certainly did not reach Starleads' logic, so
    sending it again cannot create a second campaign.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        may_have_created: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.may_have_created = may_have_created
        self.retry_after = retry_after


class StarleadsTimeout(StarleadsUnavailable):
    """The request was sent but no answer came in time: the campaign may or may not exist."""
