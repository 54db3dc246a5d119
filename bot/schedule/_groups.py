"""Groups of the schedule language (rules 3, 8 and 9): which windows go with which days.

The grammar (`language`) hands over days, windows and `except` clauses as it reads them; here they are
gathered into groups, each group's defaults and exceptions applied, and the groups added up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.schedule._errors import leaves_no_day, not_among_the_days, nothing_to_schedule, removes_nothing
from bot.schedule._lexicon import Kind
from bot.schedule.model import (
    DEFAULT_WINDOWS,
    WEEKDAYS,
    TimeWindow,
    Weekday,
    WeeklySchedule,
    without_times,
)


@dataclass(frozen=True)
class CarveOut:
    """Time that `except` takes away from some days of a group (rule 3): weekdays 9-5 except Wed morning."""

    days: tuple[Weekday, ...]
    windows: list[TimeWindow]
    words: str


@dataclass(eq=False)
class Group:
    """A set of days with its windows (rule 8); days and windows left out take the defaults (rule 9).

    `first` and `last` are the indices of its first and last tokens, so a message can quote the group.
    """

    first: int = -1
    last: int = -1
    days: set[Weekday] | None = None
    windows: list[TimeWindow] = field(default_factory=list)
    window_spans: list[tuple[int, int]] = field(default_factory=list)
    excluded: set[Weekday] = field(default_factory=set)
    carve_outs: list[CarveOut] = field(default_factory=list)
    except_words: str = ""
    days_after_windows: bool = False
    lender: Group | None = None
    """The group of windows without days right before it (`2-5pm, Mondays`): its windows, if this
    group has none of its own."""
    linked_to: Group | None = None
    """The group of days and windows that `on` / `le` joins it to (`Mon 9-12 on Tue`)."""
    trails: Group | None = None
    """The group of windows then days right before its windows (`9-12 on Mon, 14-17`)."""

    def is_empty(self) -> bool:
        return self.days is None and not self.windows and not self.excluded and not self.carve_outs

    def borrows(self) -> bool:
        return self.lender is not None and not self.windows

    def has_windows(self) -> bool:
        return bool(self.windows) or self.borrows()

    def calling_windows(self) -> dict[Weekday, tuple[TimeWindow, ...]]:
        """Windows per calling day: its own (or the lender's, or the defaults) less what except took."""
        named = self.days if self.days is not None else set(WEEKDAYS)
        windows = tuple(self.windows or (self.lender.windows if self.lender else DEFAULT_WINDOWS))
        for day in self.excluded - named:
            raise not_among_the_days(self.except_words, day)
        by_day = dict.fromkeys(named - self.excluded, windows)
        for carve_out in self.carve_outs:
            for day in carve_out.days:
                before = by_day.get(day, ())
                by_day[day] = without_times(before, carve_out.windows)
                if by_day[day] == before:
                    raise removes_nothing(carve_out.words, day)
        calling = {day: windows for day, windows in by_day.items() if windows}
        if not calling:
            raise leaves_no_day(self.except_words)
        return calling


class Groups:
    """Collects days and windows into groups as they come, deciding where a new group starts."""

    def __init__(self) -> None:
        self.groups = [Group()]
        self._separators: list[Kind] = []

    @property
    def current(self) -> Group:
        return self.groups[-1]

    def add_days(self, days: tuple[Weekday, ...], first: int, last: int, *, linked: bool) -> None:
        """Days join the group, unless they follow its windows: then they are the days of windows that
        had none, when they come right after them (`2-5pm on Tuesdays`), or start a new group, which
        remembers the windows-only group it may take its windows from (`2-5pm, Mondays`), or the group
        whose windows `on` may have meant for it (`Mon 9-12 on Tue`)."""
        group = self.current
        if not group.windows or group.days_after_windows:
            group.days = (group.days or set()) | set(days)
        elif group.days is None and not self._separators:
            group.days = set(days)
            group.days_after_windows = True
        else:
            lender = group if group.days is None and self._separators == [Kind.SEPARATOR] else None
            joined = linked and not self._separators and group.last == group.window_spans[-1][1]
            group = Group(days=set(days), lender=lender, linked_to=group if joined else None)
            self.groups.append(group)
        self._took(group, first, last)

    def add_window(self, window: TimeWindow, first: int, last: int) -> None:
        """A window joins the group, unless the group was closed by days written after its windows."""
        group = self.current
        if group.days_after_windows:
            group = Group(trails=group)
            self.groups.append(group)
        group.windows.append(window)
        group.window_spans.append((first, last))
        self._took(group, first, last)

    def exclude(self, days: list[Weekday], words: str, first: int, last: int) -> None:
        """`except` + days: these days leave the group, whether named before or after."""
        self.current.excluded.update(days)
        self.current.except_words = words
        self._took(self.current, first, last)

    def carve_out(
        self, days: list[Weekday], windows: list[TimeWindow], words: str, first: int, last: int
    ) -> None:
        """`except` + days + times, in a group with windows: only those times leave those days."""
        self.current.carve_outs.append(CarveOut(tuple(days), windows, words))
        self.current.except_words = words
        self._took(self.current, first, last)

    def separate(self, kind: Kind) -> None:
        self._separators.append(kind)

    def close_group(self) -> None:
        if not self.current.is_empty():
            self.groups.append(Group())
        self._separators = [Kind.GROUP_SEPARATOR]

    def schedule(self, text: str) -> WeeklySchedule:
        groups = [group for group in self.groups if not group.is_empty()]
        lenders = {group.lender for group in groups if group.borrows()}
        windows_by_day: dict[Weekday, list[TimeWindow]] = {}
        for group in groups:
            if group in lenders:
                continue
            for day, windows in group.calling_windows().items():
                windows_by_day.setdefault(day, []).extend(windows)
        if not windows_by_day:
            raise nothing_to_schedule(text)
        return WeeklySchedule(days={day: tuple(windows) for day, windows in windows_by_day.items()})

    def _took(self, group: Group, first: int, last: int) -> None:
        if group.first < 0:
            group.first = first
        group.last = last
        self._separators = []
