"""Editing the calling hours inside the campaign form: the live preview and the picker.

Pressing Enter in the calling hours (or choosing another timezone) re-reads them and updates the
preview line under the text, every other field untouched (same block and action IDs, and the view's
hash so a concurrent change wins over a stale one). "Pick days and hours…" pushes the picker; what
is picked there is written back into the text, which stays the one thing the form submits.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.campaigns.draft import DraftInput
from bot.schedule import ScheduleError, parse_schedule
from bot.schedule.controls import ControlsInvalid, ScheduleControls
from bot.slack.background import AfterAck
from bot.slack.blocks.campaign_form import (
    campaign_form,
    current_schedule_block,
    next_schedule_block,
    read_form,
)
from bot.slack.blocks.schedule_picker import read_picker, schedule_picker
from bot.slack.blocks.state import FormState
from bot.slack.delivery import update_modal

logger = logging.getLogger(__name__)

_VIEW_ID = re.compile(r"V[A-Z0-9]{2,40}")
_SCHEDULE_BLOCK_ID = re.compile(r"schedule(\.\d{1,6})?")


class ScheduleEditing:
    def __init__(self, after_ack: AfterAck) -> None:
        self._after_ack = after_ack

    async def refresh_preview(self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Enter in the calling hours, or a new timezone: show how the hours now read."""
        await ack()
        view = body.get("view") or {}
        state = FormState.of(view)
        refreshed = campaign_form(
            read_form(state),
            str(view.get("private_metadata", "")),
            schedule_block_id=current_schedule_block(state.block_ids()),
        )
        self._after_ack.start(
            update_modal(client, view.get("id"), refreshed, view_hash=view.get("hash")), "preview"
        )

    async def open_picker(self, ack: AsyncAck, client: AsyncWebClient, body: dict[str, Any]) -> None:
        """Push the picker, starting from the hours the text says now (or their days, if not whole)."""
        await ack()
        view = body.get("view") or {}
        state = FormState.of(view)
        typed = read_form(state)
        try:
            current = parse_schedule(typed.schedule or "")
        except ScheduleError:
            current = None
        controls, shows_whole = ScheduleControls.from_schedule(current)
        parent = {
            "view_id": view.get("id"),
            "schedule_block": current_schedule_block(state.block_ids()),
            "timezone": typed.timezone,
            "post_results": typed.post_results,  # whether the form offers it: rebuilt with or without
            "form_metadata": view.get("private_metadata", ""),
        }
        picker = schedule_picker(controls, json.dumps(parent), shows_whole=shows_whole or current is None)
        try:
            await client.views_push(trigger_id=body.get("trigger_id"), view=picker)
        except SlackApiError as error:
            logger.warning("views_push_failed error=%s", error.response.get("error"))

    async def use_picked(self, ack: AsyncAck, client: AsyncWebClient, view: dict[str, Any]) -> None:
        """Picker submitted: errors next to the control at fault, or back to the form with the new text."""
        parent = _parent(view.get("private_metadata"))
        if parent is None:
            await ack(response_action="clear")
            return
        try:
            schedule = read_picker(FormState.of(view)).to_schedule()
        except ControlsInvalid as invalid:
            await ack(response_action="errors", errors={c.value: text for c, text in invalid.errors.items()})
            return
        await ack()
        typed = DraftInput(
            schedule=schedule.render(), timezone=parent["timezone"], post_results=parent.get("post_results")
        )
        form = campaign_form(
            typed, parent["form_metadata"], schedule_block_id=next_schedule_block(parent["schedule_block"])
        )
        self._after_ack.start(update_modal(client, parent["view_id"], form), "picked_schedule")


def _parent(metadata: Any) -> dict[str, Any] | None:
    """The campaign form the picker belongs to, checked: it came through Slack and back."""
    try:
        parent = json.loads(metadata) if isinstance(metadata, str) else None
        valid = (
            isinstance(parent, dict)
            and _VIEW_ID.fullmatch(str(parent.get("view_id")))
            and _SCHEDULE_BLOCK_ID.fullmatch(str(parent.get("schedule_block")))
            and isinstance(parent.get("form_metadata"), str)
            and isinstance(parent.get("timezone"), str | None)
            and isinstance(parent.get("post_results"), bool | None)
        )
    except ValueError:
        valid = False
    if not valid:
        logger.warning("schedule_picker_rejected reason=bad-metadata")
        return None
    return parent
