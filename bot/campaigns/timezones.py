"""The timezones offered in the form: the ones French prospecting teams actually call into.

Slack menus hold 100 options; the full IANA list has ~600, so the form offers this curated list and
validation still accepts any real IANA zone (remembered or typed in a later version).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.i18n import N_, _

DEFAULT_TIMEZONE = "Europe/Paris"

CURATED_TIMEZONES: dict[str, tuple[str, ...]] = {
    # Translators: a group of timezones in the form's menu.
    N_("France & overseas"): (
        "Europe/Paris",
        "America/Guadeloupe",
        "America/Martinique",
        "America/Cayenne",
        "Indian/Reunion",
        "Indian/Mayotte",
        "Pacific/Noumea",
        "Pacific/Tahiti",
    ),
    N_("Europe"): (
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
    N_("Africa & Middle East"): (
        "Africa/Casablanca",
        "Africa/Algiers",
        "Africa/Tunis",
        "Africa/Dakar",
        "Africa/Abidjan",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Asia/Dubai",
    ),
    N_("Americas"): (
        "America/Montreal",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Mexico_City",
        "America/Sao_Paulo",
    ),
    N_("Asia & Pacific"): (
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Shanghai",
        "Asia/Tokyo",
        "Australia/Sydney",
    ),
    N_("Other"): ("UTC",),
}

CURATED_ZONE_NAMES = frozenset(zone for zones in CURATED_TIMEZONES.values() for zone in zones)


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


def timezone_choices(at: datetime | None = None) -> dict[str, list[tuple[str, str]]]:
    """The curated zones by region (named in the reader's language) as (zone, "Europe/Paris (UTC+01:00)")
    pairs, offsets as of `at`.

    Offsets change only with DST, so the labels are computed once an hour, not for every form.
    """
    return {_(region): zones for region, zones in _choices_at(offsets_hour(at)).items()}


def offsets_hour(at: datetime | None = None) -> datetime:
    """The hour `at` (now by default) falls in: the offsets shown in the menu are those of that hour,
    so whatever is built from them can be kept for the hour too."""
    return (at or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)


def utc_offset_label(name: str, at: datetime | None = None) -> str:
    """`UTC+01:00` at `at` (now by default), so a menu shows what the zone means today, DST included."""
    offset = (at or datetime.now(UTC)).astimezone(ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


@lru_cache(maxsize=2)
def _choices_at(hour: datetime) -> dict[str, list[tuple[str, str]]]:
    return {
        region: [(zone, f"{zone} ({utc_offset_label(zone, hour)})") for zone in zones]
        for region, zones in CURATED_TIMEZONES.items()
    }
