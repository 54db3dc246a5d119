"""Work that runs after Slack has its answer.

Listeners answer Slack first (Bolt runs with `process_before_response`, so the HTTP response leaves
as soon as the listener returns) and hand slow work (Web API calls, Starleads) to `AfterAck`. Unlike
Bolt's lazy listeners it copies nothing, keeps the pooled HTTP session, logs failures, and lets a
shutdown wait for work in flight instead of dropping a campaign half-created.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.slack.languages import settle_language
from bot.slack.tenancy import WorkspaceUnreachable

logger = logging.getLogger(__name__)


class AfterAck:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        """Work started and not yet finished (`/healthz` reports it, so a deploy can wait for zero)."""
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, grace_seconds: float) -> None:
        """Let work in flight finish (a shutdown must not drop a create half-way)."""
        if self._tasks:
            logger.info("waiting_for_background_work count=%d", len(self._tasks))
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None], name: str) -> None:
        # Let the ack's response be written first (the request's task writes it without waiting once
        # the listener returns): otherwise the work's opening CPU runs before it and Slack waits for
        # nothing. One turn of the loop, not a timed head start: a few milliseconds' sleep left the loop
        # idle in a burst of commands and put the last forms ~20 % later (benchmarks/README.md).
        await asyncio.sleep(0)
        try:
            await settle_language()  # a slash command's person's, looked up while it acked
            await work
        except WorkspaceUnreachable as error:  # e.g. its uninstall event never came: nothing to fix here
            logger.warning(
                "background_work_dropped name=%s workspace=%s reason=%s", name, error, error.reason
            )
        except Exception:
            logger.exception("background_work_failed name=%s", name)
