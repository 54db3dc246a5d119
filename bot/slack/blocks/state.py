"""Reading what a user entered in a modal (`view.state.values`), defensively.

The payload comes from Slack but is still input: a missing block, a wrong type or a malformed option
reads as "nothing entered", never as an exception.
"""

from __future__ import annotations

from typing import Any


class FormState:
    def __init__(self, state_values: Any) -> None:
        self._values: dict[str, Any] = state_values if isinstance(state_values, dict) else {}

    @classmethod
    def of(cls, view: Any) -> FormState:
        state = view.get("state") if isinstance(view, dict) else None
        return cls(state.get("values") if isinstance(state, dict) else None)

    def text(self, block_id: str, action_id: str, key: str = "value") -> str | None:
        value = self._element(block_id, action_id).get(key)
        return value if isinstance(value, str) else None

    def selected(self, block_id: str, action_id: str) -> str | None:
        return _option_value(self._element(block_id, action_id).get("selected_option"))

    def selected_all(self, block_id: str, action_id: str) -> tuple[str, ...]:
        options = self._element(block_id, action_id).get("selected_options")
        values = (_option_value(o) for o in (options if isinstance(options, list) else []))
        return tuple(value for value in values if value)

    def block_ids(self) -> list[str]:
        return [str(block_id) for block_id in self._values]

    def _element(self, block_id: str, action_id: str) -> dict[str, Any]:
        block = self._values.get(block_id)
        found = block.get(action_id) if isinstance(block, dict) else None
        return found if isinstance(found, dict) else {}


def _option_value(option: Any) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None
