"""Persistence hooks of a run: node_runs rows and every node's final state.

An attempt's row is inserted as `running` when it starts and updated when it ends, so a
live view (and crash recovery) sees what is running. An attempt that ended before the writer
got to its start (most nodes take microseconds) is written once, as the ended row. Nodes
that did not run (reused from the cache, pinned, left stale) get no node_runs row; their
state is kept here and written with the run's final status (`executions.node_states`). An
AI node attempt's billed LLM calls are priced and written with its row, which takes its
tokens and cost from them (`ledger_store`).

Node writes are write-behind: they are queued for the services' group-commit writer
(`submit_merged`, so the whole rows of every run in a batch go in one executemany) and the
run goes on without waiting, so a run pays no database latency per node and concurrent runs
share commits. A run's final write (awaited) is queued after all of its node writes, so it
comes after them; each run event is published once the write it reports is committed (a
subscriber that re-reads finds it), and a failed node write fails the run when its final
status is written. The heartbeat is not written here but by the
process's heartbeat thread (`run_heartbeat.py`), so a blocked event loop cannot stop it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import Any

from sqlalchemy import Connection

from app.engine.events import (
    ExecutionHooks,
    ExecutionResult,
    NodeRunRecord,
    NodeStarted,
    NodeStatus,
)
from app.services import execution_store as store
from app.services.billed_calls import node_calls, start_node_calls
from app.services.db_threads import run_db, submit_merged
from app.services.ledger_store import LedgerContext, ledger_rows, usage_of, write_ledger
from app.services.llm_events import enter_llm_node
from app.services.llm_ledger import LedgerEntry, ledger_entries, unreported_entries
from app.services.llm_settings import SETTINGS_TTL_S, LLMSettings, current_llm_settings
from app.services.llm_usage import NodeUsage, node_usage
from app.services.node_cache_store import SqlNodeCache
from app.services.run_event_publisher import RunPublisher

logger = logging.getLogger(__name__)

# What a queued node write leaves to `write_attempts`: a whole row to insert with others,
# a write to run in its place, or nothing.
_NodeWrite = dict[str, Any] | Callable[[Connection], None] | None
# The state of a node that ended without a record of its own (e.g. pending when cancelled).
_NOT_REPORTED: dict[str, Any] = {"cached": False, "cache_key": None, "pinned": False}
# Attempts that ran and ended without an output (calls noted in their task are charged).
_ENDED_EARLY = frozenset({NodeStatus.FAILED, NodeStatus.CANCELLED})


class PersistenceHooks(ExecutionHooks):
    """Writes one node_runs row per attempt and remembers every node's state.

    Args:
        execution_id: the running execution.
        cache: the run's node cache, told which node each stored key belongs to.
        publisher: where node started/finished events go.
        node_names: node id -> the name people see, for the rows of started attempts.
        settings: the LLM settings read when the run started (re-read off the loop once
            they are older than the settings cache's lifetime).
        ledger: the run's workflow, version and owner, put on its `llm_calls` rows.
    """

    def __init__(
        self,
        execution_id: int,
        cache: SqlNodeCache | None,
        publisher: RunPublisher,
        node_names: dict[str, str],
        settings: LLMSettings,
        ledger: LedgerContext,
    ) -> None:
        self._execution_id = execution_id
        self._ledger = ledger
        self._cache = cache
        self._publisher = publisher
        self._names = node_names
        self._settings = settings
        self._settings_read_at = time.monotonic()
        self._open: dict[tuple[str, int], int] = {}
        # Attempts started and not reported ended (kept on the loop: `_open` is only
        # updated once a batch is committed, possibly together with the final write).
        self._unended: set[tuple[str, int]] = set()
        self._last_write: Future[None] | None = None
        self.states: dict[str, dict[str, Any]] = {}
        self.uses_mock = False
        self.write_error: BaseException | None = None

    def release(self) -> None:
        """Forget the last write once the run's end is written (every write of the run is
        done by then). Its future's callbacks refer to these hooks: left alone, that cycle is
        only freed by the garbage collector's full collections, one per run; under load that
        was a pause of about 20 ms every third of a second."""
        self._last_write = None

    def attempts_open(self) -> bool:
        """Whether an attempt may still have a `running` row once the queued writes are
        done: one was started and never reported ended, or a write failed."""
        return bool(self._unended) or self.write_error is not None

    def node_states(self, result: ExecutionResult | None) -> dict[str, Any] | None:
        """Every node's final state: the engine's final status with what its record said."""
        if result is None:
            return self.states or None
        return {
            node_id: self.states.get(node_id, _NOT_REPORTED) | {"status": status.value}
            for node_id, status in result.node_status.items()
        }

    async def before_node(self, event: NodeStarted) -> None:
        """Queue the attempt's `running` row, then tag the node's LLM calls with it."""
        if time.monotonic() - self._settings_read_at >= SETTINGS_TTL_S:
            self._settings = await run_db(current_llm_settings)
            self._settings_read_at = time.monotonic()
        key = (event.node_id, event.attempt)
        self._unended.add(key)
        self._queue(
            self._write_started,
            event,
            then=lambda: self._publisher.node_started(event),
            # A row id from a rolled-back transaction may be given to another run's row.
            undo=lambda: self._open.pop(key, None),
        )
        enter_llm_node(self._execution_id, event.node_id, self._settings)
        start_node_calls()

    def _queue(
        self,
        fn: Callable[..., _NodeWrite],
        *args: Any,
        then: Callable[[], None],
        undo: Callable[[], object] | None = None,
    ) -> None:
        """Queue a write; `then` runs once it is committed, `undo` if it failed (both on the
        writer thread, before the next write is tried)."""

        def done(future: Future[None]) -> None:
            error = future.exception()
            if error is None:
                then()
                return
            if undo is not None:
                undo()
            if self.write_error is None:
                self.write_error = error
                logger.error("a write of execution %s failed: %s", self._execution_id, error)

        self._last_write = submit_merged(write_attempts, (fn, args))
        self._last_write.add_done_callback(done)

    def _write_started(self, _connection: Connection, event: NodeStarted) -> _NodeWrite:
        if (event.node_id, event.attempt) not in self._unended:
            # Ended before its start was written: the end, queued after this, inserts the
            # whole row in the same or a later transaction (one row, not a row and its
            # update; no one could have seen the `running` row of an uncommitted transaction).
            return None
        return partial(self._insert_started, event)

    def _insert_started(self, event: NodeStarted, connection: Connection) -> None:
        name = self._names.get(event.node_id, event.node_id)
        row_id = store.insert_started_node_run(connection, self._execution_id, event, name)
        self._open[(event.node_id, event.attempt)] = row_id

    async def after_node(self, record: NodeRunRecord) -> None:
        """Write how the attempt ended (or the skip)."""
        self._unended.discard((record.node_id, record.attempt))
        self.states[record.node_id] = {
            "status": record.status.value,
            "cached": record.cached,
            "cache_key": record.cache_key,
            "pinned": record.pinned,
        }
        finished = partial(self._publisher.node_finished, record)
        if record.cached or record.pinned or record.status is NodeStatus.STALE:
            # No row: published once the writes queued before it are done, so events keep
            # the order things happened in (at once when there are none).
            if self._last_write is None:
                finished()
            else:
                self._last_write.add_done_callback(lambda _future: finished())
            return
        if self._cache is not None and record.cache_key and record.status is NodeStatus.SUCCEEDED:
            self._cache.describe(
                record.cache_key, node_id=record.node_id, node_type=record.node_type
            )
        usage = node_usage(record.node_type, record.output)
        entries = ledger_entries(record.node_type, record.output, at=record.finished_at)
        if record.status in _ENDED_EARLY:  # no output reports the calls: charge those noted
            entries = unreported_entries(node_calls(), at=record.finished_at)
        mark_mock = usage.is_mock and not self.uses_mock
        key = (record.node_id, record.attempt)

        def written() -> None:
            self._open.pop(key, None)
            finished()

        self._queue(self._write_ended, record, usage, entries, mark_mock, then=written)
        self.uses_mock = self.uses_mock or usage.is_mock

    def _write_ended(
        self,
        connection: Connection,
        record: NodeRunRecord,
        usage: NodeUsage,
        entries: list[LedgerEntry],
        mark_mock: bool,
    ) -> _NodeWrite:
        """How an attempt ended: its whole row, for `write_attempts` to insert with others,
        when it has no row yet and nothing else to write with it; else the write to run."""
        # The billed calls are priced and written with the node run; its totals are theirs.
        rows = ledger_rows(
            connection,
            entries,
            context=self._ledger,
            execution_id=self._execution_id,
            node_id=record.node_id,
        )
        if rows:
            usage = usage_of(rows, is_mock=usage.is_mock)
        # The start of the attempt was queued (and so written) before this.
        row_id = self._open.get((record.node_id, record.attempt))
        if row_id is None and not rows and not mark_mock:
            return store.node_run_values(self._execution_id, record, usage)

        def write(connection: Connection) -> None:
            ended_id = row_id
            if ended_id is None:
                ended_id = store.insert_node_run(connection, self._execution_id, record, usage)
            else:
                store.end_node_run(connection, self._execution_id, ended_id, record, usage)
            write_ledger(connection, rows, ended_id)
            if mark_mock:
                store.mark_uses_mock(connection, self._execution_id)

        return write


# A queued node write: the hooks' method and its arguments after the connection.
AttemptWrite = tuple[Callable[..., _NodeWrite], tuple[Any, ...]]


def write_attempts(connection: Connection, writes: list[AttemptWrite]) -> list[None]:
    """Run a batch's node writes of every run (`submit_merged`): the whole rows of attempts
    that started and ended since the last batch go in executemanys, in the order the
    writes were queued (so row ids follow the order attempts started). They commute with
    the batch's other writes: each run's own later writes (its final status) are queued
    after them."""
    rows: list[dict[str, Any]] = []
    for fn, args in writes:
        write = fn(connection, *args)
        if isinstance(write, dict):
            rows.append(write)
        elif write is not None:
            store.insert_node_runs(connection, rows)
            rows = []
            write(connection)
    store.insert_node_runs(connection, rows)
    return [None] * len(writes)
