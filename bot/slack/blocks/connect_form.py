"""The `/starleads connect` modal: one input for the workspace's Starleads API key, and what it shows
once connected. A key is never put back into a view: only its masked form (`…9f3a`)."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from bot.slack.blocks import kit
from bot.workspaces.connections import Connection

CONNECT_CALLBACK_ID = "starleads_connect"
KEY_BLOCK = "starleads_api_key"
KEY_ACTION = "api_key"
KEY_LABEL = N_("Starleads API key")
# Translators: a modal's title, at most 24 characters (Slack's limit).
_TITLE = N_("Connect Starleads")
_WHERE = N_("In Starleads, open your profile and copy the *API key*.")


def connect_form(current: Connection | None) -> dict[str, Any]:
    """The form; when the workspace is connected already, it says with which key and replaces it."""
    if current is None:
        what = _(
            "Connect this workspace to your company's Starleads account: campaigns created here go to "
            "it, with its agents and phone numbers."
        )
    else:
        key = kit.md("{:code}", current.masked_key)
        who = kit.mention(current.connected_by)
        what = (
            _(
                "This workspace is connected to Starleads with the key {key} (connected by {user}). "
                "To use another account or a new key, paste it below."
            ).format(key=key, user=who)
            if who
            else _(
                "This workspace is connected to Starleads with the key {key}. To use another account or "
                "a new key, paste it below."
            ).format(key=key)
        )
    field = kit.input_block(
        KEY_BLOCK,
        _(KEY_LABEL),
        kit.text_input(KEY_ACTION, placeholder=_("Paste the key here"), max_length=500),
        hint=_("It is checked with Starleads, then kept encrypted; it is never shown again in full."),
    )
    return kit.modal(
        title=_(_TITLE),
        blocks=[kit.section(f"{what} {_(_WHERE)}"), field],
        private_metadata="",
        callback_id=CONNECT_CALLBACK_ID,
        submit=_("Replace key") if current else _("Connect"),
        close=_("Cancel"),
    )


def connected_view(connection: Connection) -> dict[str, Any]:
    return kit.modal(
        title=_(_TITLE),
        blocks=[
            kit.section(
                ":white_check_mark: "
                + _(
                    "This workspace is now connected to Starleads with the key {key}. "
                    "`/starleads campaign` creates campaigns in that account from now on."
                ).format(key=kit.md("{:code}", connection.masked_key))
            ),
            kit.context(_("To stop, type `/starleads disconnect`: the key is forgotten.")),
        ],
        private_metadata="",
        close=_("Done"),
    )


def read_key(view: dict[str, Any]) -> str:
    """What was typed into the key's input ('' when nothing was)."""
    values = (view.get("state") or {}).get("values") or {}
    typed = (values.get(KEY_BLOCK) or {}).get(KEY_ACTION) or {}
    value = typed.get("value") if isinstance(typed, dict) else None
    return value if isinstance(value, str) else ""
