"""Fair scheduling across workspaces: one lane (an asyncio task) per workspace with work, a bounded
number at once, started round-robin and never awaited by whoever starts them.

A workspace whose Slack (or webhook) is slow, rate-limited or down keeps only its own lane busy: the
others' lanes start and finish on their own. When more workspaces have work than lanes are free, the
next round goes on from the last workspace started, so every workspace gets its turn however many
there are. The poster and the forwarder each run their own lanes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

logger = logging.getLogger(__name__)

DueWorkspaces = Callable[[int, str], Awaitable[list[str]]]
"""Up to `limit` workspaces with work, in a fixed order, starting just after the one named (""
for the first)."""

Lane = Callable[[str], Awaitable[None]]
"""One workspace's share of the work: it ends once it has done a batch."""


class Lanes:
    def __init__(self, limit: int, worker: str) -> None:
        self._limit = limit
        self._worker = worker
        self._running: dict[str, asyncio.Task[None]] = {}
        self._resume_after = ""  # where the next round goes on when the last one left some out

    async def start_due(self, due: DueWorkspaces, also: Iterable[str], lane: Lane) -> None:
        """Start `lane` for each workspace `due` names (then each of `also`) that has none running,
        as many as there are free lanes."""
        free = self._limit - len(self._running)
        if free <= 0:
            return
        wanted = free + len(self._running)  # the running lanes' workspaces may be among those named
        ahead = await due(wanted, self._resume_after)
        wrapped = await due(wanted, "") if self._resume_after and len(ahead) < wanted else []
        in_turn = [w for w in dict.fromkeys([*ahead, *wrapped]) if w not in self._running]
        waiting = in_turn + [w for w in dict.fromkeys(also) if w not in self._running and w not in in_turn]
        started = waiting[:free]
        for workspace in started:
            self._start(workspace, lane)
        # Some left out (or maybe more than asked for): the next round goes on after the last started.
        left_out = len(ahead) >= wanted or len(in_turn) > free
        self._resume_after = next((w for w in reversed(started) if w in in_turn), "") if left_out else ""

    def stop(self) -> None:
        """Cancel every running lane (their claims are taken again once their leases run out)."""
        for task in list(self._running.values()):
            task.cancel()

    def _start(self, workspace: str, lane: Lane) -> None:
        task = asyncio.create_task(self._logged(workspace, lane), name=f"{self._worker}_lane")
        self._running[workspace] = task
        task.add_done_callback(lambda _: self._running.pop(workspace, None))

    async def _logged(self, workspace: str, lane: Lane) -> None:
        """A failed lane is logged; its workspace gets a new one at a later round."""
        try:
            await lane(workspace)
        except Exception:
            logger.exception("%s_lane_failed workspace=%s", self._worker, workspace)
