"""The `/starleads connect` modal: one input for the workspace's Starleads API key, and what it shows
once connected. A key is never put back into a view: only its masked form (`…9f3a`)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import kit
from bot.workspaces.connections import Connection

CONNECT_CALLBACK_ID = "starleads_connect"
KEY_BLOCK = "starleads_api_key"
KEY_ACTION = "api_key"
KEY_LABEL = "Starleads API key"
_TITLE = "Connect Starleads"
_WHERE = "In Starleads, open your profile and copy the *API key*."


def connect_form(current: Connection | None) -> dict[str, Any]:
    """The form; when the workspace is connected already, it says with which key and replaces it."""
    if current is None:
        intro = kit.section(
            "Connect this workspace to your company's Starleads account: campaigns created here go to "
            f"it, with its agents and phone numbers. {_WHERE}"
        )
    else:
        intro = kit.section(
            f"This workspace is connected to Starleads with the key {kit.md('{:code}', current.masked_key)}"
            f"{_by(current)}. To use another account or a new key, paste it below. {_WHERE}"
        )
    field = kit.input_block(
        KEY_BLOCK,
        KEY_LABEL,
        kit.text_input(KEY_ACTION, placeholder="Paste the key here", max_length=500),
        hint="It is checked with Starleads, then kept encrypted; it is never shown again in full.",
    )
    return kit.modal(
        title=_TITLE,
        blocks=[intro, field],
        private_metadata="",
        callback_id=CONNECT_CALLBACK_ID,
        submit="Replace key" if current else "Connect",
        close="Cancel",
    )


def connected_view(connection: Connection) -> dict[str, Any]:
    return kit.modal(
        title=_TITLE,
        blocks=[
            kit.section(
                ":white_check_mark: This workspace is now connected to Starleads with the key "
                f"{kit.md('{:code}', connection.masked_key)}. `/starleads campaign` creates campaigns in "
                "that account from now on."
            ),
            kit.context("To stop, type `/starleads disconnect`: the key is forgotten."),
        ],
        private_metadata="",
        close="Done",
    )


def read_key(view: dict[str, Any]) -> str:
    """What was typed into the key's input ('' when nothing was)."""
    values = (view.get("state") or {}).get("values") or {}
    typed = (values.get(KEY_BLOCK) or {}).get(KEY_ACTION) or {}
    value = typed.get("value") if isinstance(typed, dict) else None
    return value if isinstance(value, str) else ""


def _by(connection: Connection) -> str:
    who = kit.mention(connection.connected_by)
    return f" (connected by {who})" if who else ""
