"""Lanes, fast and without Slack: a bounded number of workspaces worked on at once, each in turn
however many have work, and a slow one never holding back the others."""

from __future__ import annotations

import asyncio

from bot.call_results.lanes import DueWorkspaces, Lanes

WORKSPACES = ["T1", "T2", "T3", "T4", "T5"]


def due_from(workspaces: list[str]) -> DueWorkspaces:
    """The store's answer: those after `after`, in order, at most `limit`."""

    async def due(limit: int, after: str) -> list[str]:
        return [w for w in sorted(workspaces) if w > after][:limit]

    return due


def test_every_workspace_gets_its_turn_when_more_have_work_than_lanes_are_free() -> None:
    started: list[str] = []

    async def rounds() -> None:
        lanes = Lanes(2, "test")

        async def lane(workspace: str) -> None:
            started.append(workspace)

        for _ in range(4):
            await lanes.start_due(due_from(WORKSPACES), [], lane)
            await asyncio.sleep(0)  # the lanes run, and end
            await asyncio.sleep(0)

    asyncio.run(rounds())

    assert started == ["T1", "T2", "T3", "T4", "T5", "T1", "T2", "T3"]


def test_a_workspace_whose_lane_is_still_busy_is_skipped_and_the_others_go_on() -> None:
    started: list[str] = []

    async def rounds() -> None:
        lanes = Lanes(3, "test")
        stuck = asyncio.Event()

        async def lane(workspace: str) -> None:
            started.append(workspace)
            if workspace == "T1":
                await stuck.wait()  # its Slack makes it wait

        for _ in range(3):
            await lanes.start_due(due_from(["T1", "T2"]), ["T9"], lane)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        lanes.stop()

    asyncio.run(rounds())

    assert started.count("T1") == 1
    assert started.count("T2") == started.count("T9") == 3
