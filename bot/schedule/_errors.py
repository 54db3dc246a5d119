"""The one error of the schedule language and every message it carries, all worded here.

Messages are read by sales-ops people in Slack, so each one quotes the words that went wrong and says
what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

EXAMPLE = '"Mon-Fri 9-12 and 14-17"'
MAX_QUOTED_WORDS = 5
_LONGEST_QUOTE = 40


class ScheduleError(ValueError):
    """A schedule written in plain words that cannot be read; str(error) tells the user what to fix."""


def quote(words: str) -> str:
    """The user's words in quotes, cut short if a paste is long."""
    words = words.strip()
    if len(words) > _LONGEST_QUOTE:
        words = f"{words[: _LONGEST_QUOTE - 1]}…"
    return f'"{words}"'


def not_understood(words: Iterable[str], *, here: bool = False) -> ScheduleError:
    """The words are not part of the language (or not where they stand)."""
    unique = list(dict.fromkeys(words))
    listed = ", ".join(quote(word) for word in unique[:MAX_QUOTED_WORDS])
    more = " …" if len(unique) > MAX_QUOTED_WORDS else ""
    where = " here" if here else ""
    return ScheduleError(f"I don't understand {listed}{more}{where}. Write days and hours like {EXAMPLE}.")


def one_off_date(words: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} is a one-off date: a schedule repeats every week. "
        'Name weekdays instead, like "Mon-Fri".'
    )


def unclear(words: str, readings: list[tuple[str, str]]) -> ScheduleError:
    """The words could mean two schedules: show each way to write them that makes a schedule (the phrase,
    and what it calls)."""
    ways = ", or ".join(f'"{phrase}" to call {meaning}' for phrase, meaning in readings)
    if len(readings) > 1:
        return ScheduleError(f"{quote(words)} can be read two ways, so I won't guess. Write {ways}.")
    if readings:
        return ScheduleError(f"{quote(words)} is unclear, so I won't guess. Write {ways}.")
    return ScheduleError(f"{quote(words)} is unclear: give each group of days its hours, like {EXAMPLE}.")


def leaves_no_day(words: str) -> ScheduleError:
    return ScheduleError(f"{quote(words)} leaves no day to call on: name the days to call instead.")


def not_among_the_days(words: str, day: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} leaves out {day}, which is not one of the days it goes with: name those days "
        'first, like "every day except Sunday", and give other days their own group after a ";".'
    )


def removes_nothing(words: str, day: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} takes nothing away on {day}, which has no calling time then. "
        'To add hours instead, start a new group after a ";".'
    )


def nothing_to_schedule(text: str) -> ScheduleError:
    if not text.strip():
        return ScheduleError(f"The schedule is empty: write days and hours like {EXAMPLE}.")
    return ScheduleError(f"I found no days or hours in {quote(text)}. Write them like {EXAMPLE}.")


def too_long(length: int, limit: int) -> ScheduleError:
    return ScheduleError(
        f"That text is {length} characters long; a schedule fits in {limit}, like {EXAMPLE}."
    )


def day_word_alone(words: str) -> ScheduleError:
    return ScheduleError(
        f'{quote(words)} alone doesn\'t say which days: write "every day", "weekdays" or name the days, '
        'like "Mon-Fri".'
    )


def single_time(words: str) -> ScheduleError:
    return ScheduleError(
        f'{quote(words)} is a single time, not a window: give a start and an end, like "9-12".'
    )


def too_many_unusual_times(words: str) -> ScheduleError:
    return ScheduleError(f"Too many unusual times such as {quote(words)}: write times like 9:30 or 14h.")


def offset_needs_an_hour(words: str) -> ScheduleError:
    return ScheduleError(f'{quote(words)} must be followed by an hour, like "quarter past ten".')


def except_needs_days(words: str) -> ScheduleError:
    return ScheduleError(
        f'{quote(words)} must be followed by the days to leave out, like "except Wednesday".'
    )


class RangeProblem(Enum):
    """What a range of days or times lacks; the value is how the message says it."""

    NO_START = "has no start"
    NO_END = "has no end"
    DAYS = "needs a day at each end"
    TIMES = "needs a time at each end"


def incomplete_range(words: str, problem: RangeProblem) -> ScheduleError:
    return ScheduleError(f'{quote(words)} {problem.value}: write ranges like "Mon-Fri" or "9-12".')


def impossible_time(words: str) -> ScheduleError:
    return ScheduleError(f"{quote(words)} is not a time: hours go from 0 to 23 and minutes from 00 to 59.")


def day_ends_at_23_59(words: str) -> ScheduleError:
    return ScheduleError(f"{quote(words)} is not a time: the day ends at 23:59, end there instead.")


def meridiem_on_a_24_hour(words: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} is not a time: am/pm only goes with hours 1 to 12 (write 14:00 or 2pm)."
    )


def ends_the_day(words: str) -> ScheduleError:
    return ScheduleError(f"{quote(words)} ends the day: end at 23:59 instead.")


def ends_before_it_starts(words: str, reading: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} reads as {reading}, which ends before it starts: "
        "a window starts and ends on the same day, at 23:59 at the latest."
    )


def has_seconds(words: str) -> ScheduleError:
    return ScheduleError(f"{quote(words)} has seconds: calls are scheduled to the minute, like 9:30.")
