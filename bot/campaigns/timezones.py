"""The timezones offered in the form: the ones French prospecting teams actually call into.

Slack menus hold 100 options; the full IANA list has ~600, so the form offers this curated list and
validation still accepts any real IANA zone (remembered or typed in a later version).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIMEZONE = "Europe/Paris"

CURATED_TIMEZONES: dict[str, tuple[str, ...]] = {
    "France & overseas": (
        "Europe/Paris",
        "America/Guadeloupe",
        "America/Martinique",
        "America/Cayenne",
        "Indian/Reunion",
        "Indian/Mayotte",
        "Pacific/Noumea",
        "Pacific/Tahiti",
    ),
    "Europe": (
        "Europe/London",
        "Europe/Dublin",
        "Europe/Lisbon",
        "Europe/Brussels",
        "Europe/Luxembourg",
        "Europe/Zurich",
        "Europe/Berlin",
        "Europe/Madrid",
        "Europe/Rome",
        "Europe/Amsterdam",
        "Europe/Warsaw",
        "Europe/Athens",
        "Europe/Bucharest",
        "Europe/Helsinki",
        "Europe/Istanbul",
    ),
    "Africa & Middle East": (
        "Africa/Casablanca",
        "Africa/Algiers",
        "Africa/Tunis",
        "Africa/Dakar",
        "Africa/Abidjan",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Asia/Dubai",
    ),
    "Americas": (
        "America/Montreal",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Mexico_City",
        "America/Sao_Paulo",
    ),
    "Asia & Pacific": (
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Shanghai",
        "Asia/Tokyo",
        "Australia/Sydney",
    ),
    "Other": ("UTC",),
}


def is_known_timezone(name: str) -> bool:
    """True for a real IANA zone name (`Europe/Paris`), as Starleads expects."""
    if name not in _iana_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def utc_offset_label(name: str, at: datetime | None = None) -> str:
    """`UTC+01:00` today, so the menu shows what the zone means right now (DST included)."""
    moment = (at or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(name))
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"
