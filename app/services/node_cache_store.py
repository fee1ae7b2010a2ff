"""The node output cache in the database: `app.engine.node_cache.NodeCache` on node_cache.

One primary-key SELECT per lookup (on the services' database threads, in a deferred
transaction: a read never takes SQLite's write lock) and one upsert per stored output (in
the group-commit writer's transactions); SQLAlchemy Core, no ORM objects. Hits are
remembered and their `last_used_at` refreshed in one UPDATE when the run ends
(`touch_hits`), so reuse costs no write per node.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.engine.node_cache import CachedOutput
from app.models.node_cache import NodeCacheEntry
from app.models.types import utc_now
from app.services.db_threads import run_db, run_write

NODE_CACHE: Table = NodeCacheEntry.__table__  # type: ignore[attr-defined]

_GET = select(NODE_CACHE.c.output, NODE_CACHE.c.taken_handles, NODE_CACHE.c.variables).where(
    NODE_CACHE.c.cache_key == bindparam("cache_key")
)
_UPDATED_ON_PUT = ("workflow_id", "node_id", "node_type", "output", "taken_handles", "variables")


class SqlNodeCache:
    """The node cache of one run, on the app's database.

    Args:
        engine: the database.
        workflow_id: the workflow whose run stores entries (kept on them for pruning/debug).
    """

    def __init__(self, engine: Engine, *, workflow_id: int | None) -> None:
        self._engine = engine
        self._reader = engine.execution_options(sqlite_begin="DEFERRED")
        self._workflow_id = workflow_id
        self._nodes: dict[str, tuple[str, str]] = {}
        self.hits: set[str] = set()

    def describe(self, key: str, *, node_id: str, node_type: str) -> None:
        """Say which node a key belongs to (the engine's `put` passes only the key)."""
        self._nodes[key] = (node_id, node_type)

    async def get(self, key: str) -> CachedOutput | None:
        """The output stored under this key, or None (read off the event loop)."""
        row = await run_db(self._read, key)
        if row is None:
            return None
        self.hits.add(key)
        taken = frozenset(row.taken_handles) if row.taken_handles is not None else None
        return CachedOutput(row.output, taken, row.variables or {})

    async def put(self, key: str, record: CachedOutput) -> None:
        """Store (or replace) a succeeded node's output under its key."""
        node_id, node_type = self._nodes.get(key, ("", ""))
        now = utc_now()
        values = {
            "cache_key": key,
            "workflow_id": self._workflow_id,
            "node_id": node_id,
            "node_type": node_type,
            "output": record.output,
            "taken_handles": sorted(record.taken_handles)
            if record.taken_handles is not None
            else None,
            "variables": record.variables or None,
            "created_at": now,
            "last_used_at": now,
        }
        await run_write(_write, values)

    def _read(self, key: str) -> Any:
        # A plain read: a deferred transaction, so SQLite's write lock is not taken.
        with self._reader.connect() as connection:
            return connection.execute(_GET, {"cache_key": key}).first()

    def touch_hits(self, connection: Connection, now: datetime | None = None) -> None:
        """Refresh `last_used_at` of every entry this run reused (one UPDATE)."""
        if not self.hits:
            return
        connection.execute(
            update(NODE_CACHE)
            .where(NODE_CACHE.c.cache_key.in_(sorted(self.hits)))
            .values(last_used_at=now or utc_now())
        )
        self.hits.clear()


def _write(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(_upsert(connection, values))


def _upsert(connection: Connection, values: dict[str, Any]) -> Any:
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(NODE_CACHE).values(values)
    changed = {name: statement.excluded[name] for name in _UPDATED_ON_PUT}
    changed["last_used_at"] = statement.excluded.last_used_at
    return statement.on_conflict_do_update(index_elements=["cache_key"], set_=changed)


def cached_outputs(connection: Connection, keys: set[str]) -> dict[str, Any]:
    """Outputs stored under these keys (missing keys are left out)."""
    if not keys:
        return {}
    rows = connection.execute(
        select(NODE_CACHE.c.cache_key, NODE_CACHE.c.output).where(
            NODE_CACHE.c.cache_key.in_(sorted(keys))
        )
    )
    return {row.cache_key: row.output for row in rows}


def prune_node_cache(
    session: Session, *, unused_for: timedelta, now: datetime | None = None
) -> int:
    """Delete entries no run has stored or reused for `unused_for`; returns how many."""
    cutoff = (now or utc_now()) - unused_for
    result = session.connection().execute(
        delete(NODE_CACHE).where(NODE_CACHE.c.last_used_at < cutoff)
    )
    return int(result.rowcount or 0)
