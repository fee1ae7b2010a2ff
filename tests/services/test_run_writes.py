"""The run path's writes stay consistent when a write fails, the database is locked by
someone else, or a cancel comes in while the writer is busy (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select, update

from app.engine.events import NodeRunRecord, NodeStatus
from app.models import db
from app.models.migrations import upgrade_database
from app.services import execution_store as store
from app.services import executions
from app.services.db_threads import submit_merged, submit_write
from app.services.persistence_hooks import PersistenceHooks
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import greeting, slow
from tests.records import execution_detail, make_workflow
from tests.sql_threads import hold_the_writer


def _record(node_id: str) -> NodeRunRecord:
    now = datetime.now(UTC)
    return NodeRunRecord(
        node_id=node_id,
        node_type="transform",
        node_name=node_id,
        attempt=1,
        status=NodeStatus.SUCCEEDED,
        inputs={},
        output={"from": "another run"},
        error=None,
        started_at=now,
        finished_at=now,
        duration_ms=1.0,
    )


@pytest.mark.usefixtures("db_url")
async def test_ending_an_attempt_never_touches_another_executions_row(engine: Engine) -> None:
    first = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=make_workflow(greeting()), input={}
    )
    second = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=make_workflow(greeting()), input={}
    )
    row = execution_detail(second.id).node_runs[0]

    with engine.begin() as connection:
        store.end_node_run(connection, first.id, row.id, _record(row.node_id))

    assert execution_detail(second.id).node_runs[0].output == row.output


def test_a_transaction_that_cannot_begin_fails_its_writes_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another process holds SQLite's write lock: the batch fails as a whole after one busy
    timeout, instead of retrying every write alone (one timeout each)."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    upgrade_database(url)
    engine = db.create_db_engine(url)
    begins: list[str] = []

    def count_begins(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(engine, "before_cursor_execute", count_begins)
    # The writer is kept busy on another database while the writes queue up, so they
    # reach it as one batch.
    gate_engine = db.create_db_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    previous = db.get_engine()
    gate = threading.Event()
    calls: list[int] = []
    try:
        db.set_engine(gate_engine)
        submit_write(lambda _connection: gate.wait(10))
        db.set_engine(engine)
        futures: list[Future[None]] = [
            submit_write(lambda _connection, i=i: calls.append(i)) for i in range(10)
        ]
        other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        gate.set()
        errors = [future.exception(timeout=30) for future in futures]
        other.rollback()
    finally:
        db.set_engine(previous)
        engine.dispose()
        gate_engine.dispose()

    assert all(error is not None for error in errors)
    assert calls == []
    assert len(begins) == 1


@pytest.mark.usefixtures("db_url")
async def test_a_cancel_while_the_writer_holds_the_runs_rows_does_not_deadlock(
    engine: Engine,
) -> None:
    """The writer locks a run's node rows, then its execution row (as a run's end does);
    a cancel meanwhile must not lock them in the other order (PostgreSQL: deadlock)."""
    workflow_id = make_workflow(slow(30))
    with session_scope() as session:
        execution_id = executions.start_execution(
            session, principal=SYSTEM, workflow_id=workflow_id
        ).id
    while not any(r.status == "running" for r in execution_detail(execution_id).node_runs):
        await asyncio.sleep(0.05)
    locked, release = threading.Event(), threading.Event()
    runs, execs = store.NODE_RUNS, store.EXECUTIONS

    def hold_rows(connection: Connection) -> None:
        connection.execute(
            update(runs).where(runs.c.execution_id == execution_id).values(error=None)
        )
        locked.set()
        release.wait(10)
        connection.execute(
            update(execs).where(execs.c.id == execution_id).values(heartbeat_at=datetime.now(UTC))
        )

    holding = submit_write(hold_rows)
    assert await asyncio.to_thread(locked.wait, 10)

    def cancel() -> Any:
        with session_scope() as session:
            return executions.cancel_execution(session, principal=SYSTEM, execution_id=execution_id)

    cancelling = asyncio.get_running_loop().run_in_executor(None, cancel)
    await asyncio.sleep(0.5)  # the cancel is waiting (for the writer, or for the rows)
    release.set()
    await asyncio.wrap_future(holding)
    cancelled = await asyncio.wait_for(cancelling, 30)

    assert cancelled.status == "cancelled"
    with engine.connect() as connection:
        status = connection.execute(
            select(execs.c.status).where(execs.c.id == execution_id)
        ).scalar()
    assert status == "cancelled"


def _closing_updates(engine: Engine) -> tuple[list[str], Any]:
    """Records the statements that close attempts left running (`end_running_node_runs`)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("UPDATE node_runs") and "execution_id IN" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, record


async def test_a_run_whose_attempts_all_ended_writes_no_closing_update(engine: Engine) -> None:
    seen, record = _closing_updates(engine)
    try:
        done = await executions.run_execution_inline(
            principal=SYSTEM, workflow_id=make_workflow(greeting())
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert done.status == "succeeded", done.error
    assert seen == []


async def test_a_run_stopped_mid_attempt_leaves_no_running_attempt(engine: Engine) -> None:
    task = asyncio.create_task(
        executions.run_execution_inline(principal=SYSTEM, workflow_id=make_workflow(slow(30)))
    )
    for _ in range(500):
        running = executions_running(engine)
        attempts = execution_detail(running[0]).node_runs if running else []
        if any(r.node_id == "wait" and r.status == "running" for r in attempts):
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped = execution_detail(running[0])
    assert stopped.status == "cancelled"
    assert {r.node_id: r.status for r in stopped.node_runs}["wait"] == "cancelled"


def executions_running(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(store.EXECUTIONS.c.id).where(store.EXECUTIONS.c.status == "running")
        )
        return [row.id for row in rows]


async def test_attempts_that_ended_before_their_start_was_written_are_one_insert(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the writer is busy, a fast run's attempts start and end: they are then written
    as their ended rows in one executemany, never a running row and its UPDATE each."""
    original = PersistenceHooks.before_node

    async def hold_the_writer_first(self: PersistenceHooks, started: Any) -> None:
        if started.node_id == "start":
            threading.Timer(0.3, hold_the_writer().set).start()
        await original(self, started)

    monkeypatch.setattr(PersistenceHooks, "before_node", hold_the_writer_first)
    statements: list[tuple[str, int]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "node_runs" in statement.split("(")[0]:
            rows = len(parameters) if isinstance(parameters, list) else 1
            statements.append((statement.split()[0], rows))

    event.listen(engine, "before_cursor_execute", record)
    try:
        done = await executions.run_execution_inline(
            principal=SYSTEM, workflow_id=make_workflow(greeting()), input={"name": "A"}
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert done.status == "succeeded", done.error
    assert statements == [("INSERT", 3)]
    detail = execution_detail(done.id)
    assert [(r.node_id, r.status) for r in detail.node_runs] == [
        ("start", "succeeded"),
        ("greet", "succeeded"),
        ("result", "succeeded"),
    ]
    assert detail.node_runs[1].output == "Hello A"


@pytest.mark.usefixtures("db_url")
def test_merged_writes_run_once_between_plain_writes_by_rank() -> None:
    calls: list[tuple[str, list[str]]] = []

    def first(_connection: Connection, items: list[str]) -> list[str]:
        calls.append(("first", list(items)))
        return [f"first {item}" for item in items]

    def second(_connection: Connection, items: list[str]) -> list[str]:
        calls.append(("second", list(items)))
        return [f"second {item}" for item in items]

    def plain(_connection: Connection) -> str:
        calls.append(("plain", []))
        return "plain"

    gate = hold_the_writer()
    futures = [
        submit_merged(second, "a", rank=1),
        submit_merged(first, "b"),
        submit_merged(second, "c", rank=1),
        submit_merged(first, "d"),
        submit_write(plain),
        submit_merged(second, "e", rank=1),
    ]
    gate.set()

    assert [future.result(10) for future in futures] == [
        "second a",
        "first b",
        "second c",
        "first d",
        "plain",
        "second e",
    ]
    # Together up to the plain write, the lower rank first; never across a plain write.
    assert calls == [
        ("first", ["b", "d"]),
        ("second", ["a", "c"]),
        ("plain", []),
        ("second", ["e"]),
    ]


@pytest.mark.usefixtures("db_url")
def test_merged_writes_are_retried_alone_when_one_fails() -> None:
    batches: list[list[str]] = []

    def merge(_connection: Connection, items: list[str]) -> list[str]:
        batches.append(list(items))
        if "bad" in items:
            raise ValueError("a bad item")
        return [f"wrote {item}" for item in items]

    gate = hold_the_writer()
    good = [submit_merged(merge, item) for item in ("a", "b")]
    bad = submit_merged(merge, "bad")
    gate.set()

    assert [future.result(10) for future in good] == ["wrote a", "wrote b"]
    assert isinstance(bad.exception(10), ValueError)
    assert batches == [["a", "b", "bad"], ["a"], ["b"], ["bad"]]
