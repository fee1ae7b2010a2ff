"""Execution services on SQLite and PostgreSQL: start, persist, cancel, list, detail."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models.execution import Execution
from app.models.workflow import WorkflowUpdate
from app.services import execution_reads, executions, workflows
from app.services.errors import (
    ConflictError,
    InvalidInputError,
    InvalidWorkflowError,
    NotFoundError,
)
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import chain, edge, greeting, node, slow
from tests.records import execution_detail, make_workflow


def start(workflow_id: int, payload: Any = None) -> int:
    with session_scope() as session:
        return executions.start_execution(
            session, principal=SYSTEM, workflow_id=workflow_id, input=payload
        ).id


async def wait_for_status(execution_id: int, status: str, timeout_s: float = 10) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while (current := execution_detail(execution_id)).status != status:
        assert loop.time() < deadline, current
        await asyncio.sleep(0.02)
    return current


async def wait_for_node(execution_id: int, node_id: str, status: str, timeout_s: float = 10) -> Any:
    """The execution once its latest attempt of `node_id` has `status`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        current = execution_detail(execution_id)
        attempts = [r for r in current.node_runs if r.node_id == node_id]
        if attempts and attempts[-1].status == status:
            return current
        assert loop.time() < deadline, current
        await asyncio.sleep(0.02)


async def test_start_returns_queued_row_then_runs_and_persists_node_runs(db_url: str) -> None:
    workflow_id = make_workflow(greeting(), "Greeter")
    with session_scope() as session:
        started = executions.start_execution(
            session, principal=SYSTEM, workflow_id=workflow_id, input={"name": "Ada"}
        )
    assert started.status == "queued"
    assert started.workflow_name == "Greeter"
    assert started.input == {"name": "Ada"}

    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=10)
    assert done.status == "succeeded", done.error
    assert done.output == {"result": "Hello Ada"}
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.heartbeat_at is not None
    assert done.started_at <= done.finished_at

    full = execution_detail(started.id)
    assert full.definition["nodes"][1]["id"] == "greet"
    runs = {run.node_id: run for run in full.node_runs}
    assert list(runs) == ["start", "greet", "result"]
    assert runs["start"].output == {"name": "Ada"}
    assert runs["greet"].output == "Hello Ada"
    assert runs["greet"].node_type == "transform"
    assert runs["greet"].inputs == {"start": {"name": "Ada"}}
    assert all(run.status == "succeeded" and run.attempt == 1 for run in runs.values())
    assert all(run.duration_ms is not None and run.duration_ms >= 0 for run in runs.values())


async def test_the_definition_snapshot_is_what_ran(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    execution_id = start(workflow_id, {"name": "Ada"})
    with session_scope() as session:
        changed = chain(node("start", "manual_trigger"), node("other", "output", value=2))
        workflows.update_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=WorkflowUpdate(name="Renamed", definition=changed),
        )
    done = await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=10)
    assert done.status == "succeeded"
    full = execution_detail(execution_id)
    assert [n["id"] for n in full.definition["nodes"]] == ["start", "greet", "result"]
    assert full.workflow_name == "Flow"


async def test_each_retry_attempt_is_a_node_run_and_the_run_fails(db_url: str) -> None:
    failing = node("boom", "transform", mode="jmespath", expression="abs(@)")
    failing.update(retries=2, retry_backoff_s=0)
    workflow_id = make_workflow(chain(node("t", "manual_trigger"), failing, node("o", "output")))
    execution_id = start(workflow_id, "not a number")
    done = await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=10)
    assert done.status == "failed"
    assert done.error_node_id == "boom"
    assert done.error
    attempts = [run for run in execution_detail(execution_id).node_runs if run.node_id == "boom"]
    assert [run.attempt for run in attempts] == [1, 2, 3]
    assert all(run.status == "failed" and run.error for run in attempts)


async def test_a_workflow_with_problems_cannot_start_and_nothing_is_written(
    session: Session, db_url: str
) -> None:
    document = greeting()
    document["edges"].append(edge("result", "greet"))
    workflow_id = make_workflow(document)
    with pytest.raises(InvalidWorkflowError) as caught:
        start(workflow_id)
    assert "cycle" in {p.code for p in caught.value.problems}
    assert caught.value.message.startswith("“Flow” cannot run: fix its ")
    with pytest.raises(InvalidWorkflowError):
        await executions.run_execution_inline(principal=SYSTEM, workflow_id=workflow_id)
    assert session.exec(select(func.count()).select_from(Execution)).one() == 0


async def test_deleted_or_missing_workflows_cannot_start(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    with session_scope() as session:
        workflows.delete_workflow(session, principal=SYSTEM, workflow_id=workflow_id)
    with pytest.raises(NotFoundError):
        start(workflow_id)
    with pytest.raises(NotFoundError):
        start(12345)
    with pytest.raises(InvalidInputError), session_scope() as session:
        executions.start_execution(session, principal=SYSTEM, workflow_id=workflow_id, trigger="")


async def test_cancel_a_running_execution_keeps_it_cancelled(db_url: str) -> None:
    workflow_id = make_workflow(slow(30))
    execution_id = start(workflow_id)
    running = await wait_for_node(execution_id, "wait", "running")
    assert running.status == "running"
    with session_scope() as session:
        cancelled = executions.cancel_execution(
            session, principal=SYSTEM, execution_id=execution_id
        )
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at is not None
    # The cancel closes the attempt that was running in the same transaction.
    assert {r.node_id: r.status for r in execution_detail(execution_id).node_runs}[
        "wait"
    ] == "cancelled"

    # The run winds down quickly and its final write does not overwrite the cancel.
    finished = await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=5)
    assert finished.status == "cancelled"
    await asyncio.sleep(0.1)
    full = execution_detail(execution_id)
    assert full.status == "cancelled"
    statuses = {run.node_id: run.status for run in full.node_runs}
    assert statuses["start"] == "succeeded"
    assert statuses.get("result") != "succeeded"
    assert "running" not in statuses.values()
    # Every node's final state is still recorded beside the cancel.
    assert full.node_states is not None
    assert full.node_states["start"]["status"] == "succeeded"
    assert full.node_states["wait"]["status"] == "cancelled"
    assert full.node_states["result"]["status"] == "cancelled"

    with pytest.raises(ConflictError), session_scope() as session:
        executions.cancel_execution(session, principal=SYSTEM, execution_id=execution_id)


async def test_cancel_a_queued_execution_before_it_starts(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    with session_scope() as session:
        started = executions.start_execution(session, principal=SYSTEM, workflow_id=workflow_id)
        cancelled = executions.cancel_execution(session, principal=SYSTEM, execution_id=started.id)
    assert cancelled.status == "cancelled"
    await asyncio.sleep(0.2)  # the runner task gets its turn and must not run it
    full = execution_detail(started.id)
    assert full.status == "cancelled"
    assert full.started_at is None
    assert full.node_runs == []


async def test_cancel_finished_or_missing_executions(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    done = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=workflow_id, input={"name": "x"}
    )
    with pytest.raises(ConflictError), session_scope() as session:
        executions.cancel_execution(session, principal=SYSTEM, execution_id=done.id)
    assert execution_detail(done.id).status == "succeeded"
    with pytest.raises(NotFoundError), session_scope() as session:
        executions.cancel_execution(session, principal=SYSTEM, execution_id=999)


async def test_run_inline_returns_what_was_stored(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    done = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=workflow_id, input={"name": "Bo"}
    )
    assert done.status == "succeeded"
    assert done.output == {"result": "Hello Bo"}
    stored = execution_detail(done.id)
    assert stored.model_dump(exclude={"definition", "node_runs", "node_states"}) == (
        done.model_dump()
    )
    assert len(stored.node_runs) == 3
    assert stored.node_states is not None
    assert {n: s["status"] for n, s in stored.node_states.items()} == dict.fromkeys(
        ("start", "greet", "result"), "succeeded"
    )


async def test_list_filters_and_paginates(db_url: str) -> None:
    ok = make_workflow(chain(node("t", "manual_trigger"), node("o", "output", value=1)))
    failing = make_workflow(
        chain(
            node("t", "manual_trigger"),
            node("boom", "transform", mode="jmespath", expression="abs(@)"),
        ),
        "Failing",
    )
    ok_ids = [
        (await executions.run_execution_inline(principal=SYSTEM, workflow_id=ok)).id
        for _ in range(3)
    ]
    failed = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=failing, input="text"
    )
    with session_scope(read_only=True) as session:
        everything = execution_reads.list_executions(session, principal=SYSTEM)
        of_ok = execution_reads.list_executions(session, principal=SYSTEM, workflow_id=ok)
        only_failed = execution_reads.list_executions(session, principal=SYSTEM, status="failed")
        page = execution_reads.list_executions(
            session, principal=SYSTEM, workflow_id=ok, offset=1, limit=1
        )
        none = execution_reads.list_executions(session, principal=SYSTEM, status="crashed")
        with pytest.raises(InvalidInputError):
            execution_reads.list_executions(session, principal=SYSTEM, status="exploded")
        with pytest.raises(InvalidInputError):
            execution_reads.list_executions(session, principal=SYSTEM, limit=0)
    assert everything.total == 4
    assert [e.id for e in everything.items] == [failed.id, *reversed(ok_ids)]
    assert of_ok.total == 3
    assert [e.id for e in only_failed.items] == [failed.id]
    assert only_failed.items[0].error_node_id == "boom"
    assert page.total == 3
    assert [e.id for e in page.items] == [ok_ids[1]]
    assert (none.total, none.items) == (0, [])


async def test_detail_of_a_missing_execution_is_not_found(db_url: str) -> None:
    with pytest.raises(NotFoundError):
        execution_detail(4242)
    with pytest.raises(NotFoundError):
        await execution_reads.wait_for_execution(execution_id=4242, timeout_s=0.1)


async def test_wait_returns_the_current_state_on_timeout(db_url: str) -> None:
    execution_id = start(make_workflow(slow(30)))
    current = await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=0.3)
    assert current.status in {"queued", "running"}
    with session_scope() as session:
        executions.cancel_execution(session, principal=SYSTEM, execution_id=execution_id)


async def test_heartbeat_advances_while_a_node_runs(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWBOOK_HEARTBEAT_S", "0.05")
    execution_id = start(make_workflow(slow(0.6)))
    running = await wait_for_status(execution_id, "running")
    await asyncio.sleep(0.3)
    later = execution_detail(execution_id)
    assert later.heartbeat_at > running.heartbeat_at
    done = await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=10)
    assert done.status == "succeeded"


async def test_non_finite_numbers_in_outputs_are_stored_as_null(db_url: str) -> None:
    definition = chain(
        node("start", "manual_trigger"),
        node("huge", "transform", template="{{ 1e308 * 10 }}"),
        node("result", "output", value="{{ {'inf': input, 'ok': 1.5} }}"),
    )
    workflow_id = make_workflow(definition)
    done = await executions.run_execution_inline(principal=SYSTEM, workflow_id=workflow_id)
    assert done.status == "succeeded", done.error
    stored = execution_detail(done.id)
    assert stored.output == {"result": {"inf": None, "ok": 1.5}}
    assert [run.output for run in stored.node_runs if run.node_id == "huge"] == [None]
