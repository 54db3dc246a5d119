"""`POST /starleads/webhook/{token}`: Starleads' call results, stored before they are acknowledged.

Starleads documents no signature and no retry policy. So the unguessable token in the URL is the only
credential, the answer must come fast, and a 200 must mean the result is committed: nothing says
Starleads would ever send it again. Each delivery logs one line that names the subscription by a
prefix of its token's hash, never the token, the stored result's id (`result`, as the poster's and
forwarder's lines name it) and Starleads' item id, and nothing personal from the payload; in JSON,
also the subscription's campaign and channel.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from bot.call_results import CallResult
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.call_results.tokens import token_label
from bot.http_body import BodyTooLarge, read_at_most
from bot.logs import logging_about
from bot.metrics import INTAKE_SECONDS, WEBHOOKS

logger = logging.getLogger(__name__)

MAX_WEBHOOK_BODY_BYTES = 256 * 1024
_UNSAFE_IN_LOG = re.compile(r"[^A-Za-z0-9_.:-]")

Endpoint = Callable[[Request], Awaitable[Response]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Refusal:
    status: int
    outcome: str
    error: str


_UNKNOWN = _Refusal(404, "unknown_token", "unknown webhook")
# The workspace uninstalled the app: 410 tells Starleads the address is gone for good.
_RETIRED = _Refusal(410, "retired_token", "this webhook's Slack workspace uninstalled the Starleads bot")
_TOO_LARGE = _Refusal(413, "too_large", f"body too large (limit {MAX_WEBHOOK_BODY_BYTES // 1024} KiB)")
_NOT_AN_OBJECT = _Refusal(400, "malformed", "the body must be a JSON object")
_CUT_SHORT = _Refusal(400, "disconnected", "the body was cut short")
_UNAVAILABLE = _Refusal(503, "store_failed", "the result could not be stored; send it again")


class _Refused(Exception):
    def __init__(self, refusal: _Refusal) -> None:
        super().__init__(refusal.outcome)
        self.refusal = refusal


def webhook_endpoint(
    subscriptions: Subscriptions, results: ResultQueue, on_stored: Callable[[], None]
) -> Endpoint:
    """`on_stored` is told after each new result's commit (the poster wakes up rather than polls)."""

    async def receive(request: Request) -> Response:
        received = time.perf_counter()
        token = str(request.path_params["token"])
        label, item = token_label(token), "-"
        try:
            subscription = await _guarded(subscriptions.find(token))
            if subscription is None:
                raise _Refused(_RETIRED if await _guarded(subscriptions.retired(token)) else _UNKNOWN)
        except _Refused as refused:
            return _refuse(label, item, refused.refusal)
        with logging_about(campaign=subscription.campaign_id, channel=subscription.channel_id):
            try:
                raw = await _read_at_most(request, MAX_WEBHOOK_BODY_BYTES)
                result = CallResult.read(_json_object(raw))
                if result.is_test_payload:
                    _log(label, item, "test_payload")
                    return JSONResponse({"status": "test payload received"})
                item = _UNSAFE_IN_LOG.sub("?", result.item_id or "")[:64]
                kept = await _guarded(results.add(subscription, result, raw))
            except _Refused as refused:
                return _refuse(label, item, refused.refusal)
            if kept.new:
                INTAKE_SECONDS.observe(time.perf_counter() - received)
                on_stored()
            outcome = "stored" if kept.new else "duplicate"
            _log(label, item, outcome, result=kept.id)
            return JSONResponse({"status": outcome})

    return receive


async def _guarded(work: Awaitable[_T]) -> _T:
    """A database failure answers 503 and logs its kind only: its message would quote the payload."""
    try:
        return await work
    except SQLAlchemyError as error:
        raise _Refused(replace(_UNAVAILABLE, outcome=f"store_failed error={type(error).__name__}")) from None


async def _read_at_most(request: Request, limit: int) -> str:
    """The body as text, within the limit (counted as received: Content-Length may be absent or lie)."""
    try:
        return (await read_at_most(request, limit)).decode("utf-8")
    except BodyTooLarge:
        raise _Refused(_TOO_LARGE) from None
    except ClientDisconnect:
        raise _Refused(_CUT_SHORT) from None
    except UnicodeDecodeError:
        raise _Refused(_NOT_AN_OBJECT) from None


def _json_object(raw: str) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise _Refused(_NOT_AN_OBJECT) from None
    if not isinstance(body, dict):
        raise _Refused(_NOT_AN_OBJECT)
    return body


def _refuse(label: str, item: str, refusal: _Refusal) -> Response:
    _log(label, item, refusal.outcome, logging.ERROR if refusal.status >= 500 else logging.WARNING)
    return JSONResponse({"error": refusal.error}, status_code=refusal.status)


def _log(
    label: str, item: str, outcome: str, level: int = logging.INFO, *, result: int | None = None
) -> None:
    """One line and one count per delivery (the count by the outcome's kind, without its details);
    `result` when one holds the delivery (stored now, or earlier for a duplicate)."""
    WEBHOOKS.labels(outcome.split()[0]).inc()
    held = "" if result is None else f" result={result}"
    logger.log(level, "webhook_received token=%s%s item=%s outcome=%s", label, held, item, outcome)
