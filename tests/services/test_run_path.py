"""The run path on SQLite and PostgreSQL: an attempt's row is `running` from its start,
run events follow committed rows with small summaries, and the workflow is parsed and
validated once per run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.engine import validation
from app.engine.spec import WorkflowSpec
from app.models.execution import ExecutionPublic
from app.services import (
    execution_reads,
    execution_store,
    executions,
    runnable_workflows,
    workflows,
)
from app.services.errors import NotFoundError
from app.services.principal import SYSTEM
from app.services.reactive_runs import RunMode, start_reactive_run, start_reactive_run_async
from app.services.run_events import RunEvent, Subscription, get_run_events
from app.services.unit_of_work import session_scope
from tests.documents import chain, greeting, node, slow
from tests.records import execution_detail, make_workflow
from tests.sql_threads import hold_the_writer

pytestmark = pytest.mark.usefixtures("db_url")


async def events_until_finished(sub: Subscription, timeout_s: float = 10) -> list[RunEvent]:
    seen: list[RunEvent] = []
    while True:
        event = await sub.get(timeout_s)
        assert event is not None, seen
        seen.append(event)
        if event.kind == "execution_finished":
            return seen


async def test_a_started_attempt_is_running_in_the_database_when_its_event_arrives() -> None:
    workflow_id = make_workflow(slow(0.5))
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        with session_scope() as session:
            execution_id = executions.start_execution(
                session, principal=SYSTEM, workflow_id=workflow_id
            ).id
        while (event := await sub.get(10)) is not None:
            if event.kind == "node_started" and event.node_id == "wait":
                break
        assert event is not None
        assert (event.execution_id, event.workflow_id, event.status) == (
            execution_id,
            workflow_id,
            "running",
        )
        # Published after the commit: a subscriber that re-reads finds the running row.
        row = next(r for r in execution_detail(execution_id).node_runs if r.node_id == "wait")
        assert row.status == "running"
        assert row.started_at is not None and row.finished_at is None
        rest = await events_until_finished(sub)

    ended = next(e for e in rest if e.kind == "node_finished" and e.node_id == "wait")
    assert ended.status == "succeeded"
    after = [r for r in execution_detail(execution_id).node_runs if r.node_id == "wait"]
    assert len(after) == 1 and after[0].id == row.id  # the same row, updated
    assert after[0].status == "succeeded" and after[0].finished_at is not None
    assert after[0].duration_ms is not None and after[0].duration_ms >= 400


async def test_events_say_what_each_node_did_with_a_small_summary() -> None:
    workflow_id = make_workflow(greeting())
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        with session_scope() as session:
            execution_id = executions.start_execution(
                session, principal=SYSTEM, workflow_id=workflow_id, input={"name": "Ada"}
            ).id
        seen = await events_until_finished(sub)

    assert [(e.kind, e.node_id) for e in seen] == [
        ("node_started", "start"),
        ("node_finished", "start"),
        ("node_started", "greet"),
        ("node_finished", "greet"),
        ("node_started", "result"),
        ("node_finished", "result"),
        ("execution_finished", None),
    ]
    assert {e.execution_id for e in seen} == {execution_id}
    greet = seen[3].summary
    assert greet is not None
    assert greet.has_output and greet.output_preview == "Hello Ada"
    assert greet.attempt == 1 and greet.duration_ms >= 0 and not greet.cached
    start = seen[1].summary
    assert start is not None and start.output_keys == ("name",)
    assert (seen[-1].status, seen[-1].error) == ("succeeded", None)
    # Published after the final commit.
    assert execution_detail(execution_id).status == "succeeded"


async def test_reused_and_failed_nodes_get_a_finished_event_too() -> None:
    failing = "{{ (1 / 0) if trigger.get('fail') else 'ok' }}"
    workflow_id = make_workflow(
        chain(
            node("t", "manual_trigger"),
            node("a", "transform", template="{{ trigger.x }}"),
            node("b", "transform", template=failing),
        )
    )
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        await start_reactive_run_async(
            principal=SYSTEM, workflow_id=workflow_id, mode="all", input={"x": 1}
        )
        await events_until_finished(sub)
        await start_reactive_run_async(
            principal=SYSTEM,
            workflow_id=workflow_id,
            mode="node",
            node_id="b",
            input={"x": 1, "fail": "y" * 900},
        )
        seen = await events_until_finished(sub)

    finished = {e.node_id: e for e in seen if e.kind == "node_finished"}
    assert finished["a"].status == "cached"
    assert finished["a"].summary is not None and finished["a"].summary.cached
    assert finished["a"].summary.output_preview == "1"
    failed = finished["b"].summary
    assert finished["b"].status == "failed" and failed is not None
    assert failed.error is not None and "division by zero" in failed.error
    assert not failed.has_output
    assert seen[-1].status == "failed"


@pytest.mark.parametrize("mode", ["all", "stale", "node", "up_to"])
async def test_a_run_parses_and_validates_the_workflow_once(
    mode: RunMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow_id = make_workflow(greeting())
    with session_scope() as session:
        definition = workflows.get_workflow(
            session, principal=SYSTEM, workflow_id=workflow_id
        ).definition
        start_reactive_run(
            session, principal=SYSTEM, workflow_id=workflow_id, mode="all", input={"name": "A"}
        )
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        await events_until_finished(sub)

    validations: list[str] = []
    parses: list[dict[str, Any]] = []
    check = validation._duplicate_ids  # called once per validation of a spec
    parse = WorkflowSpec.from_document.__func__  # type: ignore[attr-defined]

    def counted_check(spec: WorkflowSpec) -> Any:
        validations.append("validated")
        return check(spec)

    def counted_parse(cls: type[WorkflowSpec], document: dict[str, Any]) -> WorkflowSpec:
        parses.append(document)
        return parse(cls, document)

    monkeypatch.setattr(runnable_workflows, "_spec_cache", {})
    monkeypatch.setattr(validation, "_duplicate_ids", counted_check)
    monkeypatch.setattr(WorkflowSpec, "from_document", classmethod(counted_parse))
    target = {"node": "greet", "up_to": "result"}.get(mode)
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        await start_reactive_run_async(
            principal=SYSTEM,
            workflow_id=workflow_id,
            mode=mode,
            node_id=target,
            input={"name": "B"},
        )
        seen = await events_until_finished(sub)

    assert seen[-1].status == "succeeded"
    assert validations == ["validated"]
    # Staleness ("stale", "node", "up_to") also reads the definition the latest states ran
    # with (here the same document, from the earlier execution's snapshot).
    staleness = 0 if mode == "all" else 1
    assert len(parses) == 1 + staleness
    assert all(p == definition for p in parses)


async def test_a_failed_node_write_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    workflow_id = make_workflow(greeting())

    def refuse(*_args: Any) -> None:
        raise RuntimeError("disk full")

    # A node's end is an UPDATE of its running row, or the whole row when its start was
    # not written yet (a fast node), inserted with the batch's others.
    monkeypatch.setattr(execution_store, "end_node_run", refuse)
    monkeypatch.setattr(execution_store, "insert_node_runs", refuse)
    done = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=workflow_id, input={"name": "A"}
    )

    assert done.status == "failed"
    assert done.error == "writing the run failed: RuntimeError: disk full"
    assert execution_detail(done.id).status == "failed"


async def test_concurrent_runs_share_commits(engine: Engine) -> None:
    workflow_ids = [make_workflow(greeting()) for _ in range(10)]
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", count)
    try:
        async with get_run_events().subscription() as sub:
            for workflow_id in workflow_ids:
                await executions.start_execution_async(
                    principal=SYSTEM, workflow_id=workflow_id, input={}
                )
            finished = 0
            while finished < len(workflow_ids):
                got = await sub.get(10)
                assert got is not None
                finished += got.kind == "execution_finished"
    finally:
        event.remove(engine, "commit", count)
    # Per run: the insert, 3 attempts started and ended, the end: 8 writes, 80 in all.
    assert len(commits) < 80 / 2, len(commits)


async def test_runs_starting_together_are_inserted_running_in_one_statement(
    engine: Engine,
) -> None:
    """Requests that reach the writer together: one multi-row INSERT of their rows, already
    `running` (no separate start), and a workflow that cannot run among them is refused
    alone."""
    runnable = [make_workflow(greeting()) for _ in range(5)]
    release = hold_the_writer()
    inserts: list[int] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.startswith("INSERT INTO executions"):
            inserts.append(len(parameters) if isinstance(parameters, list) else 1)

    starts = [
        executions.start_execution_async(principal=SYSTEM, workflow_id=w, input={"name": "A"})
        for w in [*runnable[:2], 999_999, *runnable[2:]]
    ]
    event.listen(engine, "before_cursor_execute", record)
    try:
        pending = asyncio.gather(*starts, return_exceptions=True)
        await asyncio.sleep(0.2)  # every start is queued behind the held writer
        release.set()
        started = await pending
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert isinstance(started.pop(2), NotFoundError)
    assert len(inserts) == 1
    assert [s.status for s in started] == ["running"] * 5  # type: ignore[union-attr]
    assert [s.workflow_id for s in started] == runnable  # type: ignore[union-attr]
    for execution in started:
        assert isinstance(execution, ExecutionPublic)
        done = await execution_reads.wait_for_execution(execution_id=execution.id, timeout_s=10)
        assert done.status == "succeeded" and done.input == {"name": "A"}
