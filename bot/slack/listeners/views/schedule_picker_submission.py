"""Submitting the schedule picker: its choices become the form's calling hours."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks.schedule_picker import PICKER_CALLBACK_ID
from bot.slack.schedule_editing import ScheduleEditing


def register(app: AsyncApp, editing: ScheduleEditing) -> None:
    app.view(PICKER_CALLBACK_ID)(editing.use_picked)
