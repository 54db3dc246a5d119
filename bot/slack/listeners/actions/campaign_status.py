"""Buttons on the campaign status view: try again, edit the form, open Starleads."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.slack.blocks.campaign_card import EDIT_ACTION, OPEN_STARLEADS_ACTION, RETRY_ACTION
from bot.slack.campaign_flow import CampaignFlow


def register(app: AsyncApp, flow: CampaignFlow) -> None:
    app.action(RETRY_ACTION)(flow.retry)
    app.action(EDIT_ACTION)(flow.edit)

    @app.action(OPEN_STARLEADS_ACTION)
    async def open_starleads(ack: AsyncAck) -> None:
        """A link button: Slack opens the URL itself and still expects an ack."""
        await ack()
