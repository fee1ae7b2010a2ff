"""Stats per version on SQLite and PostgreSQL: runs, success rate, mean and p95 duration,
mean cost, from a query that reaches executions through their version index."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.models.execution import Execution, NodeRun
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import version_stats, workflows
from app.services.errors import NotFoundError
from app.services.principal import SYSTEM, Principal
from app.services.unit_of_work import session_scope
from tests.documents import greeting
from tests.services.test_version_runs import user
from tests.version_records import add_version


def _run(
    session: Session,
    workflow_id: int,
    version: tuple[int, int],
    status: str,
    duration_ms: float | None,
    costs: tuple[float | None, ...] = (),
) -> None:
    start = utc_now()
    execution = Execution(
        workflow_id=workflow_id,
        workflow_name="Stats",
        definition=greeting(),
        status=status,
        trigger="manual",
        created_at=start,
        started_at=start,
        finished_at=None if duration_ms is None else start + timedelta(milliseconds=duration_ms),
        version_id=version[0],
        version_number=version[1],
    )
    session.add(execution)
    session.flush()
    for index, cost in enumerate(costs):
        session.add(
            NodeRun(
                execution_id=execution.id,
                node_id=f"n{index}",
                node_type="llm",
                node_name=f"n{index}",
                status="succeeded",
                attempt=1,
                cost_usd=cost,
            )
        )


def _version_ids(workflow_id: int) -> dict[int, int]:
    with session_scope(read_only=True) as session:
        rows = session.connection().execute(
            text("SELECT number, id FROM workflow_versions WHERE workflow_id = :w"),
            {"w": workflow_id},
        )
        return {row.number: row.id for row in rows}


def _stats(principal: Principal, workflow_id: int) -> list[version_stats.VersionStats]:
    with session_scope(read_only=True) as session:
        return version_stats.version_stats(session, principal=principal, workflow_id=workflow_id)


def test_stats_per_version_after_executions(db_url: str) -> None:
    eve = user("eve@example.com")
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=eve, data=WorkflowCreate(name="Stats", definition=greeting())
        ).id
    first = add_version(workflow_id, greeting())
    second = add_version(workflow_id, greeting() | {"settings": {}})
    unrun = add_version(workflow_id, greeting() | {"settings": {"x": 1}})
    ids = _version_ids(workflow_id)
    with session_scope() as session:
        for index in range(1, 21):  # 100 ms .. 2000 ms; two of them fail
            status = "failed" if index in (3, 7) else "succeeded"
            _run(session, workflow_id, (ids[first], first), status, index * 100.0, (0.01, None))
        _run(session, workflow_id, (ids[first], first), "running", None)
        _run(session, workflow_id, (ids[second], second), "succeeded", 50.0, (0.25, 0.5))

    stats = _stats(eve, workflow_id)
    assert [row.version_number for row in stats] == [second, first]
    assert unrun not in [row.version_number for row in stats]
    newest, oldest = stats
    assert (oldest.runs, oldest.finished, oldest.succeeded) == (21, 20, 18)
    assert oldest.success_rate == pytest.approx(0.9)
    assert oldest.avg_duration_ms == pytest.approx(1050.0)
    assert oldest.p95_duration_ms == pytest.approx(1900.0)
    assert oldest.avg_cost_usd == pytest.approx(0.01)
    assert (newest.runs, newest.success_rate, newest.p95_duration_ms) == (1, 1.0, 50.0)
    assert newest.avg_cost_usd == pytest.approx(0.75)

    with pytest.raises(NotFoundError):
        _stats(user("stranger@example.com"), workflow_id)
    assert _stats(SYSTEM, workflow_id) == stats


def test_the_stats_query_uses_the_version_index(engine: Engine) -> None:
    statement = version_stats.stats_statement(1)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            plan = " | ".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "ix_executions_version_id" in plan, plan
            assert "SCAN executions" not in plan and "SCAN node_runs" not in plan, plan
        else:
            # Tiny tables are read whole anyway; without that choice, the index must serve.
            connection.exec_driver_sql("SET enable_seqscan = off")
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            plan = " | ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_executions_version_id" in plan, plan
            assert "Seq Scan on executions" not in plan, plan
            assert "Seq Scan on node_runs" not in plan, plan
