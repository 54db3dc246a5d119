"""Small Block Kit builders: every view and message is assembled from these, never from big literals.

Two promises are kept here once, so no caller has to remember them:

- Text from outside the bot (form fields, command text, Starleads' names and summaries, Slack's own
  error codes) reaches Slack only through `md()`, which makes it inert: `& < >` escaped, bidi controls
  stripped, backticks unable to close a code span, line breaks unable to leave a quote. Every mrkdwn
  object is sent with `verbatim: true`, so a bare `@channel` or `#general` is never turned into a
  mention or a link; the bot's own `<@U…>`, `<#C…>` and links keep working.
- Slack's limits (lengths of texts, labels, options; numbers of fields) are applied per element, so no
  caller can build a payload Slack would refuse. A cut never splits an entity (`&amp;`) or one of the
  bot's own `<…>` tokens, and ends with `…`.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from typing import Any

from bot.i18n import _
from bot.slack.origin import is_user_id

Block = dict[str, Any]
Element = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
CONTEXT_ELEMENT_LIMIT = 2000
HEADER_LIMIT = 150
OPTION_TEXT_LIMIT = 75
BUTTON_TEXT_LIMIT = 75
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
HINT_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
FALLBACK_TEXT_LIMIT = 3000  # Slack truncates a message's `text` past 4,000 characters
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10
_ELLIPSIS = "…"
# Bidi embedding, override and isolate controls: they can make text read backwards (U+202A–E, U+2066–9).
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_BACKTICK_LOOKALIKE = "ˋ"
_UNFINISHED_ENTITY = re.compile(r"&[a-z]{0,3}$")
_UNFINISHED_TOKEN = re.compile(r"<[^>]*$")


@dataclass(frozen=True)
class Card:
    """A message: its fallback `text` (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[Block]

    def to_json(self) -> str:
        """The message as stored, to be redrawn later (a results thread's root, with its tally)."""
        return json.dumps({"text": self.text, "blocks": self.blocks}, separators=(",", ":"))

    @classmethod
    def from_json(cls, stored: str) -> Card:
        message = json.loads(stored)
        return cls(text=str(message["text"]), blocks=list(message["blocks"]))


class _Inert(string.Formatter):
    """Formats our own mrkdwn template, making every value inert. A field's spec says how it shows:
    `{name}` inline, `{id:code}` in a code span, `{summary:quote}` as a block quote; `.N` caps it at N
    characters (after escaping), e.g. `{tag:.60}` or `{summary:quote.700}`."""

    def format_field(self, value: Any, format_spec: str) -> str:
        style, _, limit = format_spec.partition(".")
        most = int(limit) if limit else None
        text = _escape(str(value).translate(_BIDI_CONTROLS))
        if style == "quote":
            return "\n".join(">" + line for line in cut(text, most).splitlines())
        text = " ".join(text.splitlines())  # an inline value can't start a line of its own
        if style == "code":
            return f"`{cut(text.replace('`', _BACKTICK_LOOKALIKE), most)}`"
        if style:
            raise ValueError(f"unknown style {style!r} in a kit.md template")
        return cut(text, most)


_INERT = _Inert()


def md(template: str, *values: object, **named: object) -> str:
    """Our own mrkdwn `template` with outside values filled in, inert (see `_Inert` for the styles)."""
    return _INERT.format(template, *values, **named)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int | None) -> str:
    """`text` within `limit` characters, ending with `…` when cut; never inside `&amp;` or a `<…>`."""
    if limit is None or len(text) <= limit:
        return text
    kept = text[: limit - len(_ELLIPSIS) - 1]
    kept = _UNFINISHED_TOKEN.sub("", _UNFINISHED_ENTITY.sub("", kept))
    if kept.count("`") % 2:
        kept += "`"  # close the code span the cut fell in
    return kept + _ELLIPSIS


def fallback(text: str) -> str:
    """A message's `text` (notifications, screen readers), built with `md()` like its blocks."""
    return cut(text, FALLBACK_TEXT_LIMIT)


def plain(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    """Plain text is never parsed for mentions; it only loses bidi controls and what Slack can't hold."""
    shown = text if text.isascii() else text.translate(_BIDI_CONTROLS)  # most labels: no work at all
    if len(shown) > limit:
        shown = shown[: limit - len(_ELLIPSIS)] + _ELLIPSIS  # plain text has no markup a cut could break
    return {"type": "plain_text", "text": shown, "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cut(text, limit), "verbatim": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str, *, accessory: Element | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields_section(fields: list[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(text, FIELD_LIMIT) for text in fields[:MAX_FIELDS]]}


def context(*texts: str, block_id: str | None = None) -> Block:
    elements = [mrkdwn(text, CONTEXT_ELEMENT_LIMIT) for text in texts[:MAX_CONTEXT_ELEMENTS]]
    block: Block = {"type": "context", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> Block:
    return {"type": "divider"}


def actions(block_id: str, *elements: Element) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def button(
    text: str, action_id: str, *, value: str | None = None, style: str | None = None, url: str | None = None
) -> Element:
    element: Element = {"type": "button", "text": plain(text, BUTTON_TEXT_LIMIT), "action_id": action_id}
    for key, item in (("value", value), ("style", style), ("url", url)):
        if item:
            element[key] = item
    return element


def input_block(
    block_id: str,
    label: str,
    element: Element,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch_action: bool = False,
) -> Block:
    """An input; with `dispatch_action`, Slack tells the app when it changes (Enter, a new choice)."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL_LIMIT),
        "element": element,
        "optional": optional,
        "dispatch_action": dispatch_action,
    }
    if hint:
        block["hint"] = plain(hint, HINT_LIMIT)
    return block


def text_input(
    action_id: str,
    *,
    initial: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
    on_enter: bool = False,
) -> Element:
    element: Element = {"type": "plain_text_input", "action_id": action_id}
    if on_enter:
        element["dispatch_action_config"] = {"trigger_actions_on": ["on_enter_pressed"]}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_LIMIT)
    if max_length:
        element["max_length"] = max_length
    return element


def url_input(action_id: str, *, initial: str | None = None, placeholder: str | None = None) -> Element:
    element = text_input(action_id, initial=initial, placeholder=placeholder)
    element["type"] = "url_text_input"
    return element


def number_input(
    action_id: str,
    *,
    initial: str | None,
    decimal: bool,
    minimum: str | None = None,
    maximum: str | None = None,
) -> Element:
    element: Element = {"type": "number_input", "action_id": action_id, "is_decimal_allowed": decimal}
    for key, item in (("initial_value", initial), ("min_value", minimum), ("max_value", maximum)):
        if item is not None:
            element[key] = item
    return element


def timepicker(action_id: str, *, initial: str | None, placeholder: str | None = None) -> Element:
    element: Element = {
        "type": "timepicker",
        "action_id": action_id,
        "placeholder": plain(placeholder or _("Pick a time"), PLACEHOLDER_LIMIT),
    }
    if initial:
        element["initial_time"] = initial
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": value}


def checkboxes(action_id: str, options: list[dict[str, Any]], *, selected: list[str]) -> Element:
    element: Element = {"type": "checkboxes", "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] in selected]
    if chosen:
        element["initial_options"] = chosen
    return element


def grouped_select(
    action_id: str, groups: dict[str, list[dict[str, Any]]], *, selected: str | None, placeholder: str
) -> Element:
    element: Element = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER_LIMIT),
        "option_groups": [
            {"label": plain(label, OPTION_TEXT_LIMIT), "options": opts} for label, opts in groups.items()
        ],
    }
    chosen = next((o for opts in groups.values() for o in opts if o["value"] == selected), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def modal(
    *,
    title: str,
    blocks: list[Block],
    private_metadata: str,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str | None = None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": plain(title, TITLE_LIMIT),
        "close": plain(close or _("Close"), TITLE_LIMIT),
        "blocks": blocks[:100],
        "private_metadata": private_metadata,
    }
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit, TITLE_LIMIT)
    return view


def mention(user_id: str | None) -> str | None:
    """`<@U…>` for a Slack user ID (one we stored, say), or None for anything that isn't one."""
    return f"<@{user_id}>" if user_id and is_user_id(user_id) else None
