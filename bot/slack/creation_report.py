"""One submission's create, shown in Slack: its modal, its card in the channel, private notes.

The create flow (`bot.campaigns.create_flow`) decides what happens and tells this report; each method
here only maps what it is told to a view, a card or a message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.campaigns.create_flow import Earlier, Replay
from bot.campaigns.outcome import Created, Rejected, Unavailable
from bot.campaigns.publication import Delivery, PostedCard, Publication, ResultsRoute
from bot.campaigns.submission import Submission
from bot.i18n import N_, _
from bot.slack.blocks import campaign_card as cards
from bot.slack.blocks.call_result import with_tally
from bot.slack.blocks.campaign_form import campaign_form
from bot.slack.blocks.kit import Card, md
from bot.slack.delivery import INVITE_TIP, deliver_card, tell_privately, update_modal
from bot.slack.origin import Origin

logger = logging.getLogger(__name__)

_UNKNOWN_DETAIL = N_(
    "Check the campaign list in Starleads before you try again: trying again when it was created would "
    "make a second one. If it shows up, I'll post its card here. Everything you typed is kept."
)
_NOTHING_CREATED = N_("Nothing was created. Everything you typed is kept: try again in a moment.")
_NOT_SAVED = N_(
    "I couldn't save this campaign just now, so nothing was sent to Starleads. Everything you typed is "
    "here: submit again in a moment."
)
_RESULTS_IN_THREAD = N_("Call results will be posted in its thread.")
_LATE_NOTE = N_("Starleads answered late: this campaign was created after all.")
_ALREADY_CREATED = N_("This campaign was already created from this form; nothing was created twice.")
_NEVER_ANSWERED = N_("The last attempt to create this campaign never got an answer from Starleads.")


class ModalReport:
    """The modal a submission came from (the view whose ID is its key), in the channel of `origin`."""

    def __init__(
        self, client: AsyncWebClient, submission: Submission, origin: Origin, *, starleads_app_url: str
    ) -> None:
        self._client = client
        self._submission = submission
        self._origin = origin
        self._starleads_app_url = starleads_app_url

    async def waiting(self, reason: str) -> None:
        await self._show(cards.status_view(self._origin.encode(), md(":hourglass_flowing_sand: {}", reason)))

    async def creating(self) -> None:
        await self._show(
            cards.creating_view(self._submission.draft, self._origin.encode(), self._origin.channel_id)
        )

    async def not_saved(self) -> None:
        await self._show(campaign_form(self._submission.typed, self._origin.encode(), banner=_(_NOT_SAVED)))

    async def earlier(self, earlier: Earlier) -> None:
        """What a duplicate submission sees: the finished campaign, or the one still being created."""
        if earlier.replay is Replay.CREATED:
            await self._show(self._created_view(str(earlier.campaign_id), _(_ALREADY_CREATED)))
        elif earlier.replay is Replay.UNKNOWN:
            await self._show(
                cards.failed_view(self._origin.encode(), _(_NEVER_ANSWERED), detail=_(_UNKNOWN_DETAIL))
            )
        else:
            await self.creating()

    async def failed(self, outcome: Rejected | Unavailable) -> None:
        shown = await self._show(self._outcome_view(outcome))
        if not shown and self._origin.response_url:
            # The modal is gone (closed, or Slack failed): the outcome must still reach the user.
            await tell_privately(self._origin.response_url, _outcome_note(self._submission, outcome))

    async def post_card(self, created: Created, *, late: bool, results_here: bool) -> PostedCard:
        """Say the campaign exists at once; then post the card (which may wait out Slack's limits)."""
        where = _("Posting its card in {channel}…").format(channel=f"<#{self._origin.channel_id}>")
        await self._show(self._created_view(created.campaign.id, _noted(late, where)))
        text, blocks = cards.campaign_card(
            self._submission.draft,
            campaign_id=created.campaign.id,
            agent_name=created.agent_name,
            created_by=self._origin.user_id,
            starleads_app_url=self._starleads_app_url,
            note=_(_LATE_NOTE) if late else None,
        )
        plain = Card(text, blocks)
        card = with_tally(plain, {}) if results_here else plain
        delivery, card_ts = await deliver_card(
            self._client, self._origin.channel_id, self._origin.response_url, card, instead=plain
        )
        return PostedCard(delivery, card_ts, card.to_json())

    async def published(self, publication: Publication) -> None:
        if publication.invite_tip and self._origin.response_url:
            await tell_privately(self._origin.response_url, _(INVITE_TIP))
        where = _noted(publication.late, self._where(publication))
        await self._show(self._created_view(publication.created.campaign.id, where))

    async def _show(self, view: dict[str, Any]) -> bool:
        return await update_modal(self._client, self._submission.key, view)

    def _where(self, publication: Publication) -> str:
        """The sentence that tells the user where the card went, and where its results will."""
        channel = f"<#{self._origin.channel_id}>"
        card = {
            Delivery.POSTED: _("The card is posted in {channel}."),
            Delivery.VIA_RESPONSE_URL: _(
                "The card is posted in {channel}. Invite me (`/invite @Starleads`) to post there myself."
            ),
        }.get(
            publication.delivery,
            _("I couldn't post the card in {channel}, but the campaign exists: see it in Starleads."),
        )
        results = {
            ResultsRoute.NONE: None,
            ResultsRoute.THREAD: _(_RESULTS_IN_THREAD),
            ResultsRoute.WAITING: _results_note(publication.created.campaign.id),
        }[publication.results]
        return " ".join(filter(None, [card.format(channel=channel), results]))

    def _created_view(self, campaign_id: str, where: str) -> dict[str, Any]:
        return cards.created_view(
            self._submission.draft,
            campaign_id,
            self._origin.encode(),
            where=where,
            starleads_app_url=self._starleads_app_url,
        )

    def _outcome_view(self, outcome: Rejected | Unavailable) -> dict[str, Any]:
        if isinstance(outcome, Rejected):
            banner = md("{}", outcome.general) if outcome.general else None
            return campaign_form(
                self._submission.typed, self._origin.encode(), problems=outcome.problems, banner=banner
            )
        detail = _(_UNKNOWN_DETAIL) if outcome.outcome_unknown else _(_NOTHING_CREATED)
        return cards.failed_view(self._origin.encode(), outcome.message, detail=detail)


def _noted(late: bool, where: str) -> str:
    return f"{_(_LATE_NOTE)} {where}" if late else where


def _outcome_note(submission: Submission, outcome: Rejected | Unavailable) -> str:
    if isinstance(outcome, Rejected):
        reasons = [outcome.general] if outcome.general else []
        reason = " ".join(reasons + list(outcome.problems.values()))
    else:
        reason = outcome.message
    return md(
        _("I couldn't create “{}”. {} Run `/starleads campaign` to try again."), submission.draft.name, reason
    )


def _results_note(campaign_id: str) -> str:
    return _(
        "Its call results are kept until I can post them: once I can post in that channel, type "
        "{command} there and they will follow in a thread."
    ).format(command=md("{:code}", f"/starleads subscribe {campaign_id}"))
