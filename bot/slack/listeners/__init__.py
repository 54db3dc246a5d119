"""Bolt listeners, grouped by kind (commands, views, actions) as in Slack's own starter template."""

from slack_bolt.async_app import AsyncApp

from bot.slack.campaign_flow import CampaignFlow
from bot.slack.listeners import actions, commands, views


def register_listeners(app: AsyncApp, flow: CampaignFlow) -> None:
    commands.starleads_command.register(app, flow)
    views.campaign_submission.register(app, flow)
    actions.campaign_status.register(app, flow)
