"""Every route from Slack to the code that answers it, in one place: commands, views, then actions.

The handlers live with what they do (the campaign flow, the calling-hours editing, subscriptions);
only `/starleads`'s choice of subcommand is written here, since that choice is routing too.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.campaigns.draft import DraftField
from bot.i18n import N_, Language, _
from bot.slack.blocks.campaign_card import EDIT_ACTION, OPEN_STARLEADS_ACTION, RETRY_ACTION
from bot.slack.blocks.campaign_form import CALLBACK_ID, OPEN_PICKER_ACTION, action_id
from bot.slack.blocks.connect_form import CONNECT_CALLBACK_ID
from bot.slack.blocks.kit import md
from bot.slack.blocks.schedule_picker import PICKER_CALLBACK_ID
from bot.slack.campaign_flow import CampaignFlow
from bot.slack.languages import answer_privately
from bot.slack.schedule_editing import ScheduleEditing
from bot.slack.starleads_account import StarleadsAccountCommands
from bot.slack.subscriptions import ResultSubscriptions
from bot.slack.workspace_language import WorkspaceLanguageCommand, language_name

COMMAND = "/starleads"
_ABOUT = N_("*Starleads for Slack* creates AI calling campaigns without leaving the channel.")
_WORK = (
    N_(
        "• `/starleads campaign`: open the form to create a campaign; its card is posted here, and its "
        "call results follow in the card's thread"
    ),
    N_(
        "• `/starleads subscribe &lt;campaign ID&gt;`: call results of a campaign made elsewhere, in a "
        "thread here (you get a webhook address to paste into it in Starleads)"
    ),
)
_ACCOUNT = (
    N_(
        "• `/starleads connect`: connect this workspace to your company's Starleads account with its API "
        "key, or replace the key (workspace admins and owners, and whoever installed the app)"
    ),
    N_("• `/starleads disconnect`: forget this workspace's Starleads key (the same people)"),
    N_(
        "• `/starleads language fr` or `en`: this workspace's language for people whose Slack language is "
        "neither English nor French (the same people; now {language})"
    ),
)
_HELP = N_("• `/starleads help`: show this message")


def usage(workspace_language: Language | None = None) -> str:
    """The help, in the language being spoken; a distributed bot's (`workspace_language`: the
    workspace's default) also tells how admins connect the workspace and choose its language."""
    lines = [_(_ABOUT)] + [_(line) for line in _WORK]
    if workspace_language is not None:
        connect, disconnect, language = _ACCOUNT
        lines += [_(connect), _(disconnect), _(language).format(language=language_name(workspace_language))]
    return "\n".join([*lines, _(_HELP)])


def help_or_unknown(words: list[str], workspace_language: Language | None) -> str:
    """The answer to `/starleads`, `/starleads help`, or a subcommand the bot doesn't know."""
    if not words or words[0].lower() == "help":
        return usage(workspace_language)
    unknown = md(_("I don't know {:code.60}."), f"{COMMAND} {words[0]}")
    return f"{unknown}\n\n{usage(workspace_language)}"


def register_listeners(
    app: AsyncApp,
    flow: CampaignFlow,
    editing: ScheduleEditing,
    subscriptions: ResultSubscriptions,
    account: StarleadsAccountCommands,
    language: WorkspaceLanguageCommand,
) -> None:
    @app.command(COMMAND)
    async def starleads_command(
        ack: AsyncAck,
        client: AsyncWebClient,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        words = str(command.get("text") or "").split()
        subcommand = words[0].lower() if words else "help"
        # Each learns the person's language where it first has something to say (`bot.slack.languages`).
        if subcommand == "campaign":
            await flow.open_form(ack, client, command, respond, context)
        elif subcommand == "subscribe":
            await subscriptions.subscribe(ack, client, command, respond, context)
        elif subcommand == "connect":
            await account.connect(ack, client, command, context, respond)
        elif subcommand == "disconnect":
            await account.disconnect(ack, client, command, context, respond)
        elif subcommand == "language":
            await language.choose(ack, client, command, context, respond)
        else:
            workspace_language = await language.workspace_default(context)
            await answer_privately(ack, lambda: help_or_unknown(words, workspace_language))

    app.view(CALLBACK_ID)(flow.submit)
    app.view(CONNECT_CALLBACK_ID)(account.submit_key)
    app.view(PICKER_CALLBACK_ID)(editing.use_picked)

    app.action(RETRY_ACTION)(flow.retry)
    app.action(EDIT_ACTION)(flow.edit)
    app.action(action_id(DraftField.SCHEDULE))(editing.refresh_preview)
    app.action(action_id(DraftField.TIMEZONE))(editing.refresh_preview)
    app.action(OPEN_PICKER_ACTION)(editing.open_picker)

    @app.action(OPEN_STARLEADS_ACTION)
    async def open_starleads(ack: AsyncAck) -> None:
        """A link button: Slack opens the URL itself and still expects an ack."""
        await ack()
