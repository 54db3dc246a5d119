"""The schedule picker: days to tick and up to two time windows, the same on every ticked day.

The plain-words text is the schedule's one source of truth; the picker is another way to write it.
`ScheduleControls.to_schedule()` checks what was picked (naming the control at fault, so the picker
can show the error next to it), and the result is written back into the text as `render()` gives it.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.i18n import _, pgettext
from bot.schedule.model import DEFAULT_SCHEDULE, TimeWindow, Weekday, WeeklySchedule


class Control(StrEnum):
    DAYS = "days"
    WINDOW_1_START = "window_1_start"
    WINDOW_1_END = "window_1_end"
    WINDOW_2_START = "window_2_start"
    WINDOW_2_END = "window_2_end"


class ControlsInvalid(ValueError):
    def __init__(self, errors: dict[Control, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class ScheduleControls(BaseModel):
    """What the picker shows or returns: day names and `HH:MM` times, as Slack's controls give them."""

    model_config = ConfigDict(frozen=True)

    days: tuple[str, ...] = ()
    window_1_start: str | None = None
    window_1_end: str | None = None
    window_2_start: str | None = None
    window_2_end: str | None = None

    @classmethod
    def from_schedule(cls, schedule: WeeklySchedule | None) -> tuple[ScheduleControls, bool]:
        """The picker's starting point, and whether it shows `schedule` exactly.

        The picker gives every day the same two windows at most; a schedule it cannot show whole starts
        the picker from its days and the first day's windows (the caller says so to the user).
        """
        schedule = schedule or DEFAULT_SCHEDULE
        window_sets = set(schedule.days.values())
        first = next(iter(schedule.days.values()))
        clocks = [w.start.strftime("%H:%M") for w in first[:2]], [w.end.strftime("%H:%M") for w in first[:2]]
        starts, ends = (values + [None] * (2 - len(values)) for values in clocks)
        controls = cls(
            days=tuple(day.value for day in schedule.days),
            window_1_start=starts[0],
            window_1_end=ends[0],
            window_2_start=starts[1],
            window_2_end=ends[1],
        )
        return controls, len(window_sets) == 1 and len(first) <= 2

    def to_schedule(self) -> WeeklySchedule:
        errors: dict[Control, str] = {}
        days = self._days(errors)
        first = self._window(1, errors, required=True)
        second = self._window(2, errors, required=False)
        if first and second and second.start < first.end and first.start < second.end:
            errors[Control.WINDOW_2_START] = _(
                "The second window ({second}) overlaps the first ({first}): "
                "make one end before the other starts, or clear the second."
            ).format(second=second.render(), first=first.render())
        if errors or not first:
            raise ControlsInvalid(errors)
        return WeeklySchedule.same_every_day(days, [w for w in (first, second) if w])

    def _days(self, errors: dict[Control, str]) -> list[Weekday]:
        days: list[Weekday] = []
        for name in self.days:
            try:
                days.append(Weekday(name))
            except ValueError:
                errors[Control.DAYS] = _("“{name}” is not a day: tick days from Monday to Sunday.").format(
                    name=name[:40]
                )
        if not days and Control.DAYS not in errors:
            errors[Control.DAYS] = _("Tick at least one day to call on.")
        return days

    def _window(self, number: int, errors: dict[Control, str], *, required: bool) -> TimeWindow | None:
        start_control, end_control = Control(f"window_{number}_start"), Control(f"window_{number}_end")
        # Translators: the first or second calling window of the schedule picker.
        ordinal = pgettext("window", "first") if number == 1 else pgettext("window", "second")
        start = _clock(getattr(self, start_control.value), start_control, errors)
        end = _clock(getattr(self, end_control.value), end_control, errors)
        if start_control in errors or end_control in errors:
            return None
        if start is None and end is None:
            if required:
                errors[start_control] = _("Pick when the {ordinal} calling window starts.").format(
                    ordinal=ordinal
                )
                errors[end_control] = _("Pick when the {ordinal} calling window ends.").format(
                    ordinal=ordinal
                )
            return None
        if start is None or end is None:
            if required:
                message = _("Pick both a start and an end for the {ordinal} window.")
            else:
                message = _("Pick both a start and an end for the {ordinal} window, or clear both.")
            errors[start_control if start is None else end_control] = message.format(ordinal=ordinal)
            return None
        if start >= end:
            errors[end_control] = _(
                "This window ends ({end}) before it starts ({start}): pick an end after the start."
            ).format(end=f"{end:%H:%M}", start=f"{start:%H:%M}")
            return None
        return TimeWindow(start=start, end=end)


def _clock(text: str | None, control: Control, errors: dict[Control, str]) -> time | None:
    value = (text or "").strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        errors[control] = _("“{value}” is not a time of day: pick one such as 09:00.").format(
            value=value[:40]
        )
        return None
    return time(int(match[1]), int(match[2]))
