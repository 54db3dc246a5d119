"""The one error of the schedule language and every message it carries, all worded here.

Messages are read by sales-ops people in Slack, so each one quotes the words that went wrong and says
what to write instead, in the reader's language (worded when the error is raised).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, auto

from bot.i18n import _, ngettext, number
from bot.schedule.model import Weekday

MAX_QUOTED_WORDS = 5
_LONGEST_QUOTE = 40


class ScheduleError(ValueError):
    """A schedule written in plain words that cannot be read; str(error) tells the user what to fix."""


def quote(words: str) -> str:
    """The user's words in quotes, cut short if a paste is long."""
    words = words.strip()
    if len(words) > _LONGEST_QUOTE:
        words = f"{words[: _LONGEST_QUOTE - 1]}…"
    return _quoted(words)


def _quoted(words: str) -> str:
    # Translators: the user's own words, quoted in a message.
    return _('"{words}"').format(words=words)


def _example() -> str:
    # Translators: an example schedule, in the schedule language (which reads English and French).
    return quote(_("Mon-Fri 9-12 and 14-17"))


def not_understood(words: Iterable[str], *, here: bool = False) -> ScheduleError:
    """The words are not part of the language (or not where they stand)."""
    unique = list(dict.fromkeys(words))
    listed = ", ".join(quote(word) for word in unique[:MAX_QUOTED_WORDS])
    listed += " …" if len(unique) > MAX_QUOTED_WORDS else ""
    if here:
        message = _("I don't understand {words} here. Write days and hours like {example}.")
    else:
        message = _("I don't understand {words}. Write days and hours like {example}.")
    return ScheduleError(message.format(words=listed, example=_example()))


def one_off_date(words: str) -> ScheduleError:
    return ScheduleError(
        _(
            '{words} is a one-off date: a schedule repeats every week. Name weekdays instead, like "Mon-Fri".'
        ).format(words=quote(words))
    )


def unclear(words: str, readings: list[tuple[str, str]]) -> ScheduleError:
    """The words could mean two schedules: show each way to write them that makes a schedule (the phrase,
    and what it calls); there are two at most."""
    ways = [
        _('"{phrase}" to call {meaning}').format(phrase=phrase, meaning=meaning)
        for phrase, meaning in readings
    ]
    if len(ways) > 1:
        first, second = ways
        message = _("{words} can be read two ways, so I won't guess. Write {first}, or {second}.")
        return ScheduleError(message.format(words=quote(words), first=first, second=second))
    if ways:
        message = _("{words} is unclear, so I won't guess. Write {way}.")
        return ScheduleError(message.format(words=quote(words), way=ways[0]))
    message = _("{words} is unclear: give each group of days its hours, like {example}.")
    return ScheduleError(message.format(words=quote(words), example=_example()))


def leaves_no_day(words: str) -> ScheduleError:
    message = _("{words} leaves no day to call on: name the days to call instead.")
    return ScheduleError(message.format(words=quote(words)))


def not_among_the_days(words: str, day: Weekday) -> ScheduleError:
    message = _(
        "{words} leaves out {day}, which is not one of the days it goes with: name those days "
        'first, like "every day except Sunday", and give other days their own group after a ";".'
    )
    return ScheduleError(message.format(words=quote(words), day=day.full))


def removes_nothing(words: str, day: Weekday) -> ScheduleError:
    message = _(
        "{words} takes nothing away on {day}, which has no calling time then. "
        'To add hours instead, start a new group after a ";".'
    )
    return ScheduleError(message.format(words=quote(words), day=day.full))


def nothing_to_schedule(text: str) -> ScheduleError:
    if not text.strip():
        message = _("The schedule is empty: write days and hours like {example}.")
        return ScheduleError(message.format(example=_example()))
    message = _("I found no days or hours in {text}. Write them like {example}.")
    return ScheduleError(message.format(text=quote(text), example=_example()))


def too_long(length: int, limit: int) -> ScheduleError:
    return ScheduleError(
        ngettext(
            "That text is {count} character long; a schedule fits in {limit}, like {example}.",
            "That text is {count} characters long; a schedule fits in {limit}, like {example}.",
            length,
            limit=number(limit),
            example=_example(),
        )
    )


def day_word_alone(words: str) -> ScheduleError:
    message = _(
        '{words} alone doesn\'t say which days: write "every day", "weekdays" or name the days, '
        'like "Mon-Fri".'
    )
    return ScheduleError(message.format(words=quote(words)))


def single_time(words: str) -> ScheduleError:
    message = _('{words} is a single time, not a window: give a start and an end, like "9-12".')
    return ScheduleError(message.format(words=quote(words)))


def too_many_unusual_times(words: str) -> ScheduleError:
    message = _("Too many unusual times such as {words}: write times like 9:30 or 14h.")
    return ScheduleError(message.format(words=quote(words)))


def offset_needs_an_hour(words: str) -> ScheduleError:
    message = _('{words} must be followed by an hour, like "quarter past ten".')
    return ScheduleError(message.format(words=quote(words)))


def except_needs_days(words: str) -> ScheduleError:
    message = _('{words} must be followed by the days to leave out, like "except Wednesday".')
    return ScheduleError(message.format(words=quote(words)))


class RangeProblem(Enum):
    """What a range of days or times lacks."""

    NO_START = auto()
    NO_END = auto()
    DAYS = auto()
    TIMES = auto()


def incomplete_range(words: str, problem: RangeProblem) -> ScheduleError:
    match problem:
        case RangeProblem.NO_START:
            message = _('{words} has no start: write ranges like "Mon-Fri" or "9-12".')
        case RangeProblem.NO_END:
            message = _('{words} has no end: write ranges like "Mon-Fri" or "9-12".')
        case RangeProblem.DAYS:
            message = _('{words} needs a day at each end: write ranges like "Mon-Fri" or "9-12".')
        case RangeProblem.TIMES:
            message = _('{words} needs a time at each end: write ranges like "Mon-Fri" or "9-12".')
    return ScheduleError(message.format(words=quote(words)))


def impossible_time(words: str) -> ScheduleError:
    message = _("{words} is not a time: hours go from 0 to 23 and minutes from 00 to 59.")
    return ScheduleError(message.format(words=quote(words)))


def day_ends_at_23_59(words: str) -> ScheduleError:
    message = _("{words} is not a time: the day ends at 23:59, end there instead.")
    return ScheduleError(message.format(words=quote(words)))


def meridiem_on_a_24_hour(words: str) -> ScheduleError:
    message = _("{words} is not a time: am/pm only goes with hours 1 to 12 (write 14:00 or 2pm).")
    return ScheduleError(message.format(words=quote(words)))


def ends_the_day(words: str) -> ScheduleError:
    message = _("{words} ends the day: end at 23:59 instead.")
    return ScheduleError(message.format(words=quote(words)))


def ends_before_it_starts(words: str, reading: str) -> ScheduleError:
    message = _(
        "{words} reads as {reading}, which ends before it starts: "
        "a window starts and ends on the same day, at 23:59 at the latest."
    )
    return ScheduleError(message.format(words=quote(words), reading=reading))


def has_seconds(words: str) -> ScheduleError:
    message = _("{words} has seconds: calls are scheduled to the minute, like 9:30.")
    return ScheduleError(message.format(words=quote(words)))
