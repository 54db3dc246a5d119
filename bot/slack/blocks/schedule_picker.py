"""The schedule picker, pushed over the campaign form: days to tick and up to two time windows."""

from __future__ import annotations

from typing import Any

from bot.schedule import Weekday
from bot.schedule.controls import Control, ScheduleControls
from bot.slack.blocks import kit
from bot.slack.blocks.state import FormState

PICKER_CALLBACK_ID = "schedule_picker"
_WINDOWS = (
    (Control.WINDOW_1_START, "First window starts", False),
    (Control.WINDOW_1_END, "First window ends", False),
    (Control.WINDOW_2_START, "Second window starts", True),
    (Control.WINDOW_2_END, "Second window ends", True),
)
_NOT_WHOLE = (
    "Your calling hours differ from day to day. The picker sets the same hours on every day you "
    "tick: using it replaces them."
)


def action_id(control: Control) -> str:
    return f"{control.value}_pick"


def schedule_picker(
    controls: ScheduleControls, private_metadata: str, *, shows_whole: bool
) -> dict[str, Any]:
    blocks: list[kit.Block] = [] if shows_whole else [kit.context(f":information_source: {_NOT_WHOLE}")]
    blocks.append(
        kit.input_block(
            Control.DAYS,
            "Days",
            kit.checkboxes(
                action_id(Control.DAYS),
                [kit.option(day.value, day.value) for day in Weekday],
                selected=list(controls.days),
            ),
        )
    )
    for control, label, optional in _WINDOWS:
        initial = getattr(controls, control.value)
        blocks.append(
            kit.input_block(
                control, label, kit.timepicker(action_id(control), initial=initial), optional=optional
            )
        )
    blocks.append(kit.context("The calling hours of your form will be written from these choices."))
    return kit.modal(
        title="Pick days and hours",
        callback_id=PICKER_CALLBACK_ID,
        submit="Use these hours",
        close="Back",
        blocks=blocks,
        private_metadata=private_metadata,
    )


def read_picker(state: FormState) -> ScheduleControls:
    return ScheduleControls(
        days=state.selected_all(Control.DAYS.value, action_id(Control.DAYS)),
        **{
            control.value: state.text(control.value, action_id(control), key="selected_time")
            for control, _, _ in _WINDOWS
        },
    )
