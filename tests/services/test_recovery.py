"""Crash recovery on SQLite and PostgreSQL: only stale unfinished runs become crashed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from app.models.execution import Execution, NodeRun
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import workflows
from app.services.principal import SYSTEM
from app.services.recovery import CRASH_ERROR, recover_crashed_executions
from app.services.unit_of_work import session_scope
from tests import records
from tests.documents import greeting

EXECUTIONS = Execution.__table__  # type: ignore[attr-defined]
NODE_RUNS = NodeRun.__table__  # type: ignore[attr-defined]
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=utc_now().tzinfo)


def add_execution(engine: Engine, workflow_id: int, status: str, **times: Any) -> int:
    return records.add_execution(
        engine, workflow_id, status, **{"created_at": NOW - timedelta(minutes=10), **times}
    )


def node_run(execution_id: int, node_id: str, status: str, **values: Any) -> dict[str, Any]:
    return {
        "execution_id": execution_id,
        "node_id": node_id,
        "node_type": "transform",
        "node_name": node_id,
        "status": status,
        "attempt": 1,
        "pinned": False,
        "output": None,
        **values,
    }


def rows(engine: Engine) -> dict[int, Any]:
    with engine.connect() as connection:
        return {row.id: row for row in connection.execute(select(EXECUTIONS))}


def test_only_stale_unfinished_executions_become_crashed(engine: Engine) -> None:
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Flow", definition=greeting())
        ).id
    old = NOW - timedelta(seconds=31)
    fresh = NOW - timedelta(seconds=5)
    finished_at = NOW - timedelta(minutes=1)
    stale = add_execution(engine, workflow_id, "running", started_at=old, heartbeat_at=old)
    alive = add_execution(engine, workflow_id, "running", started_at=old, heartbeat_at=fresh)
    old_queued = add_execution(engine, workflow_id, "queued")
    new_queued = add_execution(engine, workflow_id, "queued", created_at=fresh)
    finished = {
        status: add_execution(
            engine, workflow_id, status, started_at=old, heartbeat_at=old, finished_at=finished_at
        )
        for status in ("succeeded", "failed", "cancelled", "crashed")
    }
    with engine.begin() as connection:
        connection.execute(
            insert(NODE_RUNS),
            [
                node_run(stale, "start", "succeeded", output={"kept": True}),
                node_run(stale, "greet", "running", started_at=old),
                node_run(alive, "greet", "running", started_at=fresh),
            ],
        )
    before = rows(engine)

    with session_scope() as session:
        count = recover_crashed_executions(session, stale_after_s=30, now=NOW)

    after = rows(engine)
    assert count == 2
    for crashed_id in (stale, old_queued):
        assert after[crashed_id].status == "crashed"
        assert after[crashed_id].finished_at == NOW
        assert after[crashed_id].error == CRASH_ERROR
    assert after[alive] == before[alive]
    assert after[new_queued] == before[new_queued]
    for execution_id in finished.values():
        assert after[execution_id] == before[execution_id]
    with engine.connect() as connection:
        runs = connection.execute(select(NODE_RUNS).order_by(NODE_RUNS.c.id)).all()
    assert [(run.execution_id, run.node_id, run.status, run.output) for run in runs] == [
        (stale, "start", "succeeded", {"kept": True}),
        (stale, "greet", "crashed", None),  # it was running when the process died
        (alive, "greet", "running", None),
    ]
    assert runs[1].finished_at == NOW
    assert runs[2].finished_at is None

    with session_scope() as session:
        assert recover_crashed_executions(session, stale_after_s=30, now=NOW) == 0
    assert rows(engine) == after


def test_default_stale_age_comes_from_the_environment(engine: Engine, monkeypatch: Any) -> None:
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Flow", definition=greeting())
        ).id
    beat = NOW - timedelta(seconds=10)
    execution_id = add_execution(engine, workflow_id, "running", heartbeat_at=beat)
    with session_scope() as session:
        assert recover_crashed_executions(session, now=NOW) == 0  # default: 30 s
    monkeypatch.setenv("FLOWBOOK_HEARTBEAT_STALE_S", "5")
    with session_scope() as session:
        assert recover_crashed_executions(session, now=NOW) == 1
    assert rows(engine)[execution_id].status == "crashed"
