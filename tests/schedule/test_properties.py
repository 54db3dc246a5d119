"""Properties of the schedule language over generated texts and schedules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import time
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.i18n import speaking
from bot.schedule import (
    DEFAULT_WINDOWS,
    ScheduleError,
    TimeWindow,
    Weekday,
    WeeklySchedule,
    parse_schedule,
    warm_up,
)

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


_ENGLISH_DAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


@settings(max_examples=300)
@given(_SCHEDULES)
def test_a_schedule_rendered_in_french_reads_back_unchanged(schedule: WeeklySchedule) -> None:
    with speaking("fr"):
        rendered = schedule.render()
    assert not _ENGLISH_DAY.search(rendered), rendered
    assert parse_schedule(rendered) == schedule


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


# Silent misreads: a schedule and its other spellings must read the same (or all be refused).

_MON, _TUE, _WED, _THU, _FRI, _SAT, _SUN = Weekday
_DAY_TEXTS: dict[str, tuple[Weekday, ...]] = {
    "Mon": (_MON,),
    "Tuesdays": (_TUE,),
    "mercredi": (_WED,),
    "Mon-Fri": (_MON, _TUE, _WED, _THU, _FRI),
    "du lundi au jeudi": (_MON, _TUE, _WED, _THU),
    "weekdays": (_MON, _TUE, _WED, _THU, _FRI),
    "en semaine": (_MON, _TUE, _WED, _THU, _FRI),
    "jours ouvrés": (_MON, _TUE, _WED, _THU, _FRI),
    "Sat and Sun": (_SAT, _SUN),
    "le week-end": (_SAT, _SUN),
    "lundi, mercredi et vendredi": (_MON, _WED, _FRI),
    "Tue/Thu": (_TUE, _THU),
    "Fri-Mon": (_FRI, _SAT, _SUN, _MON),
    "every day": tuple(Weekday),
    "tous les jours": tuple(Weekday),
}
_DAY_NAMES = {
    **{day: day.value for day in Weekday},
    **dict(
        zip(Weekday, ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"], strict=True)
    ),
}
_HOUR_WORDS = ["twelve", "one", "two", "three", "four", "five", "six"]
_HOUR_WORDS += ["seven", "eight", "nine", "ten", "eleven"]
_QUARTERS_IN_DAY = 24 * 4
_QUARTER_WINDOWS = (
    st.integers(0, _QUARTERS_IN_DAY - 2)
    .flatmap(lambda start: st.tuples(st.just(start), st.integers(start + 1, _QUARTERS_IN_DAY - 1)))
    .map(lambda quarters: (quarters[0] * 15, quarters[1] * 15))
)
_PARTS_OF_DAY = {
    "morning": TimeWindow(start=time(9), end=time(12)),
    "matin": TimeWindow(start=time(9), end=time(12)),
    "afternoon": TimeWindow(start=time(14), end=time(17)),
    "après-midi": TimeWindow(start=time(14), end=time(17)),
    "evening": TimeWindow(start=time(17), end=time(20)),
    "soir": TimeWindow(start=time(17), end=time(20)),
}


def _in_words(minutes: int) -> str:
    """Rule 4's 12-hour clock words, with am/pm: "quarter to one pm" is 12:45."""
    hour, minute = divmod(minutes, 60)
    half = "am" if hour < 12 else "pm"
    if minute == 45:
        return f"quarter to {_HOUR_WORDS[(hour + 1) % 12]} {half}"
    prefix = {0: "", 15: "quarter past ", 30: "half past "}[minute]
    return f"{prefix}{_HOUR_WORDS[hour % 12]} {half}"


def _on_12_hours(minutes: int) -> str:
    hour, minute = divmod(minutes, 60)
    return f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"


def _in_french(minutes: int) -> str:
    """9h, 14h30; hours 1-7 would be read as afternoon (rule 6), so they keep the rendered form."""
    hour, minute = divmod(minutes, 60)
    if 1 <= hour <= 7:
        return _rendered(minutes)
    return f"{hour}h{minute:02d}" if minute else f"{hour}h"


def _rendered(minutes: int) -> str:
    return TimeWindow(start=_clock(minutes), end=_clock(minutes + 1)).render().split("\u2013")[0]


_NOTATIONS = (_rendered, _on_12_hours, _in_french, _in_words)


_RANGE_SIGNS = ("-", " - ", " to ", " \u2013 ", " until ")
_JOINERS = (", ", " and ", " et ", " & ", ",", " , ")
_WINDOW_LISTS = st.lists(_QUARTER_WINDOWS, min_size=1, max_size=3)
Written = tuple[list[tuple[int, int]], str]
"""Windows, and a text that writes them."""


@st.composite
def _written_windows(draw: st.DrawFn) -> Written:
    """Windows in drawn notations (the same at both ends of one window, so no am/pm is borrowed), range
    signs and joiners."""
    windows = draw(_WINDOW_LISTS)
    texts = []
    for start, end in windows:
        notation = draw(st.sampled_from(_NOTATIONS))
        texts.append(f"{notation(start)}{draw(st.sampled_from(_RANGE_SIGNS))}{notation(end)}")
    return windows, texts[0] + "".join(draw(st.sampled_from(_JOINERS)) + text for text in texts[1:])


Retyping = tuple[Callable[[str], str], str, bool]
_RETYPINGS = st.tuples(
    st.sampled_from([str.lower, str.upper, str.title, str.swapcase, str]),
    st.sampled_from([" ", "  ", " \t "]),
    st.booleans(),
)
_AS_TYPED: Retyping = (str, " ", False)


def _retyped(text: str, retyping: Retyping) -> str:
    """The same text as others type it: another case, more spaces, no accents."""
    case, space, plain = retyping
    text = case(text).replace(" ", space)
    if plain:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def _canonical_windows(windows: list[tuple[int, int]]) -> str:
    return ", ".join(f"{_rendered(start)}-{_rendered(end)}" for start, end in windows)


def _assert_same_reading(text: str, expected: WeeklySchedule) -> None:
    outcome = _outcome(text)
    assert outcome == expected, f"{text!r}: {outcome} instead of {expected.render()}"


_LAYOUTS = (
    "{days} {windows}",
    "{days}, {windows}",
    "{windows} on {days}",
    "{windows} le {days}",
    "{windows} les {days}",
    "{windows} {days}",
    "{windows}, {days}",
)


@settings(max_examples=200)
@example("Fri", ([(12 * 60 + 45, 14 * 60)], "quarter to one pm to two pm"), _AS_TYPED)
@given(st.sampled_from(list(_DAY_TEXTS)), _written_windows(), _RETYPINGS)
def test_windows_read_the_same_in_any_notation_and_joined_any_way(
    days: str, written: Written, retyping: Retyping
) -> None:
    windows, text = written
    expected = parse_schedule(f"{days} {_canonical_windows(windows)}")
    _assert_same_reading(_retyped(f"{days} {text}", retyping), expected)


@settings(max_examples=200)
@example("Mon", ([(14 * 60, 17 * 60)], "2pm-5pm"), "{windows}, {days}", _AS_TYPED)
@given(st.sampled_from(list(_DAY_TEXTS)), _written_windows(), st.sampled_from(_LAYOUTS), _RETYPINGS)
def test_windows_read_the_same_before_or_after_their_days(
    days: str, written: Written, layout: str, retyping: Retyping
) -> None:
    """`Tuesdays 2-5pm`, `Tuesdays, 2-5pm`, `2-5pm on Tuesdays`, `2-5pm Tuesdays`, `2-5pm, Tuesdays`."""
    windows, text = written
    expected = WeeklySchedule.same_every_day(
        _DAY_TEXTS[days], [TimeWindow(start=_clock(start), end=_clock(end)) for start, end in windows]
    )
    _assert_same_reading(_retyped(layout.format(days=days, windows=text), retyping), expected)


def _minutes(windows: tuple[TimeWindow, ...]) -> set[int]:
    """The minutes of the day the windows cover: an oracle for rule 3 that shares no code with the parser."""
    return {
        minute for window in windows for minute in range(_minute_of(window.start), _minute_of(window.end))
    }


def _minute_of(clock: time) -> int:
    return clock.hour * 60 + clock.minute


_REMOVED_TIMES = st.one_of(
    st.sampled_from(list(_PARTS_OF_DAY)),
    _QUARTER_WINDOWS.map(lambda window: f"{_rendered(window[0])}-{_rendered(window[1])}"),
)


@settings(max_examples=200)
@given(
    st.sampled_from(list(_DAY_TEXTS)),
    _WINDOW_LISTS,
    st.sampled_from(list(_DAY_NAMES.items())),
    _REMOVED_TIMES,
)
def test_except_after_the_windows_takes_time_only_from_the_days_it_names(
    days: str, windows: list[tuple[int, int]], removed_day: tuple[Weekday, str], removed: str
) -> None:
    """Rule 3: `weekdays 9-5 except Wednesday morning` changes Wednesday, and only its morning, or is
    refused when that takes nothing away (or leaves nothing)."""
    day, day_name = removed_day
    group = f"{days} {_canonical_windows(windows)}"
    whole = parse_schedule(group)
    outcome = _outcome(f"{group} except {day_name} {removed}")
    removed_window = _PARTS_OF_DAY.get(removed) or parse_schedule(f"Mon {removed}").days[_MON][0]
    before = _minutes(whole.days.get(day, ()))
    kept = before - _minutes((removed_window,))
    if isinstance(outcome, ScheduleError):
        assert kept == before or (not kept and len(whole.days) == 1), str(outcome)
        return
    others = {d: w for d, w in whole.days.items() if d != day}
    assert {d: w for d, w in outcome.days.items() if d != day} == others
    assert _minutes(outcome.days.get(day, ())) == kept


@settings(max_examples=100)
@given(
    st.sampled_from(list(_DAY_TEXTS)),
    st.sampled_from(list(_DAY_NAMES.items())),
    st.sampled_from(list(_PARTS_OF_DAY)),
    st.sampled_from(["except", "but not", "sauf", "sauf le"]),
)
def test_except_then_a_part_of_day_without_windows_before_is_never_read_quietly(
    days: str, removed_day: tuple[Weekday, str], part: str, except_word: str
) -> None:
    """Rule 3: refused, showing a phrasing for each reading that makes a schedule: the part of day on
    the other days, or the default hours less that part of day on those days."""
    day, day_name = removed_day
    outcome = _outcome(f"{days} {except_word} {day_name} {part}")
    assert isinstance(outcome, ScheduleError)
    named = _DAY_TEXTS[days]
    window = _PARTS_OF_DAY[part]
    readings = []
    if day in named and set(named) != {day}:
        readings.append(WeeklySchedule.same_every_day([d for d in named if d != day], [window]))
    if day in named or window not in DEFAULT_WINDOWS:
        less_on_day = tuple(w for w in DEFAULT_WINDOWS if w != window)
        readings.append(WeeklySchedule(days={d: less_on_day if d == day else DEFAULT_WINDOWS for d in named}))
    if not readings:
        assert "is unclear" in str(outcome)
        return
    _words_at_fault, *phrases = re.findall(r'"([^"]+)"', str(outcome))
    assert [parse_schedule(phrase) for phrase in phrases] == readings
