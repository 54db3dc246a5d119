"""The results thread's note about call results that could not be forwarded: one per subscription and
receiving host, never one per result.

A dead forward moves its note's `revision` on (forwards.py, in the transaction that marks it dead). A
note is due when the thread shows an older revision: the first time it is posted, afterwards edited,
at most once per `edit_interval` so a burst of failures makes a few edits, and the last state is always
shown in the end (a post or edit Slack would not take is tried again after `edit_interval` too). The
count it shows is read from `call_results` each time (the subscription's dead forwards: its forward URL
never changes, so they all went to that host), never kept in a counter, so several processes can't make
it wrong. A poster claims a due note while it shows it (a conditional
UPDATE, which one caller wins on SQLite and PostgreSQL alike); a claim left by a process that died
expires after `hold`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, true, update

from bot.store.database import call_results, forward_notes, now, run_in_thread, webhook_subscriptions
from bot.store.forwards import ForwardState
from bot.store.workspace import SINGLE


@dataclass(frozen=True)
class DueNote:
    """A note a poster now owns, with what it must say and where."""

    token_hash: str
    host: str  # '' when the URL had none that could be read
    workspace_id: str
    channel_id: str
    thread_ts: str
    language: str | None  # the thread's (its subscription's)
    note_ts: str | None  # None: not posted yet
    revision: int
    dead_forwards: int
    problem: str
    failed_at: datetime
    claimed_until: datetime  # the claim's mark: whoever holds the row with this mark owns it


class ForwardNoteStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def claim(
        self, edit_interval: timedelta, hold: timedelta, *, workspace: str | None = SINGLE
    ) -> list[DueNote]:
        """The workspace's notes (every workspace's with None) the threads show an older state of (a
        note shown less than `edit_interval` ago waits), each this caller's for `hold`."""
        return await run_in_thread(self._claim, workspace, edit_interval, hold)

    async def shown(self, note: DueNote, note_ts: str) -> None:
        """The thread now shows `note` as `note_ts`. The claim ends; nothing is recorded if another poster
        took it over."""
        await run_in_thread(self._end_claim, note, {"shown_revision": note.revision, "note_ts": note_ts})

    async def not_shown(self, note: DueNote) -> None:
        """Slack would not take `note`: the claim ends and the note stays due, tried again once
        `edit_interval` has passed."""
        await run_in_thread(self._end_claim, note, {})

    def _claim(self, workspace: str | None, edit_interval: timedelta, hold: timedelta) -> list[DueNote]:
        at = now()
        free = or_(forward_notes.c.claimed_until.is_(None), forward_notes.c.claimed_until < at)
        due = and_(
            true() if workspace is None else forward_notes.c.workspace_id == workspace,
            forward_notes.c.revision > func.coalesce(forward_notes.c.shown_revision, 0),
            or_(forward_notes.c.shown_at.is_(None), forward_notes.c.shown_at <= at - edit_interval),
            free,
        )
        dead_forwards = (
            select(func.count())
            .where(
                call_results.c.token_hash == forward_notes.c.token_hash,
                call_results.c.forward_state == ForwardState.DEAD.value,
            )
            .scalar_subquery()
        )
        query = (
            select(
                forward_notes.c.token_hash,
                forward_notes.c.host,
                forward_notes.c.workspace_id,
                webhook_subscriptions.c.channel_id,
                webhook_subscriptions.c.thread_ts,
                webhook_subscriptions.c.language,
                forward_notes.c.note_ts,
                forward_notes.c.revision,
                dead_forwards.label("dead_forwards"),
                forward_notes.c.problem,
                forward_notes.c.failed_at,
            )
            .join(webhook_subscriptions, webhook_subscriptions.c.token_hash == forward_notes.c.token_hash)
            .where(due, webhook_subscriptions.c.thread_ts.is_not(None))
        )
        claimed = []
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        for row in rows:
            note = _due(row, at + hold)
            take = (
                update(forward_notes)
                .where(_same(note), forward_notes.c.revision == note.revision, free)
                .values(claimed_until=note.claimed_until)
            )
            with self._engine.begin() as connection:
                if connection.execute(take).rowcount == 1:
                    claimed.append(note)
        return claimed

    def _end_claim(self, note: DueNote, values: dict[str, object]) -> None:
        statement = (
            update(forward_notes)
            .where(_same(note), forward_notes.c.claimed_until == note.claimed_until)
            .values(**values, shown_at=now(), claimed_until=None)
        )
        with self._engine.begin() as connection:
            connection.execute(statement)


def _same(note: DueNote) -> Any:
    return and_(
        forward_notes.c.workspace_id == note.workspace_id,
        forward_notes.c.token_hash == note.token_hash,
        forward_notes.c.host == note.host,
    )


def _due(row: Mapping[str, Any], claimed_until: datetime) -> DueNote:
    fields = dict(row)
    failed_at: datetime = fields["failed_at"]
    fields["failed_at"] = failed_at if failed_at.tzinfo else failed_at.replace(tzinfo=UTC)  # SQLite's
    return DueNote(**fields, claimed_until=claimed_until)
