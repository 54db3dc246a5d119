"""The schedule picker, pushed over the campaign form: days to tick and up to two time windows."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from bot.schedule import Weekday
from bot.schedule.controls import Control, ScheduleControls
from bot.slack.blocks import kit
from bot.slack.blocks.state import FormState

PICKER_CALLBACK_ID = "schedule_picker"
_WINDOWS = (
    (Control.WINDOW_1_START, N_("First window starts"), False),
    (Control.WINDOW_1_END, N_("First window ends"), False),
    (Control.WINDOW_2_START, N_("Second window starts"), True),
    (Control.WINDOW_2_END, N_("Second window ends"), True),
)


def action_id(control: Control) -> str:
    return f"{control.value}_pick"


def schedule_picker(
    controls: ScheduleControls, private_metadata: str, *, shows_whole: bool
) -> dict[str, Any]:
    not_whole = _(
        "Your calling hours differ from day to day. The picker sets the same hours on every day you "
        "tick: using it replaces them."
    )
    blocks: list[kit.Block] = [] if shows_whole else [kit.context(f":information_source: {not_whole}")]
    blocks.append(
        kit.input_block(
            Control.DAYS,
            _("Days"),
            kit.checkboxes(
                action_id(Control.DAYS),
                [kit.option(day.full, day.value) for day in Weekday],
                selected=list(controls.days),
            ),
        )
    )
    for control, label, optional in _WINDOWS:
        initial = getattr(controls, control.value)
        blocks.append(
            kit.input_block(
                control, _(label), kit.timepicker(action_id(control), initial=initial), optional=optional
            )
        )
    blocks.append(kit.context(_("The calling hours of your form will be written from these choices.")))
    return kit.modal(
        # Translators: a modal's title and buttons, at most 24 characters each (Slack's limit).
        title=_("Pick days and hours"),
        callback_id=PICKER_CALLBACK_ID,
        submit=_("Use these hours"),
        close=_("Back"),
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
