"""What can go wrong when talking to Starleads, sorted by what the user can do about it."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from bot.starleads.models import Problem


class StarleadsError(Exception):
    """Base class. Messages never contain the API key. `str(error)` is English, whoever is being
    spoken to, so the operator's log lines read the same; `said()` is the message for a person."""

    def __init__(self, message: str, **values: Any) -> None:
        """`message`: a catalog message (`N_`) with `{value}` fields."""
        super().__init__(message.format(**values))
        self._message, self._values = message, values

    def said(self) -> str:
        """The message in the language being spoken."""
        return _(self._message).format(**self._values)


class StarleadsRejected(StarleadsError):
    """Starleads read the request and refused it (4xx): nothing was created; the user can fix the input."""

    def __init__(self, status: int, problem: Problem) -> None:
        message = N_("Starleads refused the request ({status}): {problem}")
        super().__init__(message, status=status, problem=problem.summary())
        self.status = status
        self.problem = problem


class StarleadsAuthError(StarleadsError):
    """The API key is missing, wrong or revoked (401/403): only an admin can fix it."""

    def __init__(self, status: int) -> None:
        super().__init__(N_("Starleads refused the API key ({status})"), status=status)
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
        **values: Any,
    ) -> None:
        """`reason`: a catalog message, whose `{status}` and other `values` are filled in."""
        super().__init__(reason, status=status, **values)
        self.status = status
        self.may_have_created = may_have_created
        self.retry_after = retry_after


class StarleadsTimeout(StarleadsUnavailable):
    """The request was sent but no answer came in time: the campaign may or may not exist."""
