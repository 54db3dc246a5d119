"""Clock times of the schedule language: reading one time, and reading the hours of a window (rule 6).

Plain clock forms are read here directly; dateparser only sees the rare digit forms this fast path does
not know, through one parser fixed to English and French absolute times, so it never guesses a language,
never reads "9h" as "9 hours ago" and never costs seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

from bot.schedule._errors import (
    day_ends_at_23_59,
    ends_before_it_starts,
    ends_the_day,
    has_seconds,
    impossible_time,
    meridiem_on_a_24_hour,
    not_understood,
    one_off_date,
)
from bot.schedule.model import TimeWindow

Meridiem = Literal["am", "pm"]

_MINUTES_PER_HOUR = 60
_EN_DASH = "\u2013"
"""As in rendered schedules: 09:00\u201312:00."""
_EARLY_HOURS = range(1, 8)
"""Hours read as afternoon when no am/pm says otherwise: nobody schedules sales calls at 3 a.m."""
_MERIDIEM_HOURS = range(1, 13)

_PLAIN_CLOCK = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})(?::([0-9]{2}))?")
"""9:30, 09.30, 09:30:00 — the forms people type and the API itself uses."""

_BASE_DAY = datetime(2000, 1, 3)


@cache
def _date_parser() -> DateDataParser:
    """The one dateparser object, built on first use (normally by `warm_up`, at start-up).

    Absolute times only (never "9 hours ago"), in the two languages of the schedule language (never a
    guess among all of dateparser's), against a fixed base day: a time alone lands on that day,
    anything else is a date. Imported here, not at module level, so importing the bot stays fast.
    """
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en", "fr"],
        try_previous_locales=False,
        use_given_order=True,
        settings={
            "PARSERS": ["absolute-time"],
            "RELATIVE_BASE": _BASE_DAY,
            "PREFER_DATES_FROM": "current_period",
            "RETURN_TIME_AS_PERIOD": True,
            "TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "DATE_ORDER": "DMY",
        },
    )


_WARM_UP_TEXTS = ("9:5", "99/99/99")
"""A time read in English, then a text both languages fail on, so both are loaded before requests come."""


@dataclass(frozen=True, slots=True)
class ClockReading:
    """A time as written, before rule 6 decides between morning and afternoon.

    `fixed` marks words such as "noon" that name one moment and never borrow an am/pm.
    """

    hour: int
    minute: int
    meridiem: Meridiem | None
    words: str
    fixed: bool = False


def clock_reading(
    hour: int, minute: int, meridiem: Meridiem | None, words: str, *, fixed: bool = False
) -> ClockReading:
    """Check that the hour and minutes exist before any reading rule is applied to them."""
    if hour == 24 and minute == 0:
        raise day_ends_at_23_59(words)
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        raise impossible_time(words)
    if meridiem and hour not in _MERIDIEM_HOURS:
        raise meridiem_on_a_24_hour(words)
    return ClockReading(hour, minute, meridiem, words, fixed)


def plain_clock(chunk: str, words: str) -> tuple[int, int] | None:
    """Hour and minute of `9:30`, `9.30` or `09:30:00`; None for any other shape."""
    match = _PLAIN_CLOCK.fullmatch(chunk)
    if match is None:
        return None
    hour, minute, seconds = match.groups()
    _reject_seconds(bool(seconds and int(seconds)), words)
    return int(hour), int(minute)


def shifted(hour: int, minutes: int) -> tuple[int, int]:
    """Hour and minute `minutes` after (or before) `hour` o'clock: half past nine, quarter to twelve.

    These are 12-hour clock words (rule 4): "quarter to one" is 12:45, never 00:45.
    """
    shifted_hour, minute = divmod(hour * _MINUTES_PER_HOUR + minutes, _MINUTES_PER_HOUR)
    if shifted_hour == 0 and hour in _MERIDIEM_HOURS:
        return 12, minute
    return shifted_hour, minute


def dateparser_clock(chunk: str, words: str) -> tuple[int, int]:
    """Hour and minute of a digit form the fast path does not know, such as `9:5` or `09:30:00.000`.

    Dates (`12/03`) are rejected: a schedule repeats every week.
    """
    found, has_time = _dateparser_reading(chunk)
    if found is None:
        raise not_understood([words])
    if found.date() != _BASE_DAY.date() or not has_time:
        raise one_off_date(words)
    _reject_seconds(bool(found.second or found.microsecond), words)
    return found.hour, found.minute


def window_between(start: ClockReading, end: ClockReading, words: str) -> TimeWindow:
    """The window from `start` to `end`, each hour read by rule 6, rejected if it is not a window."""
    start_minutes, end_minutes = _read_pair(start, end)
    if end_minutes == 0:
        raise ends_the_day(end.words)
    if start_minutes >= end_minutes:
        reading = f"{_clock_text(start_minutes)}{_EN_DASH}{_clock_text(end_minutes)}"
        raise ends_before_it_starts(words, reading)
    return TimeWindow(start=_time(start_minutes), end=_time(end_minutes))


def warm_up_dateparser() -> None:
    """Load dateparser's languages and timezone tables now rather than during a user's request."""
    for text in _WARM_UP_TEXTS:
        _date_parser().get_date_data(text)


@lru_cache(maxsize=1024)
def _dateparser_reading(chunk: str) -> tuple[datetime | None, bool]:
    data = _date_parser().get_date_data(chunk)
    return data.date_obj, data.period == "time"


def _reject_seconds(seconds_given: bool, words: str) -> None:
    if seconds_given:
        raise has_seconds(words)


def _read_pair(start: ClockReading, end: ClockReading) -> tuple[int, int]:
    """Rule 6 on both ends of a range, as minutes since midnight."""
    shared = _one_sided_meridiem(start, end)
    if shared:
        start_minutes, end_minutes = _minutes(start, shared), _minutes(end, shared)
        if start_minutes < end_minutes:
            return start_minutes, end_minutes
    start_minutes, end_minutes = _minutes(start), _minutes(end)
    if start_minutes >= end_minutes and _is_bare_early(start):
        start_minutes = start.hour * _MINUTES_PER_HOUR + start.minute
    return start_minutes, end_minutes


def _one_sided_meridiem(start: ClockReading, end: ClockReading) -> Meridiem | None:
    if (start.meridiem is None) == (end.meridiem is None):
        return None
    return start.meridiem or end.meridiem


def _minutes(reading: ClockReading, borrowed: Meridiem | None = None) -> int:
    can_borrow = not reading.fixed and reading.hour in _MERIDIEM_HOURS
    meridiem = reading.meridiem or (borrowed if can_borrow else None)
    if meridiem:
        hour = reading.hour % 12 + (12 if meridiem == "pm" else 0)
    elif _is_bare_early(reading):
        hour = reading.hour + 12
    else:
        hour = reading.hour
    return hour * _MINUTES_PER_HOUR + reading.minute


def _is_bare_early(reading: ClockReading) -> bool:
    return reading.meridiem is None and not reading.fixed and reading.hour in _EARLY_HOURS


def _time(minutes: int) -> time:
    return time(*divmod(minutes, _MINUTES_PER_HOUR))


def _clock_text(minutes: int) -> str:
    return _time(minutes).strftime("%H:%M")
