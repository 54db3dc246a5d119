"""What the database holds, counted for a metrics scrape: one GROUP BY or COUNT per figure, in one
connection, never a row's content."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from bot.store.call_results import ResultState
from bot.store.database import call_results, starleads_connections, webhook_subscriptions


@dataclass(frozen=True)
class StoredCounts:
    """Call results and forwards by state, results waiting to be posted per channel ID, and in
    distribution mode the workspaces installed and connected to Starleads (None otherwise)."""

    results: dict[str, int] = field(default_factory=dict)
    forwards: dict[str, int] = field(default_factory=dict)
    backlog: dict[str, int] = field(default_factory=dict)
    installed: int | None = None
    connected: int | None = None


def stored_counts(engine: Engine, *, installed: int | None = None) -> StoredCounts:
    """The counts of every workspace together; `installed` is counted by the caller when distributed
    (Slack's installation tables are imported only then) and marks distribution mode."""
    waiting = (ResultState.PENDING.value, ResultState.POSTING.value)
    backlog = (
        select(webhook_subscriptions.c.channel_id, func.count())
        .select_from(
            call_results.join(
                webhook_subscriptions,
                (webhook_subscriptions.c.token_hash == call_results.c.token_hash)
                & (webhook_subscriptions.c.workspace_id == call_results.c.workspace_id),
            )
        )
        .where(call_results.c.state.in_(waiting))
        .group_by(webhook_subscriptions.c.channel_id)
    )
    forward_state = call_results.c.forward_state
    with engine.connect() as connection:
        results = connection.execute(
            select(call_results.c.state, func.count()).group_by(call_results.c.state)
        ).all()
        forwards = connection.execute(
            select(forward_state, func.count()).where(forward_state.is_not(None)).group_by(forward_state)
        ).all()
        channels = connection.execute(backlog).all()
        connected = (
            connection.execute(select(func.count()).select_from(starleads_connections)).scalar()
            if installed is not None
            else None
        )
    return StoredCounts(
        results=dict(results),
        forwards=dict(forwards),
        backlog=dict(channels),
        installed=installed,
        connected=connected,
    )
