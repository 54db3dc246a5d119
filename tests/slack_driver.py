"""Plays Slack's side of the conversation: signed slash commands and interaction payloads."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret-8c1f0e"
USER = "U0ALICE"  # who types commands and fills in forms unless a test says otherwise
_ids = itertools.count(1)


def unique_id(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**8:08d}{next(_ids):04d}"


class SlackDriver:
    def __init__(
        self,
        bot_url: str,
        response_url: str,
        *,
        team_id: str = "T0001",
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> None:
        """Slack as one workspace (`team_id`, inside organization `enterprise_id` if any) sees it;
        `org_wide`: the app is installed for the whole organization."""
        self.events_url = f"{bot_url}/slack/events"
        self.response_url = response_url
        self._team_id, self._enterprise_id, self._org_wide = team_id, enterprise_id, org_wide
        self._http = httpx.Client(timeout=10)
        self._verifier = SignatureVerifier(SIGNING_SECRET)

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature
            if signature is not None
            else self._verifier.generate_signature(timestamp=stamp, body=body),
        }
        return self._http.post(self.events_url, content=body.encode(), headers=headers)

    def command(
        self,
        text: str = "campaign",
        *,
        channel_id: str = "C0TEAM01",
        user_id: str = USER,
        trigger_id: str | None = None,
    ) -> httpx.Response:
        return self.post(
            urlencode(
                {
                    "token": "legacy",
                    **self._command_workspace(),
                    "team_domain": "test",
                    "channel_id": channel_id,
                    "channel_name": "sales",
                    "user_id": user_id,
                    "user_name": "alice",
                    "command": "/starleads",
                    "text": text,
                    "api_app_id": "A0001",
                    "response_url": self.response_url,
                    "trigger_id": trigger_id or unique_id("trigger."),
                }
            )
        )

    def event(self, event: dict[str, Any]) -> httpx.Response:
        """An Events API delivery of `event` to this workspace's installation, as Slack sends it (JSON,
        with the `authorizations` that say which installation it is for)."""
        authorization = {
            "enterprise_id": self._enterprise_id,
            "team_id": None if self._org_wide else self._team_id,
            "user_id": "UBOT",
            "is_bot": True,
            "is_enterprise_install": self._org_wide,
        }
        body = {
            "token": "legacy",
            "team_id": self._team_id,
            "enterprise_id": self._enterprise_id,
            "api_app_id": "A0001",
            "event": {**event, "event_ts": f"{time.time():.6f}"},
            "type": "event_callback",
            "event_id": unique_id("Ev"),
            "event_time": int(time.time()),
            "authorizations": [authorization],
            "is_ext_shared_channel": False,
        }
        return self.post(json.dumps(body), content_type="application/json")

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user_id: str = USER) -> httpx.Response:
        """Submit `view` as Slack would, with the form's fields set as `values` says."""
        submitted = {**view, "state": {"values": form_state(view, values)}}
        return self.interact(
            {
                "type": "view_submission",
                **self._payload_workspace(),
                "user": {"id": user_id},
                "api_app_id": "A0001",
                "trigger_id": unique_id("trigger."),
                "view": submitted,
            }
        )

    def click(
        self,
        view: dict[str, Any],
        action_id: str,
        values: dict[str, Any] | None = None,
        *,
        user_id: str = USER,
    ) -> httpx.Response:
        """Click a button of `view`; the payload carries the form's state, as Slack's does."""
        block = next(
            b
            for b in view["blocks"]
            if b["type"] == "actions" and any(e["action_id"] == action_id for e in b["elements"])
        )
        action = {"type": "button", "action_id": action_id, "block_id": block["block_id"]}
        return self._block_action(view, action, values or {}, user_id)

    def dispatch(
        self, view: dict[str, Any], block_id: str, values: dict[str, Any], *, user_id: str = USER
    ) -> httpx.Response:
        """What Slack sends when an input with `dispatch_action` changes (Enter pressed, option chosen)."""
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        state = form_state(view, values)
        action = {"block_id": block_id, **state[block_id][block["element"]["action_id"]]}
        action["action_id"] = block["element"]["action_id"]
        return self._block_action(view, action, values, user_id)

    def _block_action(
        self, view: dict[str, Any], action: dict[str, Any], values: dict[str, Any], user_id: str
    ) -> httpx.Response:
        return self.interact(
            {
                "type": "block_actions",
                **self._payload_workspace(),
                "user": {"id": user_id},
                "api_app_id": "A0001",
                "trigger_id": unique_id("trigger."),
                "container": {"type": "view", "view_id": view["id"]},
                "view": {"hash": "h-" + view["id"], **view, "state": {"values": form_state(view, values)}},
                "actions": [{**action, "action_ts": str(time.time())}],
            }
        )

    def _command_workspace(self) -> dict[str, str]:
        """A slash command's team fields, as Slack sends them (an organization's only when there is one)."""
        fields = {"team_id": self._team_id}
        if self._enterprise_id:
            fields |= {
                "enterprise_id": self._enterprise_id,
                "is_enterprise_install": str(self._org_wide).lower(),
            }
        return fields

    def _payload_workspace(self) -> dict[str, Any]:
        """An interaction payload's team fields."""
        fields: dict[str, Any] = {"team": {"id": self._team_id}}
        if self._enterprise_id:
            fields |= {"enterprise": {"id": self._enterprise_id}, "is_enterprise_install": self._org_wide}
        return fields


def form_state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`state.values` for a modal: initial values unless `values` (keyed by block ID) overrides them.

    A value of None clears the field. Days are a list of names; the timezone a zone name.
    """
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        value = (
            values.get(block_id, _initial(element)) if block_id in values or _has_initial(element) else None
        )
        state[block_id] = {element["action_id"]: _element_state(element, value)}
    return state


def _has_initial(element: dict[str, Any]) -> bool:
    return any(k in element for k in ("initial_value", "initial_time", "initial_options", "initial_option"))


def _initial(element: dict[str, Any]) -> Any:
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return element.get("initial_value", element.get("initial_time"))


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    if kind == "checkboxes":
        return {
            "type": kind,
            "selected_options": [
                {"text": {"type": "plain_text", "text": v}, "value": v} for v in (value or [])
            ],
        }
    if kind == "static_select":
        return {
            "type": kind,
            "selected_option": None
            if value is None
            else {"text": {"type": "plain_text", "text": value}, "value": value},
        }
    return {"type": kind, "value": value}
