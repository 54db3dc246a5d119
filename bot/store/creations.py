"""Campaign creations keyed by the Slack view they came from: the guard against creating twice.

A key is claimed with one INSERT (the primary key makes it atomic across threads and processes). A
claim on a key that failed for sure, or whose outcome the user chose to retry, is taken back with a
conditional UPDATE, so two simultaneous retries still yield one attempt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Engine, RowMapping, and_, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from bot.store.database import creations, now, run_in_thread
from bot.store.workspace import SINGLE


class CreationState(StrEnum):
    CREATING = "creating"
    CREATED = "created"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CreationRecord:
    key: str
    state: CreationState
    draft_input: dict[str, Any]
    user_id: str
    channel_id: str
    campaign: dict[str, Any] | None
    agent_name: str | None
    late_lookup: str | None = None
    """After an unknown outcome: how to recognise its campaign (as the domain wrote it), until the
    campaign has been looked for."""
    workspace: str = SINGLE
    language: str | None = None  # its creator's, when the claim was made (None: from before languages)


@dataclass(frozen=True)
class Claim:
    """The result of asking to create: `granted` means this caller, and only it, calls Starleads now."""

    granted: bool
    record: CreationRecord


class CreationStore:
    def __init__(self, engine: Engine, *, stale_after: timedelta = timedelta(minutes=5)) -> None:
        self._engine = engine
        self._stale_after = stale_after

    async def claim(
        self,
        key: str,
        *,
        fingerprint: str,
        draft_input: dict[str, Any],
        user_id: str,
        channel_id: str,
        after_unknown: bool = False,
        language: str | None = None,
        workspace: str = SINGLE,
    ) -> Claim:
        """Reserve `key` for one attempt at Starleads.

        Granted for a new key, and again after an attempt that failed for sure. After an attempt whose
        outcome is unknown, only when the user chose to try again anyway (`after_unknown`). An attempt
        left "creating" for longer than `stale_after` (its process died) becomes unknown first.
        `language`: the creator's, which what a stop leaves to a later process (late lookups) speaks.
        """
        states = [CreationState.FAILED, CreationState.UNKNOWN] if after_unknown else [CreationState.FAILED]
        mine = _Key(workspace, key)
        person = {"user_id": user_id, "channel_id": channel_id, "language": language}
        return await run_in_thread(self._claim, mine, fingerprint, draft_input, person, states)

    async def get(self, key: str, *, workspace: str = SINGLE) -> CreationRecord | None:
        return await run_in_thread(self._get, _Key(workspace, key))

    async def finish(
        self,
        key: str,
        state: CreationState,
        *,
        campaign: dict[str, Any] | None = None,
        agent_name: str | None = None,
        late_lookup: str | None = None,
        only_if: tuple[CreationState, ...] = (CreationState.CREATING,),
        workspace: str = SINGLE,
    ) -> bool:
        """Record how the attempt ended; False if the key is no longer in one of the `only_if` states."""
        values: dict[str, Any] = {
            "state": state.value,
            "updated_at": now(),
            # Starleads' agent names have no length limit; the name is only shown, so a cut one will do.
            "agent_name": agent_name[: creations.c.agent_name.type.length] if agent_name else None,
            "late_lookup": late_lookup,
        }
        if campaign is not None:
            values |= {"campaign_id": str(campaign.get("id")), "campaign_json": json.dumps(campaign)}
        statement = (
            update(creations)
            .where(_Key(workspace, key).row, creations.c.state.in_([state.value for state in only_if]))
            .values(**values)
        )
        result = await run_in_thread(self._execute, statement)
        return bool(result.rowcount == 1)

    async def end_lookup(self, key: str, late_lookup: str, *, workspace: str = SINGLE) -> None:
        """This lookup has been done: a restart won't do it again (a later attempt's stays)."""
        done = and_(_Key(workspace, key).row, creations.c.late_lookup == late_lookup)
        await run_in_thread(self._execute, update(creations).where(done).values(late_lookup=None))

    async def unfinished_lookups(
        self, within: timedelta, *, workspace: str | None = SINGLE
    ) -> list[CreationRecord]:
        """Unknown outcomes of the last `within` whose campaign a stopped process was still looking for,
        in `workspace` (None: in every workspace)."""
        return await run_in_thread(self._unfinished_lookups, workspace, within)

    def _unfinished_lookups(self, workspace: str | None, within: timedelta) -> list[CreationRecord]:
        query = select(creations).where(
            creations.c.workspace_id == workspace if workspace is not None else true(),
            creations.c.state == CreationState.UNKNOWN.value,
            creations.c.late_lookup.is_not(None),
            creations.c.updated_at > now() - within,
        )
        with self._engine.connect() as connection:
            return [_record(row) for row in connection.execute(query).mappings()]

    async def campaign_ids(self, *, workspace: str = SINGLE) -> set[str]:
        """IDs of every campaign this bot created in the workspace, so a late lookup never claims
        another's campaign."""
        return await run_in_thread(self._campaign_ids, workspace)

    def _campaign_ids(self, workspace: str) -> set[str]:
        query = select(creations.c.campaign_id).where(
            creations.c.workspace_id == workspace, creations.c.campaign_id.is_not(None)
        )
        with self._engine.connect() as connection:
            return {str(row[0]) for row in connection.execute(query)}

    def _claim(
        self,
        key: _Key,
        fingerprint: str,
        draft_input: dict[str, Any],
        person: dict[str, str | None],
        retryable: list[CreationState],
    ) -> Claim:
        stamp = now()
        fresh = {
            "state": CreationState.CREATING.value,
            "fingerprint": fingerprint,
            "draft_input": json.dumps(draft_input),
            **person,
            "updated_at": stamp,
        }
        try:
            self._execute(insert(creations).values(**key.values, created_at=stamp, attempts=1, **fresh))
        except IntegrityError:
            self._execute(
                update(creations)
                .where(
                    key.row,
                    creations.c.state == CreationState.CREATING.value,
                    creations.c.updated_at < stamp - self._stale_after,
                )
                .values(state=CreationState.UNKNOWN.value, updated_at=stamp)
            )
            retried = self._execute(
                update(creations)
                .where(key.row, creations.c.state.in_([s.value for s in retryable]))
                .values(attempts=creations.c.attempts + 1, **fresh)
            )
            record = self._get(key)
            if record is None:  # none of this workspace: the database refused the row itself
                raise
            return Claim(granted=retried.rowcount == 1, record=record)
        record = self._get(key)
        assert record is not None  # noqa: S101 - inserted above
        return Claim(granted=True, record=record)

    def _get(self, key: _Key) -> CreationRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(creations).where(key.row)).mappings().first()
        return None if row is None else _record(row)

    def _execute(self, statement: Any) -> Any:
        with self._engine.begin() as connection:
            return connection.execute(statement)


@dataclass(frozen=True)
class _Key:
    """A creation as its workspace knows it: a view ID is unique anyway, but no workspace may read or
    take over another's row."""

    workspace: str
    key: str

    @property
    def row(self) -> ColumnElement[bool]:
        return and_(creations.c.workspace_id == self.workspace, creations.c.key == self.key)

    @property
    def values(self) -> dict[str, str]:
        return {"workspace_id": self.workspace, "key": self.key}


def _record(row: RowMapping) -> CreationRecord:
    return CreationRecord(
        key=row["key"],
        state=CreationState(row["state"]),
        draft_input=json.loads(row["draft_input"]),
        user_id=row["user_id"],
        channel_id=row["channel_id"],
        campaign=json.loads(row["campaign_json"]) if row["campaign_json"] else None,
        agent_name=row["agent_name"],
        late_lookup=row["late_lookup"],
        workspace=row["workspace_id"],
        language=row["language"],
    )
