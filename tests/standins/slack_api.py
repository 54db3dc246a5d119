"""Slack's Web API as the bot sees it (views.*, chat.*, conversations.replies, auth.test) plus response
URLs. Messages posted with `chat.postMessage` are kept, so a thread can be read back with its replies'
metadata, as Slack does."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.standins.block_limits import MESSAGE_BLOCKS, block_problems, view_problems
from tests.standins.http import Recorded, Reply, StandIn, json_reply

RESPONSE_URL_PATH = "/response/"


class FakeSlack(StandIn):
    def __init__(self) -> None:
        super().__init__()
        self._failures: dict[str, list[dict[str, Any]]] = {}
        self._slow: list[tuple[str, float, Callable[[dict[str, Any]], bool]]] = []
        self.user_groups: dict[str, list[str]] = {}
        self.roles: dict[str, dict[str, bool]] = {}  # users.info's flags by user; others are members
        self._ids = itertools.count(1)
        self._failure_lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []  # what chat.postMessage accepted, in order
        self._deleted: set[str] = set()  # messages someone deleted in Slack: chat.update can't find them

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}{RESPONSE_URL_PATH}{name}"

    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        status: int = 200,
        headers: dict[str, str] | None = None,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> None:
        """Make the next `times` calls of `method` whose arguments match `where` fail the way Slack does."""
        failure = {"error": error, "status": status, "headers": headers or {}, "where": where}
        with self._failure_lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def slow_down(
        self,
        method: str,
        seconds: float,
        *,
        times: int = 1,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> None:
        """Make the next `times` calls of `method` whose arguments match `where` wait `seconds` before
        Slack takes them (nothing is posted meanwhile) and answers."""
        with self._failure_lock:
            self._slow.extend([(method, seconds, where)] * times)

    def set_role(
        self, user_id: str, *, admin: bool = False, owner: bool = False, primary_owner: bool = False
    ) -> None:
        """What `users.info` says of `user_id`: a workspace admin, owner, or primary owner."""
        with self._failure_lock:
            self.roles[user_id] = {"is_admin": admin, "is_owner": owner, "is_primary_owner": primary_owner}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user"))
        with self._failure_lock:
            flags = self.roles.get(user_id, {})
        roles = {"is_admin": False, "is_owner": False, "is_primary_owner": False, **flags}
        return {"ok": True, "user": {"id": user_id, "name": user_id.lower(), "deleted": False, **roles}}

    def delete(self, ts: str) -> None:
        """Someone deletes that message in Slack."""
        with self._failure_lock:
            self._deleted.add(ts)

    def reset(self) -> None:
        with self._failure_lock:
            self._failures.clear()
            self._slow.clear()
            self._messages.clear()
            self._deleted.clear()
        self.clear()

    # What tests look at -------------------------------------------------------------------------
    def calls(self, method: str) -> list[dict[str, Any]]:
        return [_params(r) for r in self.requests if r.path == f"/api/{method}"]

    def wait_call(self, method: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        found = self.wait_for(lambda r: r.path == f"/api/{method}", count=count, timeout=timeout)
        return [_params(r) for r in found]

    def wait_timed(
        self,
        method: str | tuple[str, ...],
        where: Callable[[dict[str, Any]], bool],
        count: int = 1,
        timeout: float = 10,
    ) -> list[tuple[float, dict[str, Any]]]:
        """The calls of `method` (or of any of several) whose arguments match `where`, with when they
        arrived (monotonic)."""
        paths = {f"/api/{name}" for name in ((method,) if isinstance(method, str) else method)}
        found = self.wait_for(lambda r: r.path in paths and where(_params(r)), count=count, timeout=timeout)
        return [(r.received_at, _params(r)) for r in found]

    def wait_view_update(self, view_id: str, count: int = 1, timeout: float = 10) -> dict[str, Any]:
        """The `count`-th `views.update` of that view (earlier tests' late updates are other views)."""
        found = self.wait_for(
            lambda r: r.path == "/api/views.update" and _params(r).get("view_id") == view_id,
            count=count,
            timeout=timeout,
        )
        return _params(found[count - 1])

    def response_url_posts(self, name: str = "cmd") -> list[dict[str, Any]]:
        return [r.json() for r in self.requests if r.path == f"{RESPONSE_URL_PATH}{name}"]

    def wait_response_url(
        self, name: str = "cmd", count: int = 1, timeout: float = 10
    ) -> list[dict[str, Any]]:
        found = self.wait_for(lambda r: r.path == f"{RESPONSE_URL_PATH}{name}", count=count, timeout=timeout)
        return [r.json() for r in found]

    # Serving ------------------------------------------------------------------------------------
    def handle(self, recorded: Recorded) -> Reply:
        if recorded.path.startswith(RESPONSE_URL_PATH):
            if block_problems(_decoded(recorded.json().get("blocks")) or [], max_blocks=MESSAGE_BLOCKS):
                return 400, {"content-type": "text/plain"}, b"invalid_blocks"
            return 200, {"content-type": "text/plain"}, b"ok"
        method = recorded.path.removeprefix("/api/")
        params = _params(recorded)
        with self._failure_lock:
            queued = self._failures.get(method, [])
            matching = next((n for n, failing in enumerate(queued) if failing["where"](params)), None)
            failure = queued.pop(matching) if matching is not None else None
            delay = self._delay(method, params)
        time.sleep(delay)
        if failure:
            return json_reply(failure["status"], {"ok": False, "error": failure["error"]}, failure["headers"])
        refused = _over_limits(method, params)
        if refused:
            return json_reply(200, {"ok": False, "error": refused})
        if method == "auth.test":
            return json_reply(
                200,
                {
                    "ok": True,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "team_id": "T0001",
                    "user": "starleads",
                    "team": "Test team",
                    "url": "https://test.slack.com/",
                },
            )
        if method in ("views.open", "views.update", "views.push"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            view_id = params.get("view_id") or f"V{next(self._ids):08d}"
            return json_reply(200, {"ok": True, "view": {**(view or {}), "id": view_id, "hash": "h1"}})
        if method == "users.info":
            return json_reply(200, self._users_info(params))
        if method == "usergroups.users.list":
            members = self.user_groups.get(str(params.get("usergroup")))
            if members is None:
                return json_reply(200, {"ok": False, "error": "no_such_subteam"})
            return json_reply(200, {"ok": True, "users": members})
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ids):06d}"
            metadata = params.get("metadata")
            message = {
                "channel": params.get("channel"),
                "ts": ts,
                "thread_ts": params.get("thread_ts") or ts,
                "text": params.get("text"),
                "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
            }
            with self._failure_lock:
                self._messages.append(message)
            return json_reply(200, {"ok": True, "channel": params.get("channel"), "ts": ts})
        if method == "conversations.replies":
            return json_reply(200, self._replies(params))
        if method == "chat.update" and params.get("ts") in self._deleted:
            return json_reply(200, {"ok": False, "error": "message_not_found"})
        return json_reply(200, {"ok": True})

    def _delay(self, method: str, params: dict[str, Any]) -> float:
        """How long this call waits for its answer, under `slow_down` (held: the failure lock)."""
        for n, (name, seconds, where) in enumerate(self._slow):
            if name == method and where(params):
                del self._slow[n]
                return seconds
        return 0.0

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread's messages, root first, a page at a time (the cursor is an offset)."""
        channel, ts = params.get("channel"), params.get("ts")
        with self._failure_lock:
            thread = [m for m in self._messages if m["channel"] == channel and m["thread_ts"] == ts]
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 1000)
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        page = []
        for message in thread[start : start + limit]:
            shown = {k: v for k, v in message.items() if k not in ("channel", "metadata")}
            if with_metadata and message["metadata"]:
                shown["metadata"] = message["metadata"]
            page.append(shown)
        more = start + limit < len(thread)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


def _over_limits(method: str, params: dict[str, Any]) -> str | None:
    """Slack's error when a message or view breaks a Block Kit limit: it is refused whole."""
    if method in ("chat.postMessage", "chat.update"):
        blocks = _decoded(params.get("blocks")) or []
        return "invalid_blocks" if block_problems(blocks, max_blocks=MESSAGE_BLOCKS) else None
    if method in ("views.open", "views.update", "views.push"):
        return "invalid_arguments" if view_problems(_decoded(params.get("view")) or {}) else None
    return None


def _decoded(value: Any) -> Any:
    """A JSON argument, whether slack_sdk sent it as JSON or as a form field holding JSON."""
    return json.loads(value) if isinstance(value, str) else value


def _params(recorded: Recorded) -> dict[str, Any]:
    """A Web API call's arguments, wherever slack_sdk put them (JSON body, form body or query)."""
    if recorded.headers.get("content-type", "").startswith("application/json"):
        return {**recorded.query, **recorded.json()}
    return {**recorded.query, **recorded.form()}
