"""The catalogs: complete, up to date with the code, and written with French typography.

The template is compared with what Babel's own extractor finds in the code (with the project's
babel.cfg), so a new `_()` string without a catalog entry fails here, not in front of a French user.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE
from tests.french import NBSP

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
_UPDATE = "run the extract and update commands of the README's Development section"


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _keys(messages: list[Message] | Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    return {(message.context, message.id) for message in messages if message.id}


def _in_the_code() -> set[tuple[str | None, str | tuple[str, ...]]]:
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    return {
        (context, message)
        for _path, _line, message, _comments, context in extract_from_dir(
            str(ROOT / "bot"), method_map, options_map
        )
    }


def _translations(language: str) -> list[Message]:
    return [
        message for message in _catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po") if message.id
    ]


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def _fields(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conversion in Formatter().parse(text) if field is not None}


def test_the_template_holds_every_message_of_the_code() -> None:
    template = _keys(_catalog(LOCALES_DIR / "messages.pot"))
    in_the_code = _in_the_code()
    assert in_the_code - template == set(), f"messages missing from messages.pot: {_UPDATE}"
    assert template - in_the_code == set(), f"messages.pot holds messages the code no longer says: {_UPDATE}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalog_follows_the_template(language: str) -> None:
    template = _keys(_catalog(LOCALES_DIR / "messages.pot"))
    assert _keys(_translations(language)) == template, _UPDATE


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_checked(language: str) -> None:
    """No empty translation, no plural form left out, and nothing fuzzy (a guess that must be checked,
    which the bot would otherwise show in English)."""
    untranslated = [message.id for message in _translations(language) if not all(_forms(message.string))]
    fuzzy = [message.id for message in _translations(language) if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_fill_in_the_same_fields(language: str) -> None:
    """`{words}` in English is `{words}` in the translation: a field lost or misspelt would lose the
    user's words or fail when the message is said."""
    for message in _translations(language):
        for form in _forms(message.string):
            assert _fields(form) == _fields(_forms(message.id)[-1]), (message.id, form)


def test_french_typography() -> None:
    """« Guillemets » with no-break spaces inside, a no-break space before : ; ? ! used as punctuation,
    typographic apostrophes, and no English quotation marks."""
    for message in _translations("fr"):
        for form in _forms(message.string):
            assert not re.search(r'["“”]', form), form
            assert "'" not in form, form
            assert not re.search(rf"«(?!{NBSP})|(?<!{NBSP})»", form), form
            assert not re.search(rf"(?<!{NBSP})[:;?!](?=\s|$)", form), form
