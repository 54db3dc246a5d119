"""The weekly calling schedule: which hours of which weekdays the AI agent may call.

One value type serves the form, the plain-words language, the result card and the API payload, so a
schedule means the same thing everywhere it appears.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from itertools import groupby
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from bot.i18n import N_, _


class Weekday(StrEnum):
    """Days as Starleads names them, declared Monday → Sunday (the order used everywhere)."""

    MONDAY = "Monday"
    TUESDAY = "Tuesday"
    WEDNESDAY = "Wednesday"
    THURSDAY = "Thursday"
    FRIDAY = "Friday"
    SATURDAY = "Saturday"
    SUNDAY = "Sunday"

    @property
    def index(self) -> int:
        return list(Weekday).index(self)

    @property
    def short(self) -> str:
        """`Mon`, `lun.`: the reader's abbreviation, which the schedule language reads back."""
        return _(_SHORT_NAMES[self])

    @property
    def full(self) -> str:
        """`Monday`, `lundi`: the name in the reader's language."""
        return _(_FULL_NAMES[self])


WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)[:5]
_SHORT_NAMES = {
    # Translators: a weekday as rendered schedules abbreviate it (Mon–Fri 09:00–12:00); the schedule
    # language must read it back.
    Weekday.MONDAY: N_("Mon"),
    Weekday.TUESDAY: N_("Tue"),
    Weekday.WEDNESDAY: N_("Wed"),
    Weekday.THURSDAY: N_("Thu"),
    Weekday.FRIDAY: N_("Fri"),
    Weekday.SATURDAY: N_("Sat"),
    Weekday.SUNDAY: N_("Sun"),
}
_FULL_NAMES = {
    Weekday.MONDAY: N_("Monday"),
    Weekday.TUESDAY: N_("Tuesday"),
    Weekday.WEDNESDAY: N_("Wednesday"),
    Weekday.THURSDAY: N_("Thursday"),
    Weekday.FRIDAY: N_("Friday"),
    Weekday.SATURDAY: N_("Saturday"),
    Weekday.SUNDAY: N_("Sunday"),
}


class TimeWindow(BaseModel):
    """A calling window on one day, wall-clock time in the campaign's timezone."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> TimeWindow:
        if self.start >= self.end:
            raise ValueError(f"the window {_clock(self.start)}–{_clock(self.end)} ends before it starts")
        return self

    def render(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"

    def without(self, removed: TimeWindow) -> tuple[TimeWindow, ...]:
        """What is left of this window once `removed` is taken out: none, one or two windows."""
        if removed.end <= self.start or self.end <= removed.start:
            return (self,)
        left = (TimeWindow(start=self.start, end=removed.start),) if self.start < removed.start else ()
        right = (TimeWindow(start=removed.end, end=self.end),) if removed.end < self.end else ()
        return left + right

    def to_api(self) -> dict[str, str]:
        return {"startTime": self.start.strftime("%H:%M:%S"), "endTime": self.end.strftime("%H:%M:%S")}


class WeeklySchedule(BaseModel):
    """Windows per weekday; days without windows are simply absent.

    Construction normalises: windows are sorted and overlapping or touching ones merged, so two
    schedules that call at the same hours compare equal.
    """

    model_config = ConfigDict(frozen=True)

    days: dict[Weekday, tuple[TimeWindow, ...]]

    @model_validator(mode="after")
    def _normalise(self) -> WeeklySchedule:
        normalised = {day: _merge(self.days[day]) for day in Weekday if self.days.get(day)}
        object.__setattr__(self, "days", normalised)
        if not normalised:
            raise ValueError("the schedule has no calling window on any day")
        return self

    @classmethod
    def same_every_day(
        cls, days: list[Weekday] | tuple[Weekday, ...], windows: list[TimeWindow]
    ) -> WeeklySchedule:
        return cls(days={day: tuple(windows) for day in days})

    @classmethod
    def from_api(cls, items: list[dict[str, Any]]) -> WeeklySchedule:
        days: dict[Weekday, list[TimeWindow]] = {}
        for item in items:
            windows = days.setdefault(Weekday(item["day"]), [])
            windows.extend(TimeWindow(start=r["startTime"], end=r["endTime"]) for r in item["timeRanges"])
        return cls(days={day: tuple(w) for day, w in days.items()})

    def to_api(self) -> list[dict[str, Any]]:
        """The `schedule` list of `POST /Campaign`: days Monday → Sunday, ranges sorted."""
        return [
            {"day": day.value, "timeRanges": [w.to_api() for w in windows]}
            for day, windows in self.days.items()
        ]

    def render(self) -> str:
        """Readable form in the reader's language, e.g. `Mon–Fri 09:00–12:00, 14:00–17:00; Sat 10:00–13:00`
        or `lun.–ven. 09:00–12:00, 14:00–17:00 ; sam. 10:00–13:00`, which the language reads back.

        Consecutive days with the same windows collapse into a range.
        """
        groups: list[str] = []
        ordered = list(self.days.items())
        runs: list[list[tuple[Weekday, tuple[TimeWindow, ...]]]] = []
        for day, windows in ordered:
            last = runs[-1][-1] if runs else None
            if last and last[1] == windows and last[0].index + 1 == day.index:
                runs[-1].append((day, windows))
            else:
                runs.append([(day, windows)])
        # Runs sharing the same windows are listed together: "Mon, Wed, Fri 10:00–12:00".
        for windows, same in groupby(runs, key=lambda run: run[0][1]):
            labels = [_day_run_label([d for d, _ in run]) for run in same]
            groups.append(f"{', '.join(labels)} {', '.join(w.render() for w in windows)}")
        # Translators: between two groups of days and hours in a rendered schedule.
        return _("; ").join(groups)


def without_times(
    windows: tuple[TimeWindow, ...], removed: list[TimeWindow] | tuple[TimeWindow, ...]
) -> tuple[TimeWindow, ...]:
    """`windows` with every time of `removed` taken out (`except Wednesday morning`)."""
    for taken in removed:
        windows = tuple(left for window in windows for left in window.without(taken))
    return windows


def _day_run_label(days: list[Weekday]) -> str:
    if len(days) == 1:
        return days[0].short
    if len(days) == 2:
        return f"{days[0].short}, {days[1].short}"
    return f"{days[0].short}–{days[-1].short}"


def _merge(windows: tuple[TimeWindow, ...]) -> tuple[TimeWindow, ...]:
    merged: list[TimeWindow] = []
    for window in sorted(windows, key=lambda w: (w.start, w.end)):
        if merged and window.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = TimeWindow(start=last.start, end=max(last.end, window.end))
        else:
            merged.append(window)
    return tuple(merged)


def _clock(value: time) -> str:
    """`09:00`; early hours get `am` (`03:00am`), since plain words read a bare 1–7 as afternoon."""
    return value.strftime("%H:%M") + ("am" if 1 <= value.hour <= 7 else "")


DEFAULT_WINDOWS: tuple[TimeWindow, ...] = (
    TimeWindow(start=time(9), end=time(12)),
    TimeWindow(start=time(14), end=time(17)),
)
DEFAULT_SCHEDULE = WeeklySchedule.same_every_day(WEEKDAYS, list(DEFAULT_WINDOWS))
