"""Submitting the campaign form."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks.campaign_form import CALLBACK_ID
from bot.slack.campaign_flow import CampaignFlow


def register(app: AsyncApp, flow: CampaignFlow) -> None:
    app.view(CALLBACK_ID)(flow.submit)
