"""Slack's Block Kit limits, as Slack enforces them: a message or view that breaks one is refused whole
(`invalid_blocks` for messages, `invalid_arguments` for views). Written from Slack's reference pages,
independently of the bot's own kit, so that a card the bot gets wrong is lost here as it would be there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
_TEXT_LIMITS = {"section": 3000, "header": 150}
_FIELD_LIMIT, _MAX_FIELDS = 2000, 10
_CONTEXT_ELEMENT_LIMIT, _MAX_CONTEXT_ELEMENTS = 2000, 10
_LABEL_LIMIT, _HINT_LIMIT, _PLACEHOLDER_LIMIT = 2000, 2000, 150
_BUTTON_LIMIT, _OPTION_LIMIT, _VIEW_TITLE_LIMIT = 75, 75, 24
_TEXT_INPUT_MAX = 3000


def block_problems(blocks: list[dict[str, Any]], *, max_blocks: int) -> list[str]:
    """Each limit `blocks` break, in words (empty when Slack would take them)."""
    problems = [f"{len(blocks)} blocks (at most {max_blocks})"] if len(blocks) > max_blocks else []
    for index, block in enumerate(blocks):
        problems += [f"blocks[{index}] ({block.get('type')}): {p}" for p in _block(block)]
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    problems = [
        f"{key} over {_VIEW_TITLE_LIMIT} characters"
        for key in ("title", "submit", "close")
        if _too_long(view.get(key), _VIEW_TITLE_LIMIT)
    ]
    return problems + block_problems(view.get("blocks") or [], max_blocks=VIEW_BLOCKS)


def _block(block: dict[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if kind in _TEXT_LIMITS and _too_long(block.get("text"), _TEXT_LIMITS[kind]):
        yield f"text over {_TEXT_LIMITS[kind]} characters"
    fields = block.get("fields") or []
    if len(fields) > _MAX_FIELDS:
        yield f"{len(fields)} fields (at most {_MAX_FIELDS})"
    yield from (f"a field over {_FIELD_LIMIT} characters" for f in fields if _too_long(f, _FIELD_LIMIT))
    if kind == "context":
        elements = block.get("elements") or []
        if len(elements) > _MAX_CONTEXT_ELEMENTS:
            yield f"{len(elements)} elements (at most {_MAX_CONTEXT_ELEMENTS})"
        for element in elements:
            if _too_long(element, _CONTEXT_ELEMENT_LIMIT):
                yield f"an element over {_CONTEXT_ELEMENT_LIMIT} characters"
    if kind == "input":
        if _too_long(block.get("label"), _LABEL_LIMIT):
            yield f"label over {_LABEL_LIMIT} characters"
        if _too_long(block.get("hint"), _HINT_LIMIT):
            yield f"hint over {_HINT_LIMIT} characters"
    for element in [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]:
        if isinstance(element, dict) and element.get("type") not in ("mrkdwn", "plain_text"):
            yield from _element(element)


def _element(element: dict[str, Any]) -> Iterator[str]:
    if element.get("type") == "button" and _too_long(element.get("text"), _BUTTON_LIMIT):
        yield f"button text over {_BUTTON_LIMIT} characters"
    if _too_long(element.get("placeholder"), _PLACEHOLDER_LIMIT):
        yield f"placeholder over {_PLACEHOLDER_LIMIT} characters"
    most = min(int(element.get("max_length") or _TEXT_INPUT_MAX), _TEXT_INPUT_MAX)
    if len(str(element.get("initial_value") or "")) > most:
        yield f"initial_value over its max_length ({most})"
    groups = element.get("option_groups") or []
    options = [*(element.get("options") or []), *(o for g in groups for o in g.get("options") or [])]
    for option in options:
        if _too_long(option.get("text"), _OPTION_LIMIT):
            yield f"an option over {_OPTION_LIMIT} characters"
    for group in groups:
        if _too_long(group.get("label"), _OPTION_LIMIT):
            yield f"an option group label over {_OPTION_LIMIT} characters"


def _too_long(text_object: Any, limit: int) -> bool:
    return isinstance(text_object, dict) and len(str(text_object.get("text", ""))) > limit
