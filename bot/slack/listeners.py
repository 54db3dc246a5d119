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
from bot.slack.blocks.campaign_card import EDIT_ACTION, OPEN_STARLEADS_ACTION, RETRY_ACTION
from bot.slack.blocks.campaign_form import CALLBACK_ID, OPEN_PICKER_ACTION, action_id
from bot.slack.blocks.connect_form import CONNECT_CALLBACK_ID
from bot.slack.blocks.kit import md
from bot.slack.blocks.schedule_picker import PICKER_CALLBACK_ID
from bot.slack.campaign_flow import CampaignFlow
from bot.slack.schedule_editing import ScheduleEditing
from bot.slack.starleads_account import StarleadsAccountCommands
from bot.slack.subscriptions import ResultSubscriptions

COMMAND = "/starleads"
_ABOUT = "*Starleads for Slack* creates AI calling campaigns without leaving the channel.\n"
_WORK = (
    "• `/starleads campaign`: open the form to create a campaign; its card is posted here, and its "
    "call results follow in the card's thread\n"
    "• `/starleads subscribe &lt;campaign ID&gt;`: call results of a campaign made elsewhere, in a thread "
    "here (you get a webhook address to paste into it in Starleads)\n"
)
_ACCOUNT = (
    "• `/starleads connect`: connect this workspace to your company's Starleads account with its API "
    "key, or replace the key (workspace admins and owners, and whoever installed the app)\n"
    "• `/starleads disconnect`: forget this workspace's Starleads key (the same people)\n"
)
_HELP = "• `/starleads help`: show this message"
USAGE = _ABOUT + _WORK + _HELP
PER_WORKSPACE_USAGE = _ABOUT + _WORK + _ACCOUNT + _HELP
"""The help of a distributed bot, whose workspaces each connect their own Starleads account."""
_GATED = ("campaign", "subscribe")


def register_listeners(
    app: AsyncApp,
    flow: CampaignFlow,
    editing: ScheduleEditing,
    subscriptions: ResultSubscriptions,
    account: StarleadsAccountCommands,
) -> None:
    usage = PER_WORKSPACE_USAGE if account.per_workspace else USAGE

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
        if subcommand in _GATED and not await account.admit(
            ack, client, command, context, respond, subcommand=subcommand
        ):
            return
        if subcommand == "campaign":
            await flow.open_form(ack, client, command, respond, context)
        elif subcommand == "subscribe":
            await subscriptions.subscribe(ack, client, command, respond, context)
        elif subcommand == "connect":
            await account.connect(ack, client, command, context, respond)
        elif subcommand == "disconnect":
            await account.disconnect(ack, client, command, context, respond)
        elif subcommand == "help":
            await ack(text=usage, response_type="ephemeral")
        else:
            unknown = md("{:code.60}", f"{COMMAND} {words[0]}")
            await ack(text=f"I don't know {unknown}.\n\n{usage}", response_type="ephemeral")

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
