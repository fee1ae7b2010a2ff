"""Circuit breaker states in the app database (`llm_breaker`), shared by every worker on any
host that uses the same database.

Updates are atomic read-modify-writes: on PostgreSQL the row is locked with
`SELECT ... FOR UPDATE` (created first if missing, so two workers cannot both insert it);
on SQLite the engine starts every write transaction with `BEGIN IMMEDIATE`, which locks the
database for the transaction. A change that leaves the state as it is (the common case: a
closed breaker letting a call through) is answered from a plain read and takes no lock: it
is equivalent to the same change applied atomically at the moment of that read.

The breaker calls the store from the LLM client, on the event loop: every method runs its
SQL on the database threads (`run_db`), never on the loop.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.llm.breaker_store import BreakerPhase, BreakerState, Change
from app.models.db import get_engine
from app.models.llm import LLMBreaker
from app.services.db_threads import run_db

T = TypeVar("T")

BREAKERS: Table = LLMBreaker.__table__  # type: ignore[attr-defined]


def state_from_row(row: Row[Any]) -> BreakerState:
    """A breaker state from an `llm_breaker` row."""
    return BreakerState(
        phase=BreakerPhase(row.phase),
        failures=tuple(float(t) for t in row.failures or ()),
        opened_at=row.opened_at,
        probe_started_at=row.probe_started_at,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )


def _values(state: BreakerState) -> dict[str, Any]:
    return {
        "phase": state.phase.value,
        "failures": list(state.failures),
        "opened_at": state.opened_at,
        "probe_started_at": state.probe_started_at,
        "last_error": state.last_error,
        "updated_at": state.updated_at,
    }


class SqlBreakerStore:
    """A `BreakerStore` on the app database (SQLite or PostgreSQL).

    Note that `update` may call `change` twice (once on a plain read, once under the lock);
    breaker changes are pure functions of the state, so that is safe.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        """Creates the store.

        Args:
            engine: the database; None uses the process-wide engine at each call (so a
                store created once follows `configure_engine`).
        """
        self._engine = engine

    def _bind(self) -> Engine:
        return self._engine if self._engine is not None else get_engine()

    def _read(self, connection: Connection, name: str, *, lock: bool) -> BreakerState | None:
        query = select(BREAKERS).where(BREAKERS.c.deployment == name)
        if lock and connection.dialect.name != "sqlite":
            query = query.with_for_update()
        row = connection.execute(query).first()
        return None if row is None else state_from_row(row)

    async def update(self, name: str, change: Change[T]) -> T:
        """See `BreakerStore.update` (the SQL runs on the database threads)."""
        return await run_db(self._update, name, change)

    def _update(self, name: str, change: Change[T]) -> T:
        engine = self._bind()
        with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
            seen = self._read(connection, name, lock=False) or BreakerState()
        new, result = change(seen)
        if new is seen:
            return result
        with engine.begin() as connection:
            current = self._lock(connection, name)
            base = current or BreakerState()
            new, result = change(base)
            if new is not base:
                self._write(connection, name, new, exists=current is not None)
        return result

    def _lock(self, connection: Connection, name: str) -> BreakerState | None:
        if connection.dialect.name == "postgresql":
            # Lock a row that surely exists: FOR UPDATE on a missing row locks nothing.
            connection.execute(
                pg_insert(BREAKERS)
                .values(deployment=name, **_values(BreakerState()))
                .on_conflict_do_nothing(index_elements=[BREAKERS.c.deployment])
            )
        return self._read(connection, name, lock=True)

    def _write(
        self, connection: Connection, name: str, state: BreakerState, *, exists: bool
    ) -> None:
        if exists:
            connection.execute(
                update(BREAKERS).where(BREAKERS.c.deployment == name).values(**_values(state))
            )
        else:
            connection.execute(insert(BREAKERS).values(deployment=name, **_values(state)))

    async def get(self, name: str) -> BreakerState:
        """See `BreakerStore.get` (the SQL runs on the database threads)."""
        return await run_db(self._get, name)

    def _get(self, name: str) -> BreakerState:
        with self._bind().execution_options(sqlite_begin="DEFERRED").connect() as connection:
            return self._read(connection, name, lock=False) or BreakerState()

    async def all(self) -> dict[str, BreakerState]:
        """See `BreakerStore.all` (the SQL runs on the database threads)."""
        return await run_db(self._all)

    def _all(self) -> dict[str, BreakerState]:
        with self._bind().execution_options(sqlite_begin="DEFERRED").connect() as connection:
            rows = connection.execute(select(BREAKERS).order_by(BREAKERS.c.deployment)).all()
        return {row.deployment: state_from_row(row) for row in rows}
