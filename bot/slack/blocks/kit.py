"""Small Block Kit builders: every view and message is assembled from these, never from big literals.

Slack's limits are applied here once (lengths of labels, options, texts), so no caller can build a
payload Slack would refuse.
"""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
Element = dict[str, Any]

_SECTION_TEXT_LIMIT = 3000
_OPTION_TEXT_LIMIT = 75
_TITLE_LIMIT = 24


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no `<!channel>` pings, no fake links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = _SECTION_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, _SECTION_TEXT_LIMIT)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, *, accessory: Element | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields_section(fields: list[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(text) for text in fields[:10]]}


def context(*texts: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [mrkdwn(text) for text in texts]}
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
    element: Element = {"type": "button", "text": plain(text, 75), "action_id": action_id}
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
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
        "dispatch_action": dispatch_action,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
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
        element["placeholder"] = plain(placeholder, 150)
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


def timepicker(action_id: str, *, initial: str | None, placeholder: str = "Pick a time") -> Element:
    element: Element = {"type": "timepicker", "action_id": action_id, "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_time"] = initial
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, _OPTION_TEXT_LIMIT), "value": value}


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
        "placeholder": plain(placeholder, 150),
        "option_groups": [
            {"label": plain(label, _OPTION_TEXT_LIMIT), "options": opts} for label, opts in groups.items()
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
    close: str = "Close",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": plain(title, _TITLE_LIMIT),
        "close": plain(close, _TITLE_LIMIT),
        "blocks": blocks[:100],
        "private_metadata": private_metadata,
    }
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit, _TITLE_LIMIT)
    return view
