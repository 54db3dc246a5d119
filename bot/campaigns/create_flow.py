"""The `/starleads campaign` use case: from a submitted form to a campaign with its card.

Every decision of the flow is made here: claim the submission's key or show what became of an earlier
claim, create (telling the user about each automatic wait), settle the call results with the card,
look for a campaign whose create got no answer (and resume that search after a restart). The Slack
side only renders: it hands over a `CreationReport`, the port through which this module shows each
step in the modal, the channel or a private message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.campaigns.command_text import StartingForm, starting_form
from bot.campaigns.draft import DraftField, DraftInput
from bot.campaigns.outcome import Created, Rejected, Unavailable
from bot.campaigns.publication import Delivery, PostedCard, Publication, ResultsRoute
from bot.campaigns.submission import Submission
from bot.i18n import speaking
from bot.later import Later
from bot.store import Claim, CreationRecord, CreationState, PreferenceStore
from bot.workspaces import SINGLE

if TYPE_CHECKING:
    from bot.campaigns.creation import CampaignCreator
    from bot.campaigns.late_lookup import LateLookup

logger = logging.getLogger(__name__)


class Replay(StrEnum):
    """What a submission handled before (a double click, Slack sending it again) shows instead."""

    CREATED = "created"
    UNKNOWN = "unknown"
    STILL_CREATING = "still_creating"


@dataclass(frozen=True)
class Earlier:
    replay: Replay
    campaign_id: str | None = None
    """With `Replay.CREATED`: the campaign the earlier submission created."""


class CreationReport(Protocol):
    """The Slack side of one submission: each method shows a step of its create to the user."""

    async def waiting(self, reason: str) -> None:
        """The create waits before trying again, for `reason` (in words for the user)."""

    async def creating(self) -> None:
        """A try again goes ahead."""

    async def not_saved(self) -> None:
        """The claim could not be stored: nothing was sent to Starleads."""

    async def earlier(self, earlier: Earlier) -> None:
        """This key was handled before: show what became of it."""

    async def failed(self, outcome: Rejected | Unavailable) -> None:
        """Nothing was created, or it is unknown whether anything was."""

    async def post_card(self, created: Created, *, late: bool, results_here: bool) -> PostedCard:
        """Say the campaign exists, then post its card (with the results tally if `results_here`)."""

    async def published(self, publication: Publication) -> None:
        """The card is out (or could not be posted): say where, and what follows."""


class Background(Protocol):
    """Runs work that outlives the request that started it (late lookups)."""

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None: ...


class CreateFlow:
    def __init__(
        self,
        creator: Later[CampaignCreator],
        preferences: PreferenceStore,
        background: Background,
        *,
        offers_results: bool,
    ) -> None:
        """`creator`: built after start-up, as the form a command opens doesn't need it.
        `offers_results`: whether call results can come back to Slack (Starleads needs the bot's public
        address), which the form shows from the start."""
        self._creator = creator
        self._preferences = preferences
        self._background = background
        self._offers_results = offers_results

    async def starting_form(
        self,
        channel_id: str,
        command_text: str,
        *,
        shows_any_text: Collection[DraftField],
        workspace: str = SINGLE,
    ) -> StartingForm:
        """The form's first values: the channel's remembered ones, what the command says, and call
        results chosen whenever they can come back to Slack."""
        remembered = await self._preferences.get(channel_id, workspace=workspace)
        start = starting_form(remembered, command_text, shows_any_text=shows_any_text)
        if not self._offers_results:
            return start
        return replace(start, typed=start.typed.model_copy(update={"post_results": True}))

    async def stored_input(self, key: str, *, workspace: str = SINGLE) -> DraftInput | None:
        """What was typed in the form submitted under `key`, for a try again or an edit."""
        creator = await self._creator.get()
        return await creator.stored_input(key, workspace=workspace)

    async def submit(self, submission: Submission, report: CreationReport) -> None:
        """Claim the submission's key and create. A key handled before shows what became of it,
        unless that create is still running: it reports for itself."""
        claim = await self._claim(submission, report)
        if claim is None:
            return
        if claim.granted:
            await self._create(submission, report)
        elif claim.record.state is not CreationState.CREATING:
            await report.earlier(_earlier(claim.record))

    async def retry(self, submission: Submission, report: CreationReport) -> None:
        """Try again under the same key, so it still can't create twice (allowed after an unknown
        outcome: the user was told to check Starleads first)."""
        claim = await self._claim(submission, report, after_unknown=True)
        if claim is None:
            return
        if not claim.granted:
            await report.earlier(_earlier(claim.record))
            return
        await report.creating()
        await self._create(submission, report)

    async def _claim(
        self, submission: Submission, report: CreationReport, *, after_unknown: bool = False
    ) -> Claim | None:
        """The key's claim, or None when the database refused it (the form says nothing was sent)."""
        creator = await self._creator.get()
        try:
            return await creator.claim(submission, after_unknown=after_unknown)
        except SQLAlchemyError as error:
            logger.error("campaign_claim_failed key=%s error=%s", submission.key, type(error).__name__)
            await report.not_saved()
            return None

    async def deny(
        self, key: str, *, user_id: str, channel_id: str, reason: str, workspace: str = SINGLE
    ) -> None:
        """Someone not allowed to use this form tried to: keep a trace of it."""
        creator = await self._creator.get()
        await creator.deny(key, user_id=user_id, channel_id=channel_id, reason=reason, workspace=workspace)

    async def resume_late_lookups(self, report_for: Callable[[Submission], CreationReport]) -> None:
        """At start-up: go on looking for the campaigns a stop interrupted the search for, so one that
        Starleads created after all still gets its card (every workspace's, each with its own report)."""
        creator = await self._creator.get()
        for left in await creator.unfinished_lookups(workspace=None):
            logger.info("campaign_late_lookup key=%s resumed=yes", left.submission.key)
            with speaking(left.language):  # the creator's: the card and notes found late speak it
                self._look_later(left.submission, left.lookup, report_for(left.submission))

    async def _create(self, submission: Submission, report: CreationReport) -> None:
        async def tell_waiting(_: float, reason: str) -> None:
            await report.waiting(reason)

        creator = await self._creator.get()
        outcome = await creator.create(submission, on_wait=tell_waiting)
        if isinstance(outcome, Created):
            await self._publish(submission, outcome, report, late=False)
            return
        await report.failed(outcome)
        if isinstance(outcome, Unavailable) and outcome.outcome_unknown:
            self._look_later(submission, outcome.lookup, report)

    def _look_later(self, submission: Submission, lookup: LateLookup | None, report: CreationReport) -> None:
        self._background.start(self._confirm_late(submission, lookup, report), "confirm_late_campaign")

    async def _confirm_late(
        self, submission: Submission, lookup: LateLookup | None, report: CreationReport
    ) -> None:
        """Starleads never answered: if the campaign shows up later, publish its card after all."""
        creator = await self._creator.get()
        found = await creator.confirm_late(submission, lookup)
        if found:
            await self._publish(submission, found, report, late=True)

    async def _publish(
        self, submission: Submission, created: Created, report: CreationReport, *, late: bool
    ) -> None:
        """Post the card; bind the campaign's call results to its thread (or keep them waiting when
        the bot could not post it); tip the user once about inviting the bot."""
        creator = await self._creator.get()
        results_here = creator.sends_results_here(submission.draft)
        card = await report.post_card(created, late=late, results_here=results_here)
        results = ResultsRoute.NONE
        if results_here:
            root = card.root_message if card.thread_ts else None
            await creator.settle_results(submission, created.campaign.id, card.thread_ts, root)
            results = ResultsRoute.THREAD if card.thread_ts else ResultsRoute.WAITING
        invite_tip = card.delivery is Delivery.VIA_RESPONSE_URL and await self._preferences.first_notice(
            submission.channel_id, submission.user_id, "invite", workspace=submission.workspace
        )
        await report.published(Publication(created, late, card.delivery, results, invite_tip))


def _earlier(record: CreationRecord) -> Earlier:
    if record.state is CreationState.CREATED and record.campaign:
        return Earlier(Replay.CREATED, str(record.campaign.get("id")))
    if record.state is CreationState.UNKNOWN:
        return Earlier(Replay.UNKNOWN)
    return Earlier(Replay.STILL_CREATING)
