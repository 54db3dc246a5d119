"""Prefilling the form from what follows `/starleads campaign`.

`/starleads campaign "Relance Q4" agent:abc123 phone:01 23 45 67 89 weekdays 9-12 et 14h-17h` gives a
quoted name, `key:value` fields and, for whatever remains, the calling hours. Nothing is dropped
silently: a piece that fits nowhere (an unknown key, a second name, a repeated key, an unclosed quote)
comes back in `unplaced`, for the form to show.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.campaigns.draft import (
    TEXT_MAX_LENGTHS,
    DraftField,
    DraftInput,
    field_problems,
    normalise_phone_number,
)
from bot.i18n import _
from bot.store import ChannelPreferences

KEYS: dict[str, DraftField] = {
    "name": DraftField.NAME,
    "agent": DraftField.AGENT_ID,
    "phone": DraftField.PHONE_NUMBER,
    "tel": DraftField.PHONE_NUMBER,
    "tz": DraftField.TIMEZONE,
    "timezone": DraftField.TIMEZONE,
    "retries": DraftField.MAX_RETRIES,
    "delay": DraftField.DELAY_HOURS,
    "webhook": DraftField.WEBHOOK_URL,
}
MAX_COMMAND_TEXT = 4000
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'"}
_PIECE = re.compile(
    r"""(?P<key>[A-Za-z]+):(?P<value>"[^"]*"|“[^”]*”|«[^»]*»|\S*)"""  # key:value, value maybe quoted
    r"""|(?P<quoted>"[^"]*"|“[^”]*”|«[^»]*»)"""  # a quoted name
    r"""|(?P<word>\S+)"""
)
_PHONE_GROUP = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class StartingForm:
    """What the form opens with: values, notes under fields, what could not be placed, and the fields
    whose value was cut to fit their text box."""

    typed: DraftInput
    problems: dict[DraftField, str]
    unplaced: tuple[str, ...]
    cut: tuple[DraftField, ...] = ()


def starting_form(
    remembered: ChannelPreferences, command_text: str, *, shows_any_text: Collection[DraftField]
) -> StartingForm:
    """The channel's remembered values, overridden by what the command says.

    A command value that is not valid stays in its field with a note when the field can show any text
    (`shows_any_text`, e.g. a text box); otherwise (a number box, a menu) the field keeps its default
    and the value is listed with what is wrong, so the user still sees it. A value longer than its text
    box holds is cut to fit (Slack refuses a longer one), and `cut` names it for the form to say so.
    """
    base = DraftInput(
        agent_id=remembered.agent_id,
        phone_number=remembered.phone_number,
        **({"timezone": remembered.timezone} if remembered.timezone else {}),
        **({"max_retries": str(remembered.max_retries)} if remembered.max_retries else {}),
    )
    prefill = read_command_text(command_text)
    given = {field.value: value for field, value in prefill.values.items()}
    if prefill.schedule:
        given[DraftField.SCHEDULE.value] = prefill.schedule
    cut = tuple(f for f, most in TEXT_MAX_LENGTHS.items() if len(given.get(f.value, "")) > most)
    given.update({f.value: given[f.value][: TEXT_MAX_LENGTHS[f]] for f in cut})
    typed = base.model_copy(update=given)
    problems = field_problems(typed, [DraftField(name) for name in given])
    unplaced = list(prefill.unplaced)
    for rejected in [f for f in problems if f not in shows_any_text]:
        value, problem = given[rejected.value], problems.pop(rejected)
        unplaced.append(
            problem if value in problem else _("“{value}”: {problem}").format(value=value, problem=problem)
        )
        typed = typed.model_copy(update={rejected.value: getattr(base, rejected.value)})
    return StartingForm(typed=typed, problems=problems, unplaced=tuple(unplaced), cut=cut)


@dataclass(frozen=True)
class CommandPrefill:
    values: dict[DraftField, str] = field(default_factory=dict)
    schedule: str | None = None
    unplaced: tuple[str, ...] = ()


def read_command_text(text: str) -> CommandPrefill:
    """Sort the words after `campaign` into fields, calling hours, and what fits nowhere."""
    if len(text) > MAX_COMMAND_TEXT:
        return CommandPrefill(unplaced=(text[:40] + "…",))
    values: dict[DraftField, str] = {}
    unplaced: list[str] = []
    rest: list[str] = []
    pieces = list(_PIECE.finditer(text.strip()))
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        index += 1
        if piece["key"] and piece["key"].lower() in KEYS:
            target = KEYS[piece["key"].lower()]
            value = _unquote(piece["value"])
            if target is DraftField.PHONE_NUMBER and not piece["value"].startswith(tuple(_QUOTES)):
                # "phone:01 23 45 67 89": the number's other digit groups follow as separate words,
                # until it is a whole number (so "phone:0123456789 9 to 12" leaves "9 to 12" alone).
                while (
                    index < len(pieces)
                    and _PHONE_GROUP.fullmatch(pieces[index][0])
                    and not _is_phone_number(value)
                ):
                    value += " " + pieces[index][0]
                    index += 1
            _place(values, unplaced, target, value, piece[0])
        elif piece["key"] and not piece["value"][:1].isdigit():
            unplaced.append(piece[0])
        elif piece["quoted"]:
            _place(values, unplaced, DraftField.NAME, _unquote(piece["quoted"]), piece[0])
        elif piece["word"] and piece["word"][0] in _QUOTES and piece["word"][0] not in ("'",):
            unplaced.append(text[piece.start() :].strip())  # an unclosed quote: keep the rest whole
            break
        else:
            rest.append(piece[0])
    return CommandPrefill(values=values, schedule=" ".join(rest) or None, unplaced=tuple(unplaced))


def _place(
    values: dict[DraftField, str], unplaced: list[str], target: DraftField, value: str, written: str
) -> None:
    if target in values or not value.strip():
        unplaced.append(written)
    else:
        values[target] = value.strip()


def _is_phone_number(text: str) -> bool:
    try:
        normalise_phone_number(text)
    except ValueError:
        return False
    return True


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in _QUOTES and value[-1] == _QUOTES[value[0]]:
        return value[1:-1]
    return value
