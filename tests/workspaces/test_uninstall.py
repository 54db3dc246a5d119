"""A workspace that uninstalls leaves nothing of its own behind but the audit trail, its webhook
addresses answer as retired, and no other workspace loses anything: on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from bot.call_results.subscriptions import Subscriptions
from bot.slack.background import AfterAck
from bot.slack.tenancy import NotInstalled
from bot.store import (
    AuditStore,
    ChannelPreferences,
    CreationState,
    CreationStore,
    ForwardStore,
    PreferenceStore,
    SubscriptionStore,
    UninstallStore,
)
from bot.store.database import create_attempts, metadata, now, starleads_connections
from bot.workspaces.uninstall import WorkspaceRemoval
from tests.races import held_read
from tests.store_rows import LEASE, THREAD, add_results, two_workspaces, unique_id

KEPT = {"create_attempts", "retired_webhooks", "alembic_version"}
FORWARD_URL = "https://hooks.example.com/in"


def fill(engine: Engine, workspace: str) -> str:
    """Something of `workspace` in every table; returns its webhook token."""
    channel = unique_id("C")
    preferences = PreferenceStore(engine)
    asyncio.run(preferences.remember(channel, ChannelPreferences(agent_id="agent-1"), workspace=workspace))
    asyncio.run(preferences.first_notice(channel, "U0ALICE", "invite", workspace=workspace))
    creations, key = CreationStore(engine), unique_id("V")
    claim = creations.claim(
        key,
        fingerprint="f",
        draft_input={"name": "X"},
        user_id="U0ALICE",
        channel_id=channel,
        workspace=workspace,
    )
    assert asyncio.run(claim).granted
    asyncio.run(creations.finish(key, CreationState.UNKNOWN, late_lookup="look-for-X", workspace=workspace))
    audit = AuditStore(engine).record(
        user_id="U0ALICE", channel_id=channel, creation_key=key, outcome="unknown", workspace=workspace
    )
    asyncio.run(audit)
    subscriptions = Subscriptions(SubscriptionStore(engine))
    token = asyncio.run(
        subscriptions.create(
            channel, "U0ALICE", forward_url=FORWARD_URL, thread_ts=THREAD, workspace=workspace
        )
    )
    subscription = asyncio.run(subscriptions.find(token))
    assert subscription is not None
    add_results(engine, subscription, 2)
    forwards = ForwardStore(engine)
    (forward, *_) = asyncio.run(forwards.claim(1, LEASE, workspace=workspace))
    asyncio.run(forwards.gave_up(forward, "hooks.example.com", "HTTP 500"))
    with engine.begin() as connection:
        connection.execute(
            insert(starleads_connections).values(
                workspace_id=workspace,
                encrypted_key="gAAAA-token",
                connected_by="U0ALICE",
                connected_at=now(),
            )
        )
    return token


def rows_of(engine: Engine, workspace: str) -> dict[str, int]:
    counts = {}
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            if "workspace_id" in table.c:
                query = select(func.count()).select_from(table).where(table.c.workspace_id == workspace)
                counts[name] = connection.execute(query).scalar_one()
    return counts


def test_an_uninstalled_workspace_keeps_only_its_audit_trail_and_its_addresses_are_retired(
    engines: list[Engine],
) -> None:
    a, b = two_workspaces()
    tokens = {workspace: fill(engines[0], workspace) for workspace in (a, b)}
    before_b = rows_of(engines[0], b)
    # A second process had found a's subscription already, and answers deliveries from memory.
    elsewhere = Subscriptions(SubscriptionStore(engines[1]))
    assert asyncio.run(elsewhere.find(tokens[a])) is not None
    here = Subscriptions(SubscriptionStore(engines[0]))
    removal = WorkspaceRemoval(UninstallStore(engines[0]), [here.forget_seen, elsewhere.forget_seen])

    asyncio.run(removal.forget(a))

    left = rows_of(engines[0], a)
    assert {name: count for name, count in left.items() if count and name not in KEPT} == {}
    assert left["create_attempts"] == 1, "the audit trail keeps its rows"
    assert left["retired_webhooks"] == 1
    assert rows_of(engines[0], b) == before_b, "another workspace keeps everything"
    for subscriptions in (here, elsewhere):
        assert asyncio.run(subscriptions.find(tokens[a])) is None
        assert asyncio.run(subscriptions.retired(tokens[a])) is True
        assert asyncio.run(subscriptions.find(tokens[b])) is not None
        assert asyncio.run(subscriptions.retired(tokens[b])) is False
    assert asyncio.run(CreationStore(engines[1]).unfinished_lookups(timedelta(hours=1), workspace=a)) == []


def test_a_delivery_looked_up_before_an_uninstall_does_not_keep_the_subscription_alive(
    engines: list[Engine],
) -> None:
    a, _ = two_workspaces()
    token = fill(engines[0], a)
    subscriptions = Subscriptions(SubscriptionStore(engines[0]))
    removal = WorkspaceRemoval(UninstallStore(engines[0]), [subscriptions.forget_seen])

    async def race() -> tuple[object, object]:
        with held_read(engines[0], "webhook_subscriptions") as held:
            early = asyncio.create_task(subscriptions.find(token))  # a delivery, as the workspace leaves
            await held.found()
            await removal.forget(a)
        return await early, await subscriptions.find(token)

    early, next_delivery = asyncio.run(race())

    assert early is not None  # looked up before the uninstall
    assert next_delivery is None
    assert asyncio.run(subscriptions.retired(token)) is True


def test_forgetting_a_workspace_twice_retires_its_addresses_once(engines: list[Engine]) -> None:
    a, _ = two_workspaces()
    token = fill(engines[0], a)
    removal = WorkspaceRemoval(UninstallStore(engines[0]), [])

    asyncio.run(removal.forget(a))
    asyncio.run(removal.forget(a))

    assert rows_of(engines[0], a)["retired_webhooks"] == 1
    assert asyncio.run(Subscriptions(SubscriptionStore(engines[1])).retired(token)) is True
    with engines[0].connect() as connection:
        audit = select(func.count()).select_from(create_attempts).where(create_attempts.c.workspace_id == a)
        assert connection.execute(audit).scalar_one() == 1


def test_work_for_a_workspace_gone_without_its_uninstall_event_is_dropped_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """E.g. a campaign found late, whose card would go to a workspace that uninstalled the app while
    the bot was down: the operator gets one line saying so, not a traceback to wonder about."""

    async def post_the_card() -> None:
        raise NotInstalled("T0GONE")

    async def run() -> None:
        after_ack = AfterAck()
        after_ack.start(post_the_card(), "confirm_late_campaign")
        await after_ack.drain(grace_seconds=5)

    with caplog.at_level(logging.INFO):
        asyncio.run(run())

    [line] = [record for record in caplog.records if "confirm_late_campaign" in record.getMessage()]
    assert line.levelname == "WARNING"
    assert line.getMessage() == (
        "background_work_dropped name=confirm_late_campaign workspace=T0GONE reason=not_installed"
    )
    assert line.exc_info is None
