"""Claiming rows for work so that each goes to one worker, whichever process it runs in.

PostgreSQL locks the chosen rows and skips those another worker holds (`FOR UPDATE SKIP LOCKED`), so
concurrent claims never wait on each other. SQLite has no row locks: each chosen row is taken with a
conditional UPDATE, and whoever changes it first owns it.

A claim is a lease (see leases.py): each row records the claim token of the store that holds it, so a
worker renews its own claims, and only its own, in one UPDATE.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, Table, update


def claim_rows(
    engine: Engine,
    query: Select[Any],
    table: Table,
    claimable: ColumnElement[bool],
    taken: dict[str, object],
) -> Sequence[Row[Any]]:
    """The rows of `query` (which selects `table.id` as `id`) now set to `taken`; `claimable` is the
    condition that makes a row free to take, checked again at the moment it is taken."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(query.with_for_update(of=table, skip_locked=True)).all()
            _take(connection, table, [row.id for row in rows], None, taken)
            return rows
        rows = connection.execute(query).all()
    claimed = []
    for row in rows:
        with engine.begin() as connection:
            if _take(connection, table, [row.id], claimable, taken):
                claimed.append(row)
    return claimed


def new_claim_token() -> str:
    """A store's mark on the rows it claims: one per store, so one per process."""
    return secrets.token_hex(8)


def renew_claims(
    engine: Engine, table: Table, ids: Collection[int], held: ColumnElement[bool], renewed: dict[str, object]
) -> int:
    """Set `renewed` on the rows of `ids` that `held` says are still the caller's; how many were."""
    with engine.begin() as connection:
        return _take(connection, table, list(ids), held, renewed)


def _take(
    connection: Connection,
    table: Table,
    ids: list[int],
    condition: ColumnElement[bool] | None,
    taken: dict[str, object],
) -> int:
    if not ids:
        return 0
    statement = update(table).where(table.c.id.in_(ids))
    if condition is not None:
        statement = statement.where(condition)
    return connection.execute(statement.values(**taken)).rowcount
