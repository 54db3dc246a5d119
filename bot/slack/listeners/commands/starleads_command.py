"""`/starleads [subcommand]`: routes to the campaign form or a results subscription, or answers with usage."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.kit import md
from bot.slack.campaign_flow import CampaignFlow
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


def register(app: AsyncApp, flow: CampaignFlow, subscriptions: ResultSubscriptions) -> None:
    @app.command(COMMAND)
    async def starleads_command(
        ack: AsyncAck, client: AsyncWebClient, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        words = str(command.get("text") or "").split()
        subcommand = words[0].lower() if words else "help"
        if subcommand == "campaign":
            await flow.open_form(ack, client, command, respond)
        elif subcommand == "subscribe":
            await subscriptions.subscribe(ack, client, command, respond)
        elif subcommand == "help":
            await ack(text=USAGE, response_type="ephemeral")
        else:
            unknown = md("{:code.60}", f"{COMMAND} {words[0]}")
            await ack(text=f"I don't know {unknown}.\n\n{USAGE}", response_type="ephemeral")
