"""Actions inside the campaign form's calling hours: Enter (preview), a new timezone, the picker button."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.campaigns.draft import DraftField
from bot.slack.blocks.campaign_form import OPEN_PICKER_ACTION, action_id
from bot.slack.schedule_editing import ScheduleEditing


def register(app: AsyncApp, editing: ScheduleEditing) -> None:
    app.action(action_id(DraftField.SCHEDULE))(editing.refresh_preview)
    app.action(action_id(DraftField.TIMEZONE))(editing.refresh_preview)
    app.action(OPEN_PICKER_ACTION)(editing.open_picker)
