"""The plain-words calling-schedule language, in English and French.

`parse_schedule("Mon-Fri 9-12 and 14-17")` reads what a sales-ops user types in Slack into a
`WeeklySchedule`, following the rules of the team's schedule README: a tokenizer (`_lexicon`), clock
readings (`_clock`), groups of days and windows (`_groups`), messages (`_errors`) and, here, the small
grammar of days, windows and `except`.
"""

from __future__ import annotations

from contextlib import suppress
from typing import cast

from bot.schedule._clock import (
    ClockReading,
    Meridiem,
    clock_reading,
    dateparser_clock,
    plain_clock,
    shifted,
    warm_up_dateparser,
    window_between,
)
from bot.schedule._errors import (
    MAX_QUOTED_WORDS,
    RangeProblem,
    ScheduleError,
    day_word_alone,
    except_needs_days,
    impossible_time,
    incomplete_range,
    not_understood,
    offset_needs_an_hour,
    one_off_date,
    single_time,
    too_long,
    too_many_unusual_times,
    unclear,
)
from bot.schedule._groups import Group, Groups
from bot.schedule._lexicon import WHOLE_WEEK, Kind, Source, Token, tokenize
from bot.schedule.model import DEFAULT_WINDOWS, TimeWindow, Weekday, WeeklySchedule, without_times

__all__ = ["MAX_TEXT_LENGTH", "ScheduleError", "parse_schedule", "warm_up"]

MAX_TEXT_LENGTH = 3_000
_MAX_DATEPARSER_LOOKUPS = 4
"""Unusual digit forms read by dateparser in one text: each costs about a millisecond."""
_WARM_UP_TEXT = "lun-ven 9h-12h, 14h-17h; Sat 10:00-13:00"

_DAY_STARTS = frozenset({Kind.DAY, Kind.DAY_SET})
_TIME_STARTS = frozenset({Kind.NUMBER, Kind.CHUNK, Kind.HOUR_WORD, Kind.NAMED_TIME, Kind.OFFSET})
_WINDOW_STARTS = _TIME_STARTS | {Kind.PART_OF_DAY}
_SOFT_SEPARATORS = frozenset({Kind.AND, Kind.SEPARATOR})
_LINK_WORDS = frozenset({"on", "le", "les"})
"""Small words that give the windows before them to the days after them (rule 8): 2-5pm on Tuesdays."""
_DEFAULT_WINDOWS_TEXT = ", ".join(window.render() for window in DEFAULT_WINDOWS)


def parse_schedule(text: str) -> WeeklySchedule:
    """Read a weekly calling schedule written in plain English or French words.

    Raises ScheduleError, whose message quotes the words at fault, for anything that is not a weekly
    schedule, so the bot can show it to the user as it is.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise too_long(len(text), MAX_TEXT_LENGTH)
    source = Source.of(text)
    return _Parser(source, _meaningful_tokens(source)).parse()


def warm_up() -> None:
    """Load dateparser's tables and exercise the parser once, at start-up rather than in a request."""
    warm_up_dateparser()
    parse_schedule(_WARM_UP_TEXT)


def _meaningful_tokens(source: Source) -> list[Token]:
    """The tokens that carry meaning, or ScheduleError naming the unknown words.

    Small words are dropped; "every" / "tous les" make "day" mean the whole week and "week" mean nothing,
    and become part of the days they quantify, so a message quoting those days quotes "tous les jours".
    Reading stops once the message has all the unknown words it can show.
    """
    kept: list[Token] = []
    unknown: dict[str, None] = {}
    quantifier_start: int | None = None
    for token in tokenize(source.normalised):
        if token.kind is Kind.UNKNOWN:
            unknown[source.words(token, token)] = None
            if len(unknown) > MAX_QUOTED_WORDS:
                break
        elif token.kind is Kind.SMALL:
            continue
        elif token.kind is Kind.QUANTIFIER:
            quantifier_start = token.start
            continue
        elif token.kind is Kind.GENERIC_DAY and quantifier_start is not None:
            kept.append(token._replace(kind=Kind.DAY_SET, value=WHOLE_WEEK, start=quantifier_start))
        elif token.kind is Kind.GENERIC_WEEK:
            if quantifier_start is None:
                kept.append(token._replace(kind=Kind.ONE_OFF))
        elif token.kind in _DAY_STARTS and quantifier_start is not None:
            kept.append(token._replace(start=quantifier_start))
        else:
            kept.append(token)
        quantifier_start = None
    if unknown:
        raise not_understood(unknown)
    return kept


class _Parser:
    """Recursive descent over the meaningful tokens: items are days, windows, `except` and separators."""

    def __init__(self, source: Source, tokens: list[Token]) -> None:
        self._source = source
        self._tokens = tokens
        self._position = 0
        self._groups = Groups()
        self._dateparser_lookups = 0

    def parse(self) -> WeeklySchedule:
        while self._position < len(self._tokens):
            self._item()
        self._refuse_windows_between_days()
        return self._groups.schedule(self._source.original)

    def _item(self) -> None:
        token = self._tokens[self._position]
        first = self._position
        if self._starts_days():
            days = self._days()
            self._groups.add_days(days, first, self._position - 1, linked=self._linked(first))
        elif self._starts_window():
            window = self._window()
            self._groups.add_window(window, first, self._position - 1)
        elif token.kind is Kind.EXCEPT:
            self._except()
        elif token.kind in _SOFT_SEPARATORS:
            self._position += 1
            self._groups.separate(token.kind)
        elif token.kind is Kind.SMALL_TO:
            self._position += 1
        elif token.kind is Kind.GROUP_SEPARATOR:
            self._position += 1
            self._groups.close_group()
        elif token.kind is Kind.ONE_OFF:
            raise one_off_date(self._one_off_words(token))
        elif token.kind is Kind.GENERIC_DAY:
            raise day_word_alone(self._words(token, token))
        elif token.kind is Kind.TO:
            self._position += 1  # the message quotes the end the range was meant to reach, too
            if self._kind_at(0) in _TIME_STARTS:
                self._time()
            elif self._kind_at(0) in _DAY_STARTS:
                self._position += 1
            raise self._incomplete_range(token, RangeProblem.NO_START)
        else:
            raise not_understood([self._words(token, token)], here=True)

    def _starts_days(self, offset: int = 0) -> bool:
        kind = self._kind_at(offset)
        return kind in _DAY_STARTS or (kind is Kind.BETWEEN and self._kind_at(offset + 1) is Kind.DAY)

    def _starts_window(self, offset: int = 0) -> bool:
        kind = self._kind_at(offset)
        return kind in _WINDOW_STARTS or (kind is Kind.BETWEEN and not self._starts_days(offset))

    def _linked(self, index: int) -> bool:
        """Whether `on`, `le` or `les` stands right before the token at `index` (`9-12 on Tuesdays`)."""
        if index == 0:
            return False
        gap = self._source.normalised[self._tokens[index - 1].end : self._tokens[index].start]
        return not _LINK_WORDS.isdisjoint(gap.split())

    def _days(self) -> tuple[Weekday, ...]:
        first = self._next()
        if first.kind is Kind.BETWEEN:
            start = self._range_day(first)
            self._expect(Kind.AND, first)
            return _day_span(start, self._range_day(first))
        joiner = self._kind_at(0)
        if first.kind is Kind.DAY and (
            joiner is Kind.TO or (joiner is Kind.SMALL_TO and self._kind_at(1) is Kind.DAY)
        ):
            self._position += 1
            return _day_span(_days_of(first)[0], self._range_day(first))
        return _days_of(first)

    def _range_day(self, first: Token) -> Weekday:
        if self._kind_at(0) is not Kind.DAY:
            raise self._incomplete_range(first, RangeProblem.DAYS)
        return _days_of(self._next())[0]

    def _window(self) -> TimeWindow:
        first = self._tokens[self._position]
        if first.kind is Kind.PART_OF_DAY:
            self._position += 1
            return cast(TimeWindow, first.value)
        if self._accept(Kind.BETWEEN):
            self._require_time(first, RangeProblem.TIMES)
            start = self._time()
            self._expect(Kind.AND, first)
        else:
            start = self._time()
            if self._accept(Kind.ONE_OFF):
                raise one_off_date(self._words_since(first))
            if not (self._accept(Kind.TO) or self._accept(Kind.SMALL_TO)):
                raise single_time(start.words)
        self._require_time(first, RangeProblem.NO_END)
        end = self._time()
        return window_between(start, end, self._words_since(first))

    def _require_time(self, first: Token, problem: RangeProblem) -> None:
        if self._kind_at(0) not in _TIME_STARTS:
            raise self._incomplete_range(first, problem)

    def _time(self) -> ClockReading:
        """One time, from the token at hand, which the caller has checked starts a time."""
        first = self._next()
        if first.kind is Kind.NAMED_TIME:
            return clock_reading(cast(int, first.value), 0, None, self._words(first, first), fixed=True)
        if first.kind is Kind.NUMBER:
            hour, minute = self._number_clock(first)
        elif first.kind is Kind.CHUNK:
            hour, minute = self._chunk_clock(first)
        elif first.kind is Kind.OFFSET:
            hour, minute = self._offset_clock(first)
        else:
            hour, minute = cast(int, first.value), 0
        meridiem = self._accept(Kind.MERIDIEM)
        self._accept(Kind.OCLOCK)
        return clock_reading(
            hour, minute, cast(Meridiem, meridiem.value) if meridiem else None, self._words_since(first)
        )

    def _number_clock(self, number: Token) -> tuple[int, int]:
        """9, 9h, 9h30, 9 h 30: minutes after the "h" are two digits that are not an hour themselves."""
        hour = self._hour_of(number)
        if not self._accept(Kind.HOUR_MARK):
            return hour, 0
        minutes = self._peek()
        if (
            minutes is not None
            and minutes.kind is Kind.NUMBER
            and len(cast(str, minutes.value)) == 2
            and self._kind_at(1) is not Kind.HOUR_MARK
        ):
            self._position += 1
            return hour, int(cast(str, minutes.value))
        return hour, 0

    def _chunk_clock(self, chunk: Token) -> tuple[int, int]:
        words = self._words(chunk, chunk)
        plain = plain_clock(cast(str, chunk.value), words)
        if plain is not None:
            return plain
        self._dateparser_lookups += 1
        if self._dateparser_lookups > _MAX_DATEPARSER_LOOKUPS:
            raise too_many_unusual_times(words)
        return dateparser_clock(cast(str, chunk.value), words)

    def _offset_clock(self, offset: Token) -> tuple[int, int]:
        hour_token = self._peek()
        if hour_token is None or hour_token.kind not in {Kind.HOUR_WORD, Kind.NUMBER}:
            raise offset_needs_an_hour(self._words(offset, offset))
        self._position += 1
        hour = cast(int, hour_token.value) if hour_token.kind is Kind.HOUR_WORD else self._hour_of(hour_token)
        return shifted(hour, cast(int, offset.value))

    def _hour_of(self, number: Token) -> int:
        digits = cast(str, number.value)
        if len(digits) > 2:
            raise impossible_time(self._words(number, number))
        return int(digits)

    def _except(self) -> None:
        """`except` + days leave the group (rule 3). In a group that already has its windows, a time
        right after the days takes only that time away from those days, and more days may follow
        (`weekdays 9-5 except Wed morning and Fri afternoon`); in a group without, a part of day
        there could mean either, so it is refused showing both."""
        start = self._position
        token = self._next()
        if not self._starts_days():
            raise except_needs_days(self._words(token, token))
        carving = self._groups.current.has_windows()
        while True:
            days = self._day_list()
            if not carving or not self._starts_window():
                break
            windows = self._window_list()
            self._groups.carve_out(days, windows, self._words_since(token), start, self._position - 1)
            if not (self._kind_at(0) in _SOFT_SEPARATORS and self._starts_days(1)):
                return
            self._position += 1
        if self._kind_at(0) is Kind.PART_OF_DAY:
            raise self._except_read_two_ways(start)
        self._groups.exclude(days, self._words_since(token), start, self._position - 1)

    def _day_list(self) -> list[Weekday]:
        days = list(self._days())
        while self._kind_at(0) in _SOFT_SEPARATORS and self._starts_days(1):
            self._position += 1
            days += self._days()
        return days

    def _window_list(self) -> list[TimeWindow]:
        windows = [self._window()]
        while self._kind_at(0) in _SOFT_SEPARATORS and self._starts_window(1):
            self._position += 1
            windows.append(self._window())
        return windows

    def _except_read_two_ways(self, except_index: int) -> ScheduleError:
        """`en semaine sauf mercredi après-midi`: the afternoon of the group without Wednesday, or the
        default hours without Wednesday afternoon (when that takes anything away)?"""
        group_first = self._groups.current.first
        group = self._text(group_first, except_index - 1) if 0 <= group_first < except_index else ""
        except_words = self._text(except_index, self._position - 1)
        times_first = self._position
        times = self._window_list()
        times_words = self._text(times_first, self._position - 1)
        group_times = _joined(group, times_words, except_words)
        if without_times(DEFAULT_WINDOWS, times) == DEFAULT_WINDOWS:
            default_hours = _joined(group, _DEFAULT_WINDOWS_TEXT)
        else:
            default_hours = _joined(group, _DEFAULT_WINDOWS_TEXT, except_words, times_words)
        return self._two_readings(self._text(except_index, self._position - 1), group_times, default_hours)

    def _refuse_windows_between_days(self) -> None:
        """Windows with days on both sides, which rule 8 could give to either, are refused showing both
        ways to write them: `Mon 9-12 on Tue` (unless Tuesday has windows of its own) and `9-12 on Mon,
        14-17` (unless days follow 14-17)."""
        for group in self._groups.groups:
            if group.linked_to and not group.windows:
                raise self._days_before_or_after(group.linked_to, group)
            if group.trails and group.days is None:
                raise self._days_of_the_windows_before(group.trails, group)

    def _days_before_or_after(self, before: Group, after: Group) -> ScheduleError:
        moved_first = before.window_spans[-1][0]
        kept_last = moved_first - 1
        if self._tokens[kept_last].kind in _SOFT_SEPARATORS:
            kept_last -= 1
        return self._two_readings(
            self._text(moved_first, after.last),
            f"{self._text(before.first, before.last)}; {self._text(after.first, after.last)}",
            f"{self._text(before.first, kept_last)}; {self._text(moved_first, after.last)}",
        )

    def _days_of_the_windows_before(self, before: Group, trailing: Group) -> ScheduleError:
        last_window = before.window_spans[-1][1]
        days = self._source.span(self._tokens[last_window].end, self._tokens[before.last].end).strip()
        trailing_windows = self._text(trailing.first, trailing.last)
        return self._two_readings(
            trailing_windows,
            f"{self._text(before.first, before.last)}; {trailing_windows}",
            f"{self._text(before.first, last_window)}, {trailing_windows} {days}",
        )

    def _two_readings(self, words: str, *phrases: str) -> ScheduleError:
        """Each reading is shown as the user can type it and with the hours it gives, read by the parser
        itself so the two always agree; a reading that makes no schedule (`Mon except Mon morning`
        read as mornings but not on Monday) is left out."""
        readings: list[tuple[str, str]] = []
        for phrase in phrases:
            with suppress(ScheduleError):
                readings.append((phrase, parse_schedule(phrase).render()))
        return unclear(words, readings)

    def _one_off_words(self, token: Token) -> str:
        following = self._kind_at(1)
        last = self._tokens[self._position + 1] if following in {Kind.DAY, Kind.ONE_OFF} else token
        return self._words(token, last)

    def _incomplete_range(self, first: Token, problem: RangeProblem) -> ScheduleError:
        return incomplete_range(self._words_since(first), problem)

    def _expect(self, kind: Kind, first: Token) -> None:
        if not self._accept(kind):
            raise self._incomplete_range(first, RangeProblem.NO_END)

    def _accept(self, kind: Kind) -> Token | None:
        if self._kind_at(0) is kind:
            return self._next()
        return None

    def _next(self) -> Token:
        token = self._tokens[self._position]
        self._position += 1
        return token

    def _peek(self, offset: int = 0) -> Token | None:
        index = self._position + offset
        return self._tokens[index] if index < len(self._tokens) else None

    def _kind_at(self, offset: int) -> Kind | None:
        token = self._peek(offset)
        return token.kind if token else None

    def _words(self, first: Token, last: Token) -> str:
        return self._source.words(first, last)

    def _words_since(self, first: Token) -> str:
        return self._source.words(first, self._tokens[self._position - 1])

    def _text(self, first: int, last: int) -> str:
        return self._source.words(self._tokens[first], self._tokens[last])


def _days_of(token: Token) -> tuple[Weekday, ...]:
    return cast(tuple[Weekday, ...], token.value)


def _day_span(first: Weekday, last: Weekday) -> tuple[Weekday, ...]:
    """Days from `first` to `last`, wrapping past Sunday: Fri-Mon is Fri, Sat, Sun, Mon."""
    count = (last.index - first.index) % len(WHOLE_WEEK) + 1
    return tuple(WHOLE_WEEK[(first.index + step) % len(WHOLE_WEEK)] for step in range(count))


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)
