"""The `/starleads campaign` flow, from the slash command to the card in the channel.

Each listener answers Slack within milliseconds (a submission is validated inside its ack, from
memory) and hands the slow part to `AfterAck`, which runs it once the answer is sent: `views.open`
straight after one local read; after the "Creating…" view, the create-once claim in the database,
then the Starleads call. A submission is keyed on its view ID, so double clicks and Slack's re-sends
create one campaign. (The claim stays out of the ack: in a burst, waiting for the database's threads
took the ack's p99 past 100 ms, and the ack needs nothing from it.)

This module only reads Slack's payloads and answers Slack: what happens to a submission is decided in
`bot.campaigns.create_flow`, and shown by `ModalReport`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.campaigns.command_text import KEYS, StartingForm
from bot.campaigns.create_flow import CreateFlow
from bot.campaigns.draft import DraftField, DraftInvalid
from bot.campaigns.submission import Submission
from bot.i18n import N_, _, current_language, number
from bot.slack.access import DENIED, AccessPolicy
from bot.slack.background import AfterAck
from bot.slack.blocks import campaign_card as cards
from bot.slack.blocks.campaign_form import TEXT_BOX_FIELDS, campaign_form, current_schedule_block, read_form
from bot.slack.blocks.kit import md
from bot.slack.blocks.state import FormState
from bot.slack.command_gate import admit
from bot.slack.creation_report import ModalReport
from bot.slack.delivery import SlackClients, update_modal
from bot.slack.origin import Origin, OriginInvalid
from bot.slack.starleads_account import ConnectedCheck
from bot.slack.tenancy import WorkspaceOf

logger = logging.getLogger(__name__)

_TOO_SLOW = N_("Sorry, that took too long and Slack closed the form. Please run `/starleads campaign` again.")
_FORM_BROKEN = N_(
    "Sorry, the form could not be built, so Slack did not open it. The bot's admin has been told "
    "(see the bot's log)."
)
_SLACK_BUSY = N_("Slack is busy right now and did not open the form. Please try again in a minute.")
_SLACK_UNREACHABLE = N_("I couldn't reach Slack to open the form. Please run `/starleads campaign` again.")
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
_CHECKS_CHANGED = N_(
    "This form no longer passes the bot's checks: fix what is marked below, then submit it again."
)
_DAMAGED_FORM = N_("This form can't be used any more. Close it and run `/starleads campaign` again.")
_NOT_YOURS = N_(
    "This form was opened by someone else, so it can't create a campaign in your name. "
    "Close it and run `/starleads campaign` again to open your own."
)


class CampaignFlow:
    """Slack's side of the flow: reads payloads, answers Slack, and hands each submission to the
    create flow with a `ModalReport` that shows its steps."""

    def __init__(
        self,
        flow: CreateFlow,
        after_ack: AfterAck,
        access: AccessPolicy,
        workspace_of: WorkspaceOf,
        connected: ConnectedCheck,
        warmed_up: Callable[[], Awaitable[None]],
        *,
        slack_api_host: str,
        starleads_app_url: str,
    ) -> None:
        """`warmed_up()`: once the form's first build, started with the bot, is done (a command that
        arrives meanwhile waits for it rather than build the same form beside it, twice as slow)."""
        self._flow = flow
        self._connected = connected
        self._warmed_up = warmed_up
        self._workspace_of = workspace_of
        self._after_ack = after_ack
        self._access = access
        self._slack_api_host = slack_api_host
        self._starleads_app_url = starleads_app_url

    async def open_form(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """Ack at once, then `views.open` before any other network call (the trigger dies in 3 s); the
        opener's language may be learnt meanwhile."""
        origin = await admit(
            ack, command, self._access, subcommand="campaign", extra_response_host=self._slack_api_host
        )
        if origin is None:
            return
        await ack()
        workspace = self._workspace_of(context)
        self._after_ack.start(self._open_form(client, origin, command, respond, workspace), "open_form")

    async def submit(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        body: dict[str, Any],
        view: dict[str, Any],
        context: AsyncBoltContext,
    ) -> None:
        """Validate inside the ack; claim the create and call Starleads once the ack is sent."""
        origin, workspace = self._origin(view), self._workspace_of(context)
        if origin is None:
            await ack(response_action="update", view=_damaged(view))
            return
        submitter = _user_of(body) or origin.user_id
        refusal = self._refusal(submitter, origin)
        if refusal:
            message, reason = refusal
            await ack(response_action="update", view=cards.status_view(origin.encode(), message))
            self._after_ack.start(
                self._deny(str(view.get("id")), submitter, origin, reason, workspace), "deny"
            )
            return
        state = FormState.of(view)
        try:
            submission = Submission.of(
                str(view.get("id")),
                read_form(state),
                user_id=origin.user_id,
                channel_id=origin.channel_id,
                workspace=workspace,
            )
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
        await ack(
            response_action="update",
            view=cards.creating_view(submission.draft, origin.encode(), origin.channel_id),
        )
        self._after_ack.start(
            self._flow.submit(submission, self._report(client, submission, origin)), "create_campaign"
        )

    async def retry(
        self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Try again: the same draft, under the same key, so it still can't create twice."""
        await ack()
        retrying = self._retry(client, body.get("view") or {}, _user_of(body), self._workspace_of(context))
        self._after_ack.start(retrying, "retry_campaign")

    async def edit(
        self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Edit the form: back to the form with everything the user typed."""
        await ack()
        self._after_ack.start(
            self._edit(client, body.get("view") or {}, self._workspace_of(context)), "edit_campaign"
        )

    async def resume_late_lookups(self, clients_for: SlackClients) -> None:
        """At start-up: resume the searches a stop cut short, in every workspace; a campaign found gets
        its card after all, posted with its own workspace's client."""

        def report_for(submission: Submission) -> ModalReport:
            origin = Origin(channel_id=submission.channel_id, user_id=submission.user_id)
            return self._report(clients_for(submission.workspace), submission, origin)

        await self._flow.resume_late_lookups(report_for)

    def _refusal(self, user_id: str, origin: Origin) -> tuple[str, str] | None:
        """Why `user_id` may not create from this form (what to show, what to audit), or None.

        Slack only lets a modal's opener use it: a payload from anyone else is not acted on in the
        opener's name (the card would say "Created by" someone who did not)."""
        if not self._access.allows(user_id, origin.channel_id):
            return _(DENIED), "not in ALLOWED_USERS/ALLOWED_CHANNELS"
        if user_id != origin.user_id:
            return _(_NOT_YOURS), "form opened by another user"
        return None

    async def _deny(self, key: str, user_id: str, origin: Origin, reason: str, workspace: str) -> None:
        await self._flow.deny(
            key, user_id=user_id, channel_id=origin.channel_id, reason=reason, workspace=workspace
        )

    async def _open_form(
        self,
        client: AsyncWebClient,
        origin: Origin,
        command: dict[str, Any],
        respond: AsyncRespond,
        workspace: str,
    ) -> None:
        _, _, command_text = str(command.get("text") or "").strip().partition(" ")
        origin = replace(origin, language=current_language())  # the form keeps it (settled by AfterAck)
        # One after the other: once warm each answers from memory without yielding to the loop, so the
        # form leaves in the turn its work starts, not a few turns later behind a burst's other requests
        # (as tasks gathered side by side it did). Cold, the two reads cost a few milliseconds each.
        if not await self._connected(client, command, workspace, respond, subcommand="campaign"):
            return
        start = await self._flow.starting_form(
            origin.channel_id, command_text, shows_any_text=TEXT_BOX_FIELDS, workspace=workspace
        )
        await self._warmed_up()
        view = campaign_form(
            start.typed, origin.encode(), problems=start.problems, banner=_start_notice(start)
        )
        try:
            await client.views_open(trigger_id=command.get("trigger_id"), view=view)
        except SlackApiError as error:
            reason = str(error.response.get("error") or "unknown")
            if error.response.status_code == 429:
                reason = "ratelimited"
            await respond(text=_form_not_opened(reason), response_type="ephemeral")
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("views_open_failed error=%s", type(error).__name__)
            await respond(text=_(_SLACK_UNREACHABLE), response_type="ephemeral")

    async def _retry(
        self, client: AsyncWebClient, view: dict[str, Any], user_id: str | None, workspace: str
    ) -> None:
        key = str(view.get("id"))
        origin, typed = self._origin(view), await self._flow.stored_input(key, workspace=workspace)
        if origin is None or typed is None:
            await update_modal(client, view.get("id"), _damaged(view))
            return
        clicker = user_id or origin.user_id
        refusal = self._refusal(clicker, origin)
        if refusal:
            message, reason = refusal
            await update_modal(client, view.get("id"), cards.status_view(origin.encode(), message))
            await self._deny(key, clicker, origin, reason, workspace)
            return
        try:
            submission = Submission.of(
                key, typed, user_id=origin.user_id, channel_id=origin.channel_id, workspace=workspace
            )
        except DraftInvalid as invalid:  # saved under older rules: back to the form, nothing lost
            form = campaign_form(typed, origin.encode(), problems=invalid.errors, banner=_(_CHECKS_CHANGED))
            await update_modal(client, view.get("id"), form)
            return
        await self._flow.retry(submission, self._report(client, submission, origin))

    async def _edit(self, client: AsyncWebClient, view: dict[str, Any], workspace: str) -> None:
        origin = self._origin(view)
        typed = await self._flow.stored_input(str(view.get("id")), workspace=workspace)
        shown = _damaged(view) if origin is None or typed is None else campaign_form(typed, origin.encode())
        await update_modal(client, view.get("id"), shown)

    def _report(self, client: AsyncWebClient, submission: Submission, origin: Origin) -> ModalReport:
        return ModalReport(client, submission, origin, starleads_app_url=self._starleads_app_url)

    def _origin(self, view: dict[str, Any]) -> Origin | None:
        try:
            return Origin.decode(view.get("private_metadata"), extra_response_host=self._slack_api_host)
        except OriginInvalid as error:
            logger.warning("view_rejected reason=%s", error)
            return None


def _damaged(view: dict[str, Any]) -> dict[str, Any]:
    return cards.status_view(str(view.get("private_metadata", "")), _(_DAMAGED_FORM))


def _form_not_opened(reason: str) -> str:
    """The private message when Slack would not open the form, worded from Slack's error code."""
    if _NOT_OPENED.get(reason) is _FORM_BROKEN:
        logger.error("views_open_failed error=%s form_refused=yes", reason)
    else:
        logger.warning("views_open_failed error=%s", reason)
    known = _NOT_OPENED.get(reason)
    if known is not None:
        return _(known)
    return md(_("Slack did not open the form ({:code}). Please run `/starleads campaign` again."), reason)


def _start_notice(start: StartingForm) -> str | None:
    """The note at the top of a prefilled form: what was cut to fit, what could not be placed."""
    notes = [
        md(
            _("{} was cut to {} characters, the most it holds; the rest was dropped."),
            field.label,
            number(len(value)),
        )
        for field in start.cut
        if (value := getattr(start.typed, field.value))
    ]
    if start.unplaced:
        keys = ", ".join(f"`{k}:`" for k in KEYS)
        notes.append(
            md(_("I couldn't use part of your command: {}. Fill those in below."), ", ".join(start.unplaced))
            + " "
            + _(
                'After `/starleads campaign`, write a "name" in quotes, {keys} and the calling hours '
                "in words."
            ).format(keys=keys)
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
