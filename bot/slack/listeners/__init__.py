"""Bolt listeners, grouped by kind (commands, views, actions) as in Slack's own starter template."""

from slack_bolt.async_app import AsyncApp

from bot.slack.campaign_flow import CampaignFlow
from bot.slack.listeners import actions, commands, views
from bot.slack.schedule_editing import ScheduleEditing
from bot.slack.subscriptions import ResultSubscriptions


def register_listeners(
    app: AsyncApp, flow: CampaignFlow, editing: ScheduleEditing, subscriptions: ResultSubscriptions
) -> None:
    commands.starleads_command.register(app, flow, subscriptions)
    views.campaign_submission.register(app, flow)
    views.schedule_picker_submission.register(app, editing)
    actions.campaign_status.register(app, flow)
    actions.schedule_editing.register(app, editing)
