"""Which language the bot speaks, and how it writes numbers and plurals in it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.i18n import (
    Language,
    current_language,
    default_language,
    number,
    set_default_language,
    speaking,
    spoken_in_slack_locale,
)
from bot.schedule import DEFAULT_SCHEDULE, ScheduleError, parse_schedule

FRENCH_DEFAULT = "lun.–ven. 09:00–12:00, 14:00–17:00"
ENGLISH_DEFAULT = "Mon–Fri 09:00–12:00, 14:00–17:00"


@pytest.fixture
def default_in_french() -> Iterator[None]:
    before = default_language()
    set_default_language("fr")
    try:
        yield
    finally:
        set_default_language(before)


@pytest.mark.parametrize("locale", ["fr-FR", "fr-CA", "fr", "fr-BE", "FR-fr", "fr_CH"])
def test_every_french_slack_locale_gets_french(locale: str) -> None:
    assert spoken_in_slack_locale(locale) == "fr"


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en"])
def test_english_slack_locales_get_english_whatever_the_default(locale: str, default_in_french: None) -> None:
    assert spoken_in_slack_locale(locale) == "en"


@pytest.mark.parametrize("locale", ["de-DE", "es-ES", "ja-JP", "", None, "frisian"])
def test_other_slack_locales_are_not_spoken_whatever_the_default(
    locale: str | None, default_in_french: None
) -> None:
    # Not spoken: the workspace's default, else DEFAULT_LANGUAGE, applies (tests/test_user_language.py).
    assert spoken_in_slack_locale(locale) is None


def test_english_unless_told_otherwise() -> None:
    assert current_language() == "en"
    assert DEFAULT_SCHEDULE.render() == ENGLISH_DEFAULT


def test_the_default_language_speaks_outside_any_request(default_in_french: None) -> None:
    assert DEFAULT_SCHEDULE.render() == FRENCH_DEFAULT
    with speaking("en"):
        assert DEFAULT_SCHEDULE.render() == ENGLISH_DEFAULT


def test_speaking_nests_and_restores_the_language_before() -> None:
    with speaking("fr"):
        with speaking("en"):
            assert DEFAULT_SCHEDULE.render() == ENGLISH_DEFAULT
        assert DEFAULT_SCHEDULE.render() == FRENCH_DEFAULT
    assert DEFAULT_SCHEDULE.render() == ENGLISH_DEFAULT


def test_speaking_is_restored_when_the_block_fails() -> None:
    with pytest.raises(ScheduleError), speaking("fr"):
        parse_schedule("demain")
    assert current_language() == "en"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"), speaking("de"):  # type: ignore[arg-type]
        pass
    with pytest.raises(ValueError, match="unknown language"):
        set_default_language("de")  # type: ignore[arg-type]


def test_concurrent_requests_each_speak_their_own_language() -> None:
    """Two requests interleaved on one event loop: each renders in its own language throughout."""

    async def request(language: Language, mine: asyncio.Event, theirs: asyncio.Event) -> list[str]:
        with speaking(language):
            first = DEFAULT_SCHEDULE.render()
            mine.set()
            await theirs.wait()
            return [first, DEFAULT_SCHEDULE.render()]

    async def both() -> list[list[str]]:
        french_ready, english_ready = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(
            request("fr", french_ready, english_ready), request("en", english_ready, french_ready)
        )

    assert asyncio.run(both()) == [[FRENCH_DEFAULT] * 2, [ENGLISH_DEFAULT] * 2]


@pytest.mark.parametrize(
    ("language", "value", "written"),
    [
        ("en", 1.5, "1.5"),
        ("fr", 1.5, "1,5"),
        ("en", 3000, "3000"),
        ("fr", 3000, "3000"),
        ("fr", 0.25, "0,25"),
    ],
)
def test_numbers_are_written_as_the_reader_writes_them(
    language: Language, value: float, written: str
) -> None:
    with speaking(language):
        assert number(value) == written


def test_plurals_follow_the_language() -> None:
    """French puts « de » between a million and its noun (CLDR's "many" form); English never does."""
    with speaking("fr"):
        assert "fait 3001 caractères" in _too_long_message(3001)
        assert "fait 1000000 de caractères" in _too_long_message(1_000_000)
    assert "is 1000000 characters long" in _too_long_message(1_000_000)


def _too_long_message(length: int) -> str:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("x" * length)
    return str(caught.value)


def test_an_english_process_never_loads_babel_or_a_catalog() -> None:
    """French costs its catalog's compilation once, in the first process that speaks it; English, the
    default, costs nothing at start-up or in a request."""
    english_only = (
        "import sys\n"
        "from bot.schedule import DEFAULT_SCHEDULE, ScheduleError, parse_schedule\n"
        "DEFAULT_SCHEDULE.render()\n"
        "try:\n"
        "    parse_schedule('banana')\n"
        "except ScheduleError:\n"
        "    pass\n"
        "print(sorted(name for name in sys.modules if name.startswith('babel')))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", english_only], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
