"""One pool of connections to Starleads for every workspace, each request with its own workspace's key."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from bot.later import Later
from bot.starleads import StarleadsClient, starleads_pool


def test_clients_sharing_one_pool_each_send_their_own_key_and_log_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[str | None] = []

    def starleads(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("x-api-key"))
        return httpx.Response(200, json=[])

    async def both_workspaces() -> None:
        transport = httpx.MockTransport(starleads)
        pool = Later(lambda: httpx.AsyncClient(base_url="https://api.starleads.test", transport=transport))
        of_a = StarleadsClient(pool, "key-of-workspace-a")
        of_b = StarleadsClient(pool, "key-of-workspace-b")
        await asyncio.gather(of_a.list_campaigns(), of_b.list_campaigns(), of_a.list_campaigns())
        await (await pool.get()).aclose()

    with caplog.at_level(logging.INFO):
        asyncio.run(both_workspaces())

    assert sorted(sent) == ["key-of-workspace-a", "key-of-workspace-a", "key-of-workspace-b"]
    assert "starleads_call" in caplog.text
    assert "key-of-workspace" not in caplog.text


def test_the_shared_pool_itself_carries_no_key() -> None:
    async def headers() -> httpx.Headers:
        pool = starleads_pool("https://api.starleads.test", timeout_seconds=5)
        try:
            return (await pool.get()).headers
        finally:
            await pool.aclose()

    assert "x-api-key" not in asyncio.run(headers())
