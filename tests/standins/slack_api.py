"""Slack's Web API as the bot sees it (views.*, chat.*, conversations.replies, auth.test) plus response
URLs. Messages posted with `chat.postMessage` are kept, so a thread can be read back with its replies'
metadata, as Slack does."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.standins.block_limits import MESSAGE_BLOCKS, block_problems, view_problems
from tests.standins.http import DropConnection, Recorded, Reply, StandIn, json_reply

RESPONSE_URL_PATH = "/response/"
# What the app's token was granted, as auth.test's x-oauth-scopes header says: manifest.yml's bot scopes.
GRANTED_SCOPES = (
    "commands,chat:write,chat:write.public,channels:history,groups:history,usergroups:read,users:read"
)


class FakeSlack(StandIn):
    def __init__(self, *, checks_tokens: bool = False) -> None:
        """`checks_tokens`: refuse a Web API call whose token this stand-in did not issue through
        `oauth.v2.access` (or revoked since), as Slack does; the single-workspace tests' stand-in takes
        any token."""
        super().__init__()
        self.installs = Installs(checks_tokens=checks_tokens)
        self._failures: dict[str, list[dict[str, Any]]] = {}
        self._slow: list[tuple[str, Callable[[], object], Callable[[dict[str, Any]], bool]]] = []
        self._drops: list[str] = []  # methods whose next call's connection is closed unanswered
        self.user_groups: dict[str, list[str]] = {}
        self.roles: dict[str, dict[str, bool]] = {}  # users.info's flags by user; others are members
        self.locales: dict[str, str] = {}  # users.info's locale by user (with include_locale); else en-US
        self._ids = itertools.count(1)
        self._failure_lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []  # what chat.postMessage accepted, in order
        self._deleted: set[str] = set()  # messages someone deleted in Slack: chat.update can't find them
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out, once set
        self.token_scopes = GRANTED_SCOPES  # auth.test's x-oauth-scopes header

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

    def drop_connection(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next `times` calls of `method` without answering them, as Slack
        does to a kept-alive connection it has just timed out (the client sees it disconnected)."""
        with self._failure_lock:
            self._drops.extend([method] * times)

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
            self._slow.extend([(method, lambda: time.sleep(seconds), where)] * times)

    def hold(
        self, method: str, *, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> threading.Event:
        """Keep the next call of `method` whose arguments match `where` unanswered until the returned
        event is set (10 s at most)."""
        released = threading.Event()
        with self._failure_lock:
            self._slow.append((method, lambda: released.wait(10), where))
        return released

    @contextlib.contextmanager
    def holding(
        self, method: str, *, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> Iterator[None]:
        """`hold` for the block's duration: Slack answers once the block's requests have had theirs."""
        released = self.hold(method, where=where)
        try:
            yield
        finally:
            released.set()

    def set_role(
        self, user_id: str, *, admin: bool = False, owner: bool = False, primary_owner: bool = False
    ) -> None:
        """What `users.info` says of `user_id`: a workspace admin, owner, or primary owner."""
        with self._failure_lock:
            self.roles[user_id] = {"is_admin": admin, "is_owner": owner, "is_primary_owner": primary_owner}

    def set_locale(self, user_id: str, locale: str) -> None:
        """The Slack language `user_id` chose (`fr-FR`, `en-US`, `de-DE`…), as `users.info` tells it."""
        with self._failure_lock:
            self.locales[user_id] = locale

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user"))
        with self._failure_lock:
            flags = self.roles.get(user_id, {})
            locale = self.locales.get(user_id, "en-US")
        roles = {"is_admin": False, "is_owner": False, "is_primary_owner": False, **flags}
        user = {"id": user_id, "name": user_id.lower(), "deleted": False, **roles}
        if str(params.get("include_locale", "")).lower() in {"1", "true"}:
            user["locale"] = locale
        return {"ok": True, "user": user}

    def delete(self, ts: str) -> None:
        """Someone deletes that message in Slack."""
        with self._failure_lock:
            self._deleted.add(ts)

    def reset(self) -> None:
        self.socket_mode_url = None
        self.token_scopes = GRANTED_SCOPES
        with self._failure_lock:
            self._failures.clear()
            self._slow.clear()
            self._drops.clear()
            self._messages.clear()
            self._deleted.clear()
            self.locales.clear()
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
            wait = self._wait(method, params)
            dropped = method in self._drops
            if dropped:
                self._drops.remove(method)
        if dropped:
            raise DropConnection(method)
        wait()
        if failure:
            return json_reply(failure["status"], {"ok": False, "error": failure["error"]}, failure["headers"])
        refused = _over_limits(method, params)
        if refused:
            return json_reply(200, {"ok": False, "error": refused})
        installs_answer = self.installs.answer(method, recorded, params)
        if installs_answer:
            return installs_answer
        if method == "apps.connections.open" and self.socket_mode_url:
            return json_reply(200, {"ok": True, "url": self.socket_mode_url})
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
                {"x-oauth-scopes": self.token_scopes},
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

    def calls_with_tokens(self, method: str) -> list[tuple[str | None, dict[str, Any]]]:
        """Each call of `method` with the bot token it was made with (its Authorization header)."""
        return [(bearer_token(r), _params(r)) for r in self.requests if r.path == f"/api/{method}"]

    def wait_call_with_token(self, method: str, token: str, timeout: float = 10) -> dict[str, Any]:
        """The first call of `method` made with `token`, once it has come."""
        found = self.wait_for(
            lambda r: r.path == f"/api/{method}" and bearer_token(r) == token, timeout=timeout
        )
        return _params(found[0])

    def _wait(self, method: str, params: dict[str, Any]) -> Callable[[], object]:
        """What this call waits for before its answer, under `slow_down` or `hold` (held: the failure
        lock)."""
        for n, (name, wait, where) in enumerate(self._slow):
            if name == method and where(params):
                del self._slow[n]
                return wait
        return lambda: None

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


@dataclass(frozen=True)
class Installed:
    """Who a token speaks for: a workspace (`team_id`), or a whole organization (org-wide install)."""

    team_id: str | None
    enterprise_id: str | None
    is_enterprise_install: bool
    bot_user_id: str
    bot_id: str

    @property
    def workspace(self) -> str:
        """The key the bot keeps this install under (its organization's ID, for an org-wide one)."""
        return str(self.enterprise_id if self.is_enterprise_install else self.team_id)


@dataclass
class _Grant:
    installed: Installed
    expires_in: int | None  # token rotation: each access token lasts this long, then is refreshed


class Installs:
    """Slack's OAuth side: one-time codes for the redirect, `oauth.v2.access` (codes, and refresh tokens
    when token rotation is on), a bot token per install, and `auth.test` per token."""

    CLIENT_ID = "1111111111.2222222222"
    CLIENT_SECRET = "test-client-secret-5b7e2a"

    def __init__(self, *, checks_tokens: bool) -> None:
        self._checks_tokens = checks_tokens
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, _Grant] = {}
        self._tokens: dict[str, Installed] = {}
        self._revoked: set[str] = set()
        self.issued: list[tuple[str, Installed]] = []  # every bot token, in order
        self.refresh_tokens: list[str] = []  # every refresh token (token rotation), in order

    def code_for(
        self,
        team_id: str | None,
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        expires_in: int | None = None,
    ) -> str:
        """The code Slack would put in the redirect after someone approves the install (used once)."""
        number = next(self._numbers)
        installed = Installed(
            team_id=None if org_wide else team_id,
            enterprise_id=enterprise_id,
            is_enterprise_install=org_wide,
            bot_user_id=f"UBOT{number:04d}",
            bot_id=f"BBOT{number:04d}",
        )
        code = f"code-{secrets.token_hex(8)}"
        with self._lock:
            self._codes[code] = _Grant(installed, expires_in)
        return code

    def tokens_of(self, workspace: str) -> list[str]:
        """The bot tokens issued for `workspace` (team or organization), oldest first."""
        with self._lock:
            return [token for token, installed in self.issued if installed.workspace == workspace]

    def revoke(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def answer(self, method: str, recorded: Recorded, params: dict[str, Any]) -> Reply | None:
        """Slack's answer when it is this class's business (None: the stand-in's usual answer)."""
        if method == "oauth.v2.access":
            return json_reply(200, self._access(recorded, params))
        token = bearer_token(recorded)
        with self._lock:
            installed = self._tokens.get(token or "")
            refused = token in self._revoked or (self._checks_tokens and installed is None)
        if refused:
            return json_reply(200, {"ok": False, "error": "invalid_auth"})
        if method == "auth.test" and installed:
            return json_reply(
                200,
                {
                    "ok": True,
                    "user_id": installed.bot_user_id,
                    "bot_id": installed.bot_id,
                    "team_id": installed.team_id,
                    "enterprise_id": installed.enterprise_id,
                    "is_enterprise_install": installed.is_enterprise_install,
                    "url": "https://test.slack.com/",
                },
            )
        return None

    def _access(self, recorded: Recorded, params: dict[str, Any]) -> dict[str, Any]:
        if _client_credentials(recorded, params) != (self.CLIENT_ID, self.CLIENT_SECRET):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                grant = self._refresh_tokens.pop(str(params.get("refresh_token")), None)
            else:
                grant = self._codes.pop(str(params.get("code")), None)
            if grant is None:
                error = "invalid_refresh_token" if params.get("grant_type") else "invalid_code"
                return {"ok": False, "error": error}
            token = f"xoxb-{grant.installed.workspace}-{secrets.token_hex(12)}"
            self._tokens[token] = grant.installed
            self.issued.append((token, grant.installed))
            answer = _access_answer(grant.installed, token)
            if grant.expires_in is not None:
                refresh_token = f"xoxe-1-{secrets.token_hex(12)}"
                self._refresh_tokens[refresh_token] = grant
                self.refresh_tokens.append(refresh_token)
                answer |= {"refresh_token": refresh_token, "expires_in": grant.expires_in}
        return answer


def _access_answer(installed: Installed, token: str) -> dict[str, Any]:
    """oauth.v2.access's answer for a bot install (no user token: the app asks for no user scopes)."""
    team = {"id": installed.team_id, "name": f"Team {installed.team_id}"} if installed.team_id else None
    enterprise = (
        {"id": installed.enterprise_id, "name": f"Org {installed.enterprise_id}"}
        if installed.enterprise_id
        else None
    )
    return {
        "ok": True,
        "app_id": "A0001",
        "access_token": token,
        "token_type": "bot",
        "scope": "commands,chat:write",
        "bot_user_id": installed.bot_user_id,
        "team": team,
        "enterprise": enterprise,
        "is_enterprise_install": installed.is_enterprise_install,
        "authed_user": {"id": "U0INSTALLER"},
    }


def _client_credentials(recorded: Recorded, params: dict[str, Any]) -> tuple[str, str]:
    """The app's client ID and secret, from HTTP Basic auth (slack_sdk's way) or the form's fields."""
    authorization = recorded.headers.get("authorization", "")
    if authorization.startswith("Basic "):
        client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        return client_id, secret
    return str(params.get("client_id")), str(params.get("client_secret"))


def bearer_token(recorded: Recorded) -> str | None:
    """The token a Web API call was made with (slack_sdk sends it as a bearer token)."""
    authorization = recorded.headers.get("authorization", "")
    return authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
