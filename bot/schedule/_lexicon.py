"""Words and signs of the schedule language, and the tokenizer that finds them in the user's text.

Text is compared case- and accent-insensitively; each token keeps its place in the original text so
messages can quote exactly what the user wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import time
from enum import Enum, auto
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from bot.schedule.model import WEEKDAYS, TimeWindow, Weekday


class Kind(Enum):
    """What a token is to the grammar; the comment says what its `value` holds."""

    DAY = auto()  # (Weekday,)
    DAY_SET = auto()  # tuple of Weekday: weekdays, weekend, every day
    GENERIC_DAY = auto()  # "day", "jours": only meaningful after "every" / "tous les"
    GENERIC_WEEK = auto()  # "week": meaningless after "every", a one-off date otherwise
    QUANTIFIER = auto()  # every, each, tous, chaque
    SMALL = auto()  # words and signs that carry no meaning
    PART_OF_DAY = auto()  # TimeWindow
    NUMBER = auto()  # the digits
    CHUNK = auto()  # digits joined by ":", "." or "/": 9:30, 12/03
    HOUR_MARK = auto()  # the "h" of 9h30
    MERIDIEM = auto()  # "am" or "pm"
    HOUR_WORD = auto()  # int: one … twelve
    NAMED_TIME = auto()  # int hour: noon, midnight
    OFFSET = auto()  # int minutes added to the hour that follows: half past, quarter to
    OCLOCK = auto()
    TO = auto()
    SMALL_TO = auto()  # "à", "au": join a range when they stand inside one, else carry no meaning
    BETWEEN = auto()
    AND = auto()
    SEPARATOR = auto()
    GROUP_SEPARATOR = auto()
    EXCEPT = auto()
    ONE_OFF = auto()  # tomorrow, next, March…
    UNKNOWN = auto()


TokenValue = tuple[Weekday, ...] | TimeWindow | int | str | None


class Token(NamedTuple):
    """A word, sign or phrase of the language, with its place in the normalised text."""

    kind: Kind
    start: int
    end: int
    value: TokenValue = None


_MORNING = TimeWindow(start=time(9), end=time(12))
_AFTERNOON = TimeWindow(start=time(14), end=time(17))
_EVENING = TimeWindow(start=time(17), end=time(20))
WHOLE_WEEK: tuple[Weekday, ...] = tuple(Weekday)
_WEEKEND = (Weekday.SATURDAY, Weekday.SUNDAY)

_DAY_NAMES: dict[Weekday, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Weekday.MONDAY: (("monday", "lundi"), ("mon", "lun")),
    Weekday.TUESDAY: (("tuesday", "mardi"), ("tue", "tues", "mar")),
    Weekday.WEDNESDAY: (("wednesday", "mercredi"), ("wed", "mer")),
    Weekday.THURSDAY: (("thursday", "jeudi"), ("thu", "thur", "thurs", "jeu")),
    Weekday.FRIDAY: (("friday", "vendredi"), ("fri", "ven")),
    Weekday.SATURDAY: (("saturday", "samedi"), ("sat", "sam")),
    Weekday.SUNDAY: (("sunday", "dimanche"), ("sun", "dim")),
}
"""Full names (which also take a plural "s") and abbreviations of each day."""

_HOUR_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)

_MONTHS = (
    "january february march april may june july august september october november december "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "jan feb apr jun jul aug sep sept oct nov dec janv févr avr juil déc"
)

_SPELLINGS: tuple[tuple[Kind, TokenValue, str], ...] = (
    (
        Kind.DAY_SET,
        WEEKDAYS,
        "weekday|weekdays|workday|workdays|business day|business days|working day|working days|"
        "en semaine|jour ouvré|jours ouvrés|jour ouvrable|jours ouvrables",
    ),
    (Kind.DAY_SET, _WEEKEND, "weekend|weekends|week-end|week-ends|fin de semaine|fins de semaine"),
    (Kind.DAY_SET, WHOLE_WEEK, "daily|everyday"),
    (Kind.GENERIC_DAY, None, "day|days|jour|jours"),
    (Kind.GENERIC_WEEK, None, "week|weeks|semaine|semaines"),
    (Kind.QUANTIFIER, None, "every|each|chaque|tous|toutes"),
    (Kind.SMALL, None, "on|at|the|from|le|la|les|l'|du|de|des|d'|aux|:|."),
    (Kind.PART_OF_DAY, _MORNING, "morning|mornings|matin|matins|matinée|matinées"),
    (Kind.PART_OF_DAY, _AFTERNOON, "afternoon|afternoons|après-midi"),
    (Kind.PART_OF_DAY, _EVENING, "evening|evenings|soir|soirs|soirée|soirées"),
    (Kind.HOUR_MARK, None, "h|heure|heures"),
    (Kind.MERIDIEM, "am", "am|a.m."),
    (Kind.MERIDIEM, "pm", "pm|p.m."),
    (Kind.NAMED_TIME, 12, "noon|midday|mid-day|midi"),
    (Kind.NAMED_TIME, 0, "midnight|minuit"),
    (Kind.OFFSET, 30, "half past"),
    (Kind.OFFSET, 15, "quarter past|a quarter past"),
    (Kind.OFFSET, -15, "quarter to|a quarter to"),
    (Kind.OCLOCK, None, "o'clock|oclock"),
    (Kind.TO, None, "-|to|till|til|until|thru|through|jusqu'à|jusqu'au"),
    (Kind.SMALL_TO, None, "au|à"),
    (Kind.BETWEEN, None, "between|entre"),
    (Kind.AND, None, "and|et|&"),
    (Kind.SEPARATOR, None, ",|/"),
    (Kind.GROUP_SEPARATOR, None, ";"),
    (Kind.EXCEPT, None, "except|except for|excluding|but not|sauf"),
    (
        Kind.ONE_OFF,
        None,
        "today|tonight|tomorrow|yesterday|next|last|this|aujourd'hui|demain|hier|ce|cette|"
        "prochain|prochaine|prochains|prochaines|dernier|dernière|month|months|mois|year|years|"
        "année|années|" + _MONTHS.replace(" ", "|"),
    ),
)

_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
"""Hyphens, en and em dashes, the minus sign: all read as "-"."""
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u00b4")
"""Typographic apostrophes (as Slack and phones type them), read as "'"."""
_RAW_TOKEN = re.compile(r"[0-9]+(?:[:./][0-9]+)+|[0-9]+|[^\W\d_]+'?|[-,;/&:.]|[^\w\s,;/&:.-]+|\S")
"""Digits joined by ":", "." or "/" (9:30, 12/03), numbers, words (with the "'" of l', jusqu'), the
language's signs, then runs of other symbols (one unknown token each, so junk stays cheap), any other."""


@dataclass(frozen=True, slots=True)
class Source:
    """The user's text, its normalised form, and where each normalised character came from."""

    original: str
    normalised: str
    origins: Sequence[int]

    @classmethod
    def of(cls, text: str) -> Source:
        if text.isascii():
            return cls(text, text.lower(), range(len(text) + 1))
        folded = [_fold(char) for char in text]
        if all(len(piece) == 1 for piece in folded):
            return cls(text, "".join(folded), range(len(text) + 1))
        origins = [index for index, piece in enumerate(folded) for _ in piece]
        return cls(text, "".join(folded), [*origins, len(text)])

    def words(self, first: Token, last: Token) -> str:
        """The original text from the start of `first` to the end of `last`."""
        return self.span(first.start, last.end)

    def span(self, start: int, end: int) -> str:
        """The original text of the normalised text from `start` to `end`."""
        return self.original[self.origins[start] : self.origins[end]]


def tokenize(normalised: str) -> Iterator[Token]:
    """Tokens of normalised text, each phrase of the lexicon taken as one token (longest match).

    A generator, so a caller can stop early on junk.
    """
    matches = list(_RAW_TOKEN.finditer(normalised))
    texts = [match.group() for match in matches]
    position = 0
    while position < len(texts):
        size, (kind, value) = _phrase_at(texts, position) or (1, _word(texts[position]))
        yield Token(kind, matches[position].start(), matches[position + size - 1].end(), value)
        position += size


def _phrase_at(texts: list[str], position: int) -> tuple[int, tuple[Kind, TokenValue]] | None:
    """The longest phrase of two or more raw tokens starting at `position`, with its size."""
    if texts[position] not in _PHRASE_STARTS:
        return None
    for size in range(min(_LONGEST_PHRASE, len(texts) - position), 1, -1):
        entry = _PHRASES.get(tuple(texts[position : position + size]))
        if entry:
            return size, entry
    return None


def _word(text: str) -> tuple[Kind, TokenValue]:
    entry = _WORDS.get(text)
    if entry:
        return entry
    if "0" <= text[0] <= "9":
        return (Kind.NUMBER if text.isdigit() else Kind.CHUNK), text
    return Kind.UNKNOWN, text


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    if char in _DASHES:
        return "-"
    if char in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _spelling_keys(spelling: str) -> set[tuple[str, ...]]:
    """The token sequences of a spelling, with its inner dashes and dots each optional (a.m., a m)."""
    texts = _RAW_TOKEN.findall(Source.of(spelling).normalised)
    optional = [i for i, text in enumerate(texts) if text in {"-", "."} and len(texts) > 1]
    return {
        tuple(text for i, text in enumerate(texts) if i not in dropped)
        for count in range(len(optional) + 1)
        for dropped in combinations(optional, count)
    }


def _build_lexicon() -> dict[tuple[str, ...], tuple[Kind, TokenValue]]:
    spellings = list(_SPELLINGS)
    for day, (full_names, abbreviations) in _DAY_NAMES.items():
        names = (*full_names, *(f"{name}s" for name in full_names), *abbreviations)
        spellings.append((Kind.DAY, (day,), "|".join(names)))
    spellings.extend((Kind.HOUR_WORD, hour, word) for hour, word in enumerate(_HOUR_WORDS, start=1))
    return {
        key: (kind, value)
        for kind, value, alternatives in spellings
        for spelling in alternatives.split("|")
        for key in _spelling_keys(spelling)
    }


_LEXICON = _build_lexicon()
_WORDS = {key[0]: entry for key, entry in _LEXICON.items() if len(key) == 1}
_PHRASES = {key: entry for key, entry in _LEXICON.items() if len(key) > 1}
_PHRASE_STARTS = frozenset(key[0] for key in _PHRASES)
_LONGEST_PHRASE = max(len(key) for key in _PHRASES)
