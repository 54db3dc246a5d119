"""Weekly calling schedules: the model, its rendering, and (later) the plain-words language."""

from bot.schedule.model import (
    DEFAULT_SCHEDULE,
    DEFAULT_WINDOWS,
    WEEKDAYS,
    TimeWindow,
    Weekday,
    WeeklySchedule,
)

__all__ = ["DEFAULT_SCHEDULE", "DEFAULT_WINDOWS", "WEEKDAYS", "TimeWindow", "Weekday", "WeeklySchedule"]
