"""Properties of the schedule language over generated texts and schedules."""

from __future__ import annotations

import re
from datetime import time
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import ScheduleError, TimeWindow, Weekday, WeeklySchedule, parse_schedule, warm_up

_API_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
_MINUTES_IN_DAY = 24 * 60

_PIECES = [
    "Mon",
    "mon.",
    "Tues",
    "lundi",
    "Mercredis",
    "Fri",
    "dim",
    "weekdays",
    "week-end",
    "daily",
    "tous les jours",
    "jours ouvrés",
    "en semaine",
    "every",
    "day",
    "jours",
    "except",
    "but not",
    "sauf",
    "9",
    "12",
    "0",
    "7",
    "14",
    "23:59",
    "9h30",
    "9 h 30",
    "14:00",
    "9.30",
    "09:30:00",
    "2pm",
    "a.m.",
    "p.m.",
    "noon",
    "midi",
    "midnight",
    "minuit",
    "nine",
    "twelve",
    "half past",
    "quarter to",
    "o'clock",
    "morning",
    "après-midi",
    "soirée",
    "-",
    "-",
    "—",
    ",",
    ";",
    "/",
    "&",
    ":",
    ".",
    "and",
    "et",
    "to",
    "à",
    "au",
    "du",
    "de",
    "jusqu'à",
    "between",
    "entre",
    "on",
    "le",
    "les",
    "l'",
    "12/03",
    "9:5",
    "25:00",
    "9:75",
    "14pm",
    "24h",
    "tomorrow",
    "next",
    "week",
    "mars",
    "banana",
    "É",
    "ß",
    "💥",
    "٣",
    "\u0301",
    "\n",
    "'",
    "x" * 40,
]
_PIECE_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=14)
_ANY_TEXT = st.one_of(
    st.text(max_size=80),
    _PIECE_TEXTS.map(" ".join),
    _PIECE_TEXTS.map("".join),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=4)), max_size=12).map(" ".join),
)


@pytest.fixture(scope="module", autouse=True)
def _dateparser_loaded() -> None:
    warm_up()


def _clock(minutes: int) -> time:
    return time(*divmod(minutes, 60))


_WINDOWS = st.integers(0, _MINUTES_IN_DAY - 2).flatmap(
    lambda start: st.tuples(st.just(start), st.integers(start + 1, _MINUTES_IN_DAY - 1))
)
_SCHEDULES = st.dictionaries(
    st.sampled_from(list(Weekday)), st.lists(_WINDOWS, min_size=1, max_size=3), min_size=1
).map(
    lambda days: WeeklySchedule(
        days={
            day: tuple(TimeWindow(start=_clock(s), end=_clock(e)) for s, e in windows)
            for day, windows in days.items()
        }
    )
)


def _outcome(text: str) -> WeeklySchedule | ScheduleError:
    try:
        return parse_schedule(text)
    except ScheduleError as error:
        return error


def _assert_follows_api_rules(api: list[dict[str, Any]]) -> None:
    days = [item["day"] for item in api]
    assert days, "at least one day"
    assert days == sorted(set(days), key=lambda day: Weekday(day).index)
    for item in api:
        ranges = item["timeRanges"]
        assert ranges, "at least one window per day"
        for window in ranges:
            assert _API_TIME.fullmatch(window["startTime"])
            assert _API_TIME.fullmatch(window["endTime"])
            assert window["startTime"] < window["endTime"]
        for earlier, later in pairwise(ranges):
            assert earlier["endTime"] < later["startTime"], "sorted, apart, and not touching"


@settings(max_examples=600)
@given(_ANY_TEXT)
def test_any_text_gives_a_valid_schedule_or_a_schedule_error(text: str) -> None:
    outcome = _outcome(text)
    if isinstance(outcome, ScheduleError):
        assert str(outcome)
    else:
        _assert_follows_api_rules(outcome.to_api())


@settings(max_examples=300)
@given(_SCHEDULES)
def test_a_rendered_schedule_reads_back_unchanged(schedule: WeeklySchedule) -> None:
    assert parse_schedule(schedule.render()) == schedule


@given(st.integers(8, 22), st.integers(9, 23), st.sampled_from(list(Weekday)))
def test_hours_from_8_to_23_are_taken_as_written(start: int, end: int, day: Weekday) -> None:
    text = f"{day.value} {start}-{end}"
    if start < end:
        window = TimeWindow(start=time(start), end=time(end))
        assert parse_schedule(text) == WeeklySchedule(days={day: (window,)})
    else:
        with pytest.raises(ScheduleError, match="ends before it starts"):
            parse_schedule(text)


@given(st.integers(1, 12), st.sampled_from(["am", "pm"]), st.integers(1, 12), st.sampled_from(["am", "pm"]))
def test_am_and_pm_on_both_ends_are_obeyed(start: int, start_half: str, end: int, end_half: str) -> None:
    start_hour = start % 12 + (12 if start_half == "pm" else 0)
    end_hour = end % 12 + (12 if end_half == "pm" else 0)
    text = f"Mon {start}{start_half}-{end}{end_half}"
    if end_hour == 0:
        with pytest.raises(ScheduleError, match="ends the day"):
            parse_schedule(text)
    elif start_hour >= end_hour:
        with pytest.raises(ScheduleError, match="ends before it starts"):
            parse_schedule(text)
    else:
        window = TimeWindow(start=time(start_hour), end=time(end_hour))
        assert parse_schedule(text) == WeeklySchedule(days={Weekday.MONDAY: (window,)})
