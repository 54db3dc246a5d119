"""The `/starleads campaign` flow, from the slash command to the card in the channel.

Each listener answers Slack within milliseconds (a submission is validated inside its ack, from
memory) and hands the slow part to `AfterAck`, which runs it once the answer is sent: `views.open`
straight after one local read; after the "Creating…" view, the create-once claim in the database,
then the Starleads call. A submission is keyed on its view ID, so double clicks and Slack's re-sends
create one campaign. (The claim stays out of the ack: in a burst, waiting for the database's threads
took the ack's p99 past 100 ms, and the ack needs nothing from it.)
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.campaigns.command_text import KEYS, StartingForm, starting_form
from bot.campaigns.creation import Created, Outcome, Rejected, Unavailable
from bot.campaigns.draft import CampaignDraft, DraftField, DraftInput, DraftInvalid
from bot.campaigns.late_lookup import LateLookup
from bot.services import Services
from bot.slack.access import DENIED, AccessPolicy
from bot.slack.background import AfterAck
from bot.slack.blocks import campaign_card as cards
from bot.slack.blocks.call_result import with_tally
from bot.slack.blocks.campaign_form import TEXT_BOX_FIELDS, campaign_form, current_schedule_block, read_form
from bot.slack.blocks.kit import Card, md
from bot.slack.blocks.state import FormState
from bot.slack.command_gate import admit
from bot.slack.delivery import INVITE_TIP, Delivery, deliver_card, tell_privately
from bot.slack.origin import Origin, OriginInvalid
from bot.store import CreationRecord, CreationState

logger = logging.getLogger(__name__)

_TOO_SLOW = "Sorry, that took too long and Slack closed the form. Please run `/starleads campaign` again."
_FORM_BROKEN = (
    "Sorry, the form could not be built, so Slack did not open it. The bot's admin has been told "
    "(see the bot's log)."
)
_SLACK_BUSY = "Slack is busy right now and did not open the form. Please try again in a minute."
_SLACK_UNREACHABLE = "I couldn't reach Slack to open the form. Please run `/starleads campaign` again."
# Why views.open failed, in words the user can act on (anything else names Slack's error code).
_NOT_OPENED = {
    "expired_trigger_id": _TOO_SLOW,
    "exchanged_trigger_id": _TOO_SLOW,
    "invalid_trigger_id": _TOO_SLOW,
    "invalid_arguments": _FORM_BROKEN,
    "invalid_blocks": _FORM_BROKEN,
    "view_too_large": _FORM_BROKEN,
    "ratelimited": _SLACK_BUSY,
}
_UNKNOWN_DETAIL = (
    "Check the campaign list in Starleads before you try again: trying again when it was created would "
    "make a second one. If it shows up, I'll post its card here. Everything you typed is kept."
)
_NOTHING_CREATED = "Nothing was created. Everything you typed is kept: try again in a moment."
_NOT_SAVED = (
    "I couldn't save this campaign just now, so nothing was sent to Starleads. Everything you typed is "
    "here: submit again in a moment."
)
_RESULTS_IN_THREAD = " Call results will be posted in its thread."
_LATE_NOTE = "Starleads answered late: this campaign was created after all."
_DAMAGED_FORM = "This form can't be used any more. Close it and run `/starleads campaign` again."
_NOT_YOURS = (
    "This form was opened by someone else, so it can't create a campaign in your name. "
    "Close it and run `/starleads campaign` again to open your own."
)


class CampaignFlow:
    def __init__(self, services: Services, after_ack: AfterAck, access: AccessPolicy) -> None:
        self._services = services
        self._after_ack = after_ack
        self._access = access
        self._settings = services.settings

    async def open_form(
        self, ack: AsyncAck, client: AsyncWebClient, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """Ack at once, then `views.open` before any other network call (the trigger dies in 3 s)."""
        origin = await admit(
            ack,
            command,
            self._access,
            subcommand="campaign",
            extra_response_host=self._services.slack_api_host,
        )
        if origin is None:
            return
        await ack()
        self._after_ack.start(self._open_form(client, origin, command, respond), "open_form")

    async def submit(
        self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Validate inside the ack; claim the create and call Starleads once the ack is sent."""
        origin = self._origin(view)
        if origin is None:
            await ack(response_action="update", view=_damaged(view))
            return
        submitter = _user_of(body) or origin.user_id
        refusal = self._refusal(submitter, origin)
        if refusal:
            message, reason = refusal
            await ack(response_action="update", view=cards.status_view(origin.encode(), message))
            self._after_ack.start(self._deny(str(view.get("id")), submitter, origin, reason), "deny")
            return
        state = FormState.of(view)
        typed = read_form(state)
        try:
            draft = CampaignDraft.from_input(typed)
        except DraftInvalid as invalid:
            schedule_block = current_schedule_block(_block_ids(view) or state.block_ids())
            blocks = {
                field: schedule_block if field is DraftField.SCHEDULE else field.value
                for field in invalid.errors
            }
            await ack(
                response_action="errors", errors={blocks[f]: text for f, text in invalid.errors.items()}
            )
            return
        key = str(view.get("id"))
        await ack(
            response_action="update", view=cards.creating_view(draft, origin.encode(), origin.channel_id)
        )
        self._after_ack.start(self._claim_and_create(client, key, typed, draft, origin), "create_campaign")

    async def _claim_and_create(
        self, client: AsyncWebClient, key: str, typed: DraftInput, draft: CampaignDraft, origin: Origin
    ) -> None:
        """The ack already shows "Creating…". A submission handled before (a double click, Slack
        sending it again) shows what became of the first one instead, unless that one is still
        running: it will say so itself."""
        try:
            claim = await self._services.creator.claim(
                key, typed, draft, user_id=origin.user_id, channel_id=origin.channel_id
            )
        except SQLAlchemyError as error:
            logger.error("campaign_claim_failed key=%s error=%s", key, type(error).__name__)
            await self._update(client, {"id": key}, campaign_form(typed, origin.encode(), banner=_NOT_SAVED))
            return
        if not claim.granted:
            if claim.record.state is not CreationState.CREATING:
                await self._update(client, {"id": key}, self._view_of(claim.record, draft, origin))
            return
        await self._create(client, key, typed, draft, origin)

    async def retry(self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Try again: the same draft, under the same key, so it still can't create twice."""
        await ack()
        self._after_ack.start(self._retry(client, body.get("view") or {}, _user_of(body)), "retry_campaign")

    async def edit(self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Edit the form: back to the form with everything the user typed."""
        await ack()
        self._after_ack.start(self._edit(client, body.get("view") or {}), "edit_campaign")

    def _refusal(self, user_id: str, origin: Origin) -> tuple[str, str] | None:
        """Why `user_id` may not create from this form (what to show, what to audit), or None.

        Slack only lets a modal's opener use it: a payload from anyone else is not acted on in the
        opener's name (the card would say "Created by" someone who did not)."""
        if not self._access.allows(user_id, origin.channel_id):
            return DENIED, "not in ALLOWED_USERS/ALLOWED_CHANNELS"
        if user_id != origin.user_id:
            return _NOT_YOURS, "form opened by another user"
        return None

    async def _deny(self, key: str, user_id: str, origin: Origin, reason: str) -> None:
        await self._services.creator.deny(key, user_id=user_id, channel_id=origin.channel_id, reason=reason)

    async def _open_form(
        self, client: AsyncWebClient, origin: Origin, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        remembered = await self._services.preferences.get(origin.channel_id)
        _, _, command_text = str(command.get("text") or "").strip().partition(" ")
        start = starting_form(remembered, command_text, shows_any_text=TEXT_BOX_FIELDS)
        typed = start.typed
        if self._services.creator.offers_results:
            typed = typed.model_copy(update={"post_results": True})
        view = campaign_form(typed, origin.encode(), problems=start.problems, banner=_start_notice(start))
        try:
            await client.views_open(trigger_id=command.get("trigger_id"), view=view)
        except SlackApiError as error:
            reason = str(error.response.get("error") or "unknown")
            if error.response.status_code == 429:
                reason = "ratelimited"
            await respond(text=_form_not_opened(reason), response_type="ephemeral")
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("views_open_failed error=%s", type(error).__name__)
            await respond(text=_SLACK_UNREACHABLE, response_type="ephemeral")

    async def _retry(self, client: AsyncWebClient, view: dict[str, Any], user_id: str | None) -> None:
        origin, record = self._origin(view), await self._services.creations.get(str(view.get("id")))
        if origin is None or record is None:
            await self._update(client, view, _damaged(view))
            return
        clicker = user_id or origin.user_id
        refusal = self._refusal(clicker, origin)
        if refusal:
            message, reason = refusal
            await self._update(client, view, cards.status_view(origin.encode(), message))
            await self._deny(record.key, clicker, origin, reason)
            return
        typed = DraftInput.model_validate(record.draft_input)
        draft = CampaignDraft.from_input(typed)
        claim = await self._services.creator.claim(
            record.key, typed, draft, user_id=origin.user_id, channel_id=origin.channel_id, after_unknown=True
        )
        if not claim.granted:
            await self._update(client, view, self._view_of(claim.record, draft, origin))
            return
        await self._update(client, view, cards.creating_view(draft, origin.encode(), origin.channel_id))
        await self._create(client, record.key, typed, draft, origin)

    async def _edit(self, client: AsyncWebClient, view: dict[str, Any]) -> None:
        origin, record = self._origin(view), await self._services.creations.get(str(view.get("id")))
        if origin is None or record is None:
            await self._update(client, view, _damaged(view))
            return
        await self._update(
            client, view, campaign_form(DraftInput.model_validate(record.draft_input), origin.encode())
        )

    async def _create(
        self, client: AsyncWebClient, key: str, typed: DraftInput, draft: CampaignDraft, origin: Origin
    ) -> None:
        view = {"id": key}

        async def tell_waiting(_: float, reason: str) -> None:
            await self._update(
                client, view, cards.status_view(origin.encode(), md(":hourglass_flowing_sand: {}", reason))
            )

        outcome = await self._services.creator.create(
            key, draft, user_id=origin.user_id, channel_id=origin.channel_id, on_wait=tell_waiting
        )
        if isinstance(outcome, Created):
            await self._report_created(client, key, draft, outcome, origin)
            return
        shown = await self._update(client, view, self._outcome_view(outcome, typed, origin))
        if not shown and origin.response_url:
            # The modal is gone (closed, or Slack failed): the outcome must still reach the user.
            await tell_privately(origin.response_url, _outcome_note(draft, outcome))
        if isinstance(outcome, Unavailable) and outcome.outcome_unknown:
            self._after_ack.start(
                self._confirm_late(client, key, draft, outcome.lookup, origin), "confirm_late_campaign"
            )

    async def resume_late_lookups(self, client: AsyncWebClient) -> None:
        """At start-up: go on looking for the campaigns a stop interrupted the search for, so one that
        Starleads created after all still gets its card."""
        for left in await self._services.creator.unfinished_lookups():
            logger.info("campaign_late_lookup key=%s resumed=yes", left.key)
            origin = Origin(channel_id=left.channel_id, user_id=left.user_id)
            self._after_ack.start(
                self._confirm_late(client, left.key, left.draft, left.lookup, origin), "confirm_late_campaign"
            )

    async def _confirm_late(
        self,
        client: AsyncWebClient,
        key: str,
        draft: CampaignDraft,
        lookup: LateLookup | None,
        origin: Origin,
    ) -> None:
        """Starleads never answered: if the campaign shows up later, post its card after all."""
        found = await self._services.creator.confirm_late(key, draft, lookup, channel_id=origin.channel_id)
        if found:
            await self._report_created(client, key, draft, found, origin, note=_LATE_NOTE)

    async def _report_created(
        self,
        client: AsyncWebClient,
        key: str,
        draft: CampaignDraft,
        outcome: Created,
        origin: Origin,
        note: str | None = None,
    ) -> None:
        """Say the campaign exists at once; then post the card (which may wait out Slack's limits)."""

        def created(where: str) -> dict[str, Any]:
            return cards.created_view(
                draft,
                outcome.campaign.id,
                origin.encode(),
                where=" ".join(filter(None, [note, where])),
                starleads_app_url=str(self._settings.starleads_app_url),
            )

        await self._update(client, {"id": key}, created(f"Posting its card in <#{origin.channel_id}>…"))
        where = await self._publish(client, key, draft, outcome, origin, note)
        await self._update(client, {"id": key}, created(where))

    async def _publish(
        self,
        client: AsyncWebClient,
        key: str,
        draft: CampaignDraft,
        outcome: Created,
        origin: Origin,
        note: str | None,
    ) -> str:
        """Post the card (the root of the campaign's results thread, if chosen); return the sentence
        that tells the user where it went."""
        text, blocks = cards.campaign_card(
            draft,
            campaign_id=outcome.campaign.id,
            agent_name=outcome.agent_name,
            created_by=origin.user_id,
            starleads_app_url=str(self._settings.starleads_app_url),
            note=note,
        )
        plain = Card(text, blocks)
        results_here = self._services.creator.sends_results_here(draft)
        card = with_tally(plain, {}) if results_here else plain
        delivery, card_ts = await deliver_card(
            client, origin.channel_id, origin.response_url, card, instead=plain
        )
        results = ""
        if results_here:
            await self._services.creator.settle_results(
                key, outcome.campaign.id, card_ts, card.to_json() if card_ts else None
            )
            results = _RESULTS_IN_THREAD if card_ts else _results_note(outcome.campaign.id)
        channel = f"<#{origin.channel_id}>"
        if delivery is Delivery.POSTED:
            return f"The card is posted in {channel}.{results}"
        if delivery is Delivery.VIA_RESPONSE_URL:
            if origin.response_url and await self._services.preferences.first_notice(
                origin.channel_id, origin.user_id, "invite"
            ):
                await tell_privately(origin.response_url, INVITE_TIP)
            return (
                f"The card is posted in {channel}. Invite me (`/invite @Starleads`) to post there myself."
                + results
            )
        return (
            f"I couldn't post the card in {channel}, but the campaign exists: see it in Starleads.{results}"
        )

    def _outcome_view(self, outcome: Outcome, typed: DraftInput, origin: Origin) -> dict[str, Any]:
        if isinstance(outcome, Rejected):
            banner = md("{}", outcome.general) if outcome.general else None
            return campaign_form(typed, origin.encode(), problems=outcome.problems, banner=banner)
        assert not isinstance(outcome, Created)  # noqa: S101 - handled by the caller
        detail = _UNKNOWN_DETAIL if outcome.outcome_unknown else _NOTHING_CREATED
        return cards.failed_view(origin.encode(), outcome.message, detail=detail)

    def _view_of(self, record: CreationRecord, draft: CampaignDraft, origin: Origin) -> dict[str, Any]:
        """What a duplicate submission sees: the finished campaign, or the one still being created."""
        if record.state is CreationState.CREATED and record.campaign:
            return cards.created_view(
                draft,
                str(record.campaign.get("id")),
                origin.encode(),
                where="This campaign was already created from this form; nothing was created twice.",
                starleads_app_url=str(self._settings.starleads_app_url),
            )
        if record.state is CreationState.UNKNOWN:
            message = "The last attempt to create this campaign never got an answer from Starleads."
            return cards.failed_view(origin.encode(), message, detail=_UNKNOWN_DETAIL)
        return cards.creating_view(draft, origin.encode(), origin.channel_id)

    def _origin(self, view: dict[str, Any]) -> Origin | None:
        try:
            return Origin.decode(
                view.get("private_metadata"), extra_response_host=self._services.slack_api_host
            )
        except OriginInvalid as error:
            logger.warning("view_rejected reason=%s", error)
            return None

    async def _update(self, client: AsyncWebClient, view: dict[str, Any], new_view: dict[str, Any]) -> bool:
        try:
            await client.views_update(view_id=view.get("id"), view=new_view)
        except SlackApiError as error:
            logger.warning("views_update_failed error=%s", error.response.get("error"))
            return False
        return True


def _damaged(view: dict[str, Any]) -> dict[str, Any]:
    return cards.status_view(str(view.get("private_metadata", "")), _DAMAGED_FORM)


def _outcome_note(draft: CampaignDraft, outcome: Rejected | Unavailable) -> str:
    if isinstance(outcome, Rejected):
        reasons = [outcome.general] if outcome.general else []
        reason = " ".join(reasons + list(outcome.problems.values()))
    else:
        reason = outcome.message
    return md("I couldn't create “{}”. {} Run `/starleads campaign` to try again.", draft.name, reason)


def _results_note(campaign_id: str) -> str:
    return (
        " Its call results are kept until I can post them: once I can post in that channel, type "
        + md("{:code}", f"/starleads subscribe {campaign_id}")
        + " there and they will follow in a thread."
    )


def _form_not_opened(reason: str) -> str:
    """The private message when Slack would not open the form, worded from Slack's error code."""
    if _NOT_OPENED.get(reason) is _FORM_BROKEN:
        logger.error("views_open_failed error=%s form_refused=yes", reason)
    else:
        logger.warning("views_open_failed error=%s", reason)
    default = md("Slack did not open the form ({:code}). Please run `/starleads campaign` again.", reason)
    return _NOT_OPENED.get(reason, default)


def _start_notice(start: StartingForm) -> str | None:
    """The note at the top of a prefilled form: what was cut to fit, what could not be placed."""
    notes = [
        md("{} was cut to {} characters, the most it holds; the rest was dropped.", field.label, len(value))
        for field in start.cut
        if (value := getattr(start.typed, field.value))
    ]
    if start.unplaced:
        notes.append(
            md("I couldn't use part of your command: {}. Fill those in below. ", ", ".join(start.unplaced))
            + f'After `/starleads campaign`, write a "name" in quotes, {", ".join(f"`{k}:`" for k in KEYS)} '
            "and the calling hours in words."
        )
    return " ".join(notes) or None


def _user_of(body: dict[str, Any]) -> str | None:
    """The user who clicked or submitted, as Slack reports it in an interaction payload."""
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, str) else None


def _block_ids(view: dict[str, Any]) -> list[str]:
    """The view's own block IDs: errors may only name blocks the form shows."""
    blocks = view.get("blocks")
    return [str(b.get("block_id")) for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []
