"""The bot's languages: English and French, one per request, from gettext catalogs.

English text is the message id, so English needs no catalog and reads exactly as written. French comes
from `locales/fr/LC_MESSAGES/messages.po`, compiled when the process first speaks French (Babel's
`read_po` then `write_mo`, into memory): the `.po` is the only copy in the repository and in the wheel,
so a compiled file can never lag behind it, no build step is needed, and an English-only process never
reads a catalog at all.

The language being spoken lives in a `ContextVar`, so each request (each asyncio task) has its own;
code outside any `speaking()` block speaks the default language (`set_default_language`).

French typography in the catalog: « guillemets » with a no-break space (U+00A0) inside them, and a
no-break space before « : ; ? ! ». tests/i18n checks every entry against that rule.
"""

from __future__ import annotations

import gettext as _gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast, get_args

if TYPE_CHECKING:
    from babel import Locale


__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALES_DIR",
    "N_",
    "Language",
    "_",
    "current_language",
    "default_language",
    "ngettext",
    "number",
    "pgettext",
    "set_default_language",
    "speak",
    "speaking",
    "spoken_in_slack_locale",
    "stored_language",
]

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE_LANGUAGE: Language = "en"

_default: Language = SOURCE_LANGUAGE
_current: ContextVar[Language | None] = ContextVar("language", default=None)


def set_default_language(language: Language) -> None:
    """The language of everything said outside `speaking()`: the wiring sets it from DEFAULT_LANGUAGE."""
    global _default
    _default = _checked(language)


def default_language() -> Language:
    return _default


def current_language() -> Language:
    return _current.get() or _default


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Everything said inside the block is in `language` (in this task only)."""
    token = _current.set(_checked(language))
    try:
        yield
    finally:
        _current.reset(token)


def speak(language: Language) -> None:
    """Everything said from now on in this task (and the tasks it starts) is in `language`: for a Bolt
    middleware, which runs before its listener in the request's task and cannot wrap it."""
    _current.set(_checked(language))


def stored_language(stored: str | None) -> Language:
    """A language kept in the database: as kept, or the default for rows from before languages (and for
    a language this version no longer speaks)."""
    return next((language for language in LANGUAGES if language == stored), _default)


def spoken_in_slack_locale(locale: str | None) -> Language | None:
    """The bot's language of a Slack locale (regional variants included), or None when it speaks none
    of it: then a workspace's own default may apply."""
    base = (locale or "").replace("_", "-").split("-")[0].lower()
    return next((language for language in LANGUAGES if language == base), None)


def N_(message: str) -> str:
    """Marks `message` for the catalog (pybabel extract knows this name) where it is written, in a table,
    to be translated by `_()` where it is said."""
    return message


def _(message: str) -> str:
    """`message` (English, the message id) in the current language."""
    return _translations(current_language()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, where the same English words need other translations
    elsewhere (a window's "first" is « première » in French)."""
    return _translations(current_language()).pgettext(context, message)


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    """The one place for plurals: the form the current language uses for `count` (French says
    « 0 résultat », English "0 results"), with `{count}` filled in as the language writes numbers
    and the other fields from `values`."""
    form = _translations(current_language()).ngettext(singular, plural, count)
    return form.format(count=number(count), **values)


def number(value: float) -> str:
    """A number as the current language writes it: 1.5 in English, 1,5 in French. Without grouping
    (3000, not 3,000), as the bot always wrote its numbers in English."""
    # Imported here: Babel and its locale data load on first use, not with the bot.
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(current_language()), group_separator=False)


@cache
def _locale(language: Language) -> Locale:
    from babel import Locale

    return Locale.parse(language)


def _translations(language: Language) -> _gettext_module.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return _SOURCE
    return _compiled(language)


@cache
def _compiled(language: Language) -> _gettext_module.GNUTranslations:
    """The language's catalog, compiled in memory once per process (compiling twice in a race is
    harmless); fuzzy entries are left out, so they read as English until someone checks them."""
    # Imported here: only a process that speaks French compiles a catalog.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext_module.GNUTranslations(compiled)


def _checked(language: str) -> Language:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: the bot speaks {', '.join(LANGUAGES)}")
    return cast(Language, language)


_SOURCE = _gettext_module.NullTranslations()
