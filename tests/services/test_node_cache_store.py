"""The node cache in the database, on SQLite and PostgreSQL: lookups, upserts, hits, pruning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from app.engine.node_cache import CachedOutput
from app.models.node_cache import NodeCacheEntry
from app.services.node_cache_store import SqlNodeCache, cached_outputs, prune_node_cache
from app.services.unit_of_work import session_scope

KEY = "a" * 64
OTHER = "b" * 64


def _entry(engine: Engine, key: str) -> NodeCacheEntry | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(NodeCacheEntry.__table__).where(NodeCacheEntry.__table__.c.cache_key == key)  # type: ignore[attr-defined]
        ).first()
    return None if row is None else NodeCacheEntry.model_validate(row, from_attributes=True)


async def test_put_then_get_round_trips_output_handles_and_variables(engine: Engine) -> None:
    cache = SqlNodeCache(engine, workflow_id=7)
    assert await cache.get(KEY) is None
    cache.describe(KEY, node_id="check", node_type="condition")
    stored = CachedOutput({"n": [1, 2]}, frozenset({"true"}), {"count": 3})
    await cache.put(KEY, stored)

    assert await cache.get(KEY) == stored
    entry = _entry(engine, KEY)
    assert entry is not None
    assert (entry.workflow_id, entry.node_id, entry.node_type) == (7, "check", "condition")
    assert entry.taken_handles == ["true"]


async def test_a_second_put_replaces_the_entry(engine: Engine) -> None:
    first = SqlNodeCache(engine, workflow_id=1)
    await first.put(KEY, CachedOutput("old"))
    second = SqlNodeCache(engine, workflow_id=2)
    second.describe(KEY, node_id="n", node_type="transform")
    await second.put(KEY, CachedOutput("new"))

    assert await second.get(KEY) == CachedOutput("new")
    entry = _entry(engine, KEY)
    assert entry is not None and entry.workflow_id == 2
    with engine.connect() as connection:
        assert cached_outputs(connection, {KEY, OTHER}) == {KEY: "new"}


async def test_hits_are_touched_once_and_unused_entries_pruned(engine: Engine) -> None:
    cache = SqlNodeCache(engine, workflow_id=None)
    await cache.put(KEY, CachedOutput(1))
    await cache.put(OTHER, CachedOutput(2))
    written = _entry(engine, KEY)
    assert written is not None
    later = written.last_used_at + timedelta(days=10)

    assert await cache.get(KEY) is not None
    with engine.begin() as connection:
        cache.touch_hits(connection, later)
    touched = _entry(engine, KEY)
    assert touched is not None and touched.last_used_at == later
    assert cache.hits == set()

    with session_scope() as session:
        removed = prune_node_cache(session, unused_for=timedelta(days=5), now=later)
    assert removed == 1
    assert _entry(engine, OTHER) is None
    assert _entry(engine, KEY) is not None


@pytest.mark.parametrize("value", [None, 0, "", [], {}])
async def test_falsy_outputs_are_hits(engine: Engine, value: object) -> None:
    cache = SqlNodeCache(engine, workflow_id=None)
    await cache.put(KEY, CachedOutput(value))
    hit = await cache.get(KEY)
    assert hit is not None and hit.output == value


async def test_a_lookup_on_sqlite_reads_without_taking_the_write_lock(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    cache = SqlNodeCache(engine, workflow_id=7)
    await cache.put(KEY, CachedOutput({"n": 1}))
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert await cache.get(KEY) == CachedOutput({"n": 1})
        assert await cache.get(OTHER) is None
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    begins = [s for s in statements if s.upper().startswith("BEGIN")]
    assert begins == ["BEGIN DEFERRED", "BEGIN DEFERRED"], statements
    assert not any("IMMEDIATE" in s.upper() for s in statements)
