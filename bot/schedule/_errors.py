"""The one error of the schedule language and the messages it carries.

Messages are read by sales-ops people in Slack, so each one quotes the words that went wrong and says
what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def removes_nothing(words: str, day: str) -> ScheduleError:
    return ScheduleError(
        f"{quote(words)} takes nothing away on {day}, which has no calling time then. "
        'To add hours instead, start a new group after a ";".'
    )
