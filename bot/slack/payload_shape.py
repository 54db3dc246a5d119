"""The shape Bolt's routing trusts, checked before it routes: a payload that lacks it is answered 400.

Bolt matches listeners by reading `actions[0]["action_id"]`, `view["callback_id"]` and the like without
checking types, so a signed but malformed payload would raise inside its dispatch and end as a 500
with a traceback. Only the fields routing reads are checked here; listeners read the rest defensively.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.request_middleware import Next

logger = logging.getLogger(__name__)

_OBJECT_FIELDS = ("view", "user", "team", "container", "channel")


def shape_problem(body: Any) -> str | None:
    """What is wrong with the payload's routing fields (a word for the log), or None."""
    if not isinstance(body, dict):
        return "not_an_object"
    for name in _OBJECT_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], dict):
            return f"{name}_not_an_object"
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "actions_not_a_list"
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "action_without_id"
    return None


async def refuse_malformed(request: AsyncBoltRequest, proceed: Next) -> BoltResponse | None:
    """Bolt middleware (`RequestMiddleware`): a payload routing can't read gets 400 and one log line,
    not a listener."""
    problem = shape_problem(request.body)
    if problem:
        logger.warning("slack_request_malformed reason=%s", problem)
        return BoltResponse(status=400, body="Malformed request")
    await proceed()
    return None
