"""The timezones offered in the form: the ones French prospecting teams actually call into.

Slack menus hold 100 options; the full IANA list has ~600, so the form offers this curated list and
validation still accepts any real IANA zone (remembered or typed in a later version).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.i18n import N_, Language, _, current_language

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
    """The curated zones by region as (zone, label) pairs, both in the reader's language (see
    `timezone_label`), offsets as of `at`.

    Offsets change only with DST, so the labels are computed once an hour per language, not for every form.
    """
    choices = _choices_at(offsets_hour(at), current_language())
    return {_(region): zones for region, zones in choices.items()}


def offsets_hour(at: datetime | None = None) -> datetime:
    """The hour `at` (now by default) falls in: the offsets shown in the menu are those of that hour,
    so whatever is built from them can be kept for the hour too."""
    return (at or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)


def timezone_label(name: str, at: datetime | None = None) -> str:
    """How the menu shows a zone: `Europe/Paris (UTC+01:00)` in English; in French the place as CLDR
    names it, `Paris (UTC+01:00)`, `Londres (UTC+00:00)`, `Temps universel coordonné (UTC+00:00)`."""
    return _label(name, current_language(), at)


def utc_offset_label(name: str, at: datetime | None = None) -> str:
    """`UTC+01:00` at `at` (now by default), so a menu shows what the zone means today, DST included."""
    offset = (at or datetime.now(UTC)).astimezone(ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def _label(name: str, language: Language, at: datetime | None) -> str:
    return f"{_place(name, language)} ({utc_offset_label(name, at)})"


# Zones whose CLDR name would be another place's: America/Montreal is an alias of Toronto there.
_PLACES = {
    # Translators: a city in the form's timezone menu.
    "America/Montreal": N_("Montreal"),
}


@lru_cache(maxsize=1024)
def _place(name: str, language: Language) -> str:
    """The zone's place in `language`: its IANA name in English (what Starleads and the README show);
    otherwise the exemplar city of Babel's CLDR data, or the name of UTC itself."""
    if language == "en":
        return name
    if name in _PLACES:
        return _(_PLACES[name])
    # Imported here: an English-only process never loads Babel's locale data.
    from babel import Locale
    from babel.dates import get_timezone_location

    if name in ("UTC", "Etc/UTC"):
        universal = Locale.parse(language).time_zones["Etc/UTC"]["long"]["standard"]
        return universal[:1].upper() + universal[1:]
    try:
        return get_timezone_location(name, locale=language, return_city=True)
    except LookupError:
        return name


@lru_cache(maxsize=4)
def _choices_at(hour: datetime, language: Language) -> dict[str, list[tuple[str, str]]]:
    return {
        region: [(zone, _label(zone, language, hour)) for zone in zones]
        for region, zones in CURATED_TIMEZONES.items()
    }
