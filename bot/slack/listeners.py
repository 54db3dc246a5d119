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
from bot.slack.blocks.kit import md
from bot.slack.blocks.schedule_picker import PICKER_CALLBACK_ID
from bot.slack.campaign_flow import CampaignFlow
from bot.slack.schedule_editing import ScheduleEditing
from bot.slack.subscriptions import ResultSubscriptions

COMMAND = "/starleads"
USAGE = (
    "*Starleads for Slack* creates AI calling campaigns without leaving the channel.\n"
    "• `/starleads campaign`: open the form to create a campaign; its card is posted here, and its "
    "call results follow in the card's thread\n"
    "• `/starleads subscribe &lt;campaign ID&gt;`: call results of a campaign made elsewhere, in a thread "
    "here (you get a webhook address to paste into it in Starleads)\n"
    "• `/starleads help`: show this message"
)


def register_listeners(
    app: AsyncApp, flow: CampaignFlow, editing: ScheduleEditing, subscriptions: ResultSubscriptions
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
        if subcommand == "campaign":
            await flow.open_form(ack, client, command, respond, context)
        elif subcommand == "subscribe":
            await subscriptions.subscribe(ack, client, command, respond, context)
        elif subcommand == "help":
            await ack(text=USAGE, response_type="ephemeral")
        else:
            unknown = md("{:code.60}", f"{COMMAND} {words[0]}")
            await ack(text=f"I don't know {unknown}.\n\n{USAGE}", response_type="ephemeral")

    app.view(CALLBACK_ID)(flow.submit)
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
