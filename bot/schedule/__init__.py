"""Weekly calling schedules: the model, its rendering, and the plain-words language."""

from bot.schedule.language import MAX_TEXT_LENGTH, ScheduleError, parse_schedule, warm_up
from bot.schedule.model import (
    DEFAULT_SCHEDULE,
    DEFAULT_WINDOWS,
    WEEKDAYS,
    TimeWindow,
    Weekday,
    WeeklySchedule,
)

__all__ = [
    "DEFAULT_SCHEDULE",
    "DEFAULT_WINDOWS",
    "MAX_TEXT_LENGTH",
    "WEEKDAYS",
    "ScheduleError",
    "TimeWindow",
    "Weekday",
    "WeeklySchedule",
    "parse_schedule",
    "warm_up",
]
