"""Samples and start-up on SQLite and PostgreSQL: loaded once, valid, and they all run."""

from __future__ import annotations

from sqlalchemy import Engine, text

from app.models.workflow import WorkflowCreate
from app.services import executions, workflows
from app.services.samples import load_samples, sample_workflows
from app.services.startup import start_up
from app.services.unit_of_work import session_scope


def test_samples_have_no_problems_and_left_to_right_positions() -> None:
    samples = sample_workflows()
    assert len(samples) == 3
    for sample in samples:
        assert workflows.validate_definition(definition=sample.definition) == [], sample.name
        xs = [n["position"]["x"] for n in sample.definition["nodes"]]
        assert xs[0] == 0
        assert max(xs) >= 500


async def test_start_up_loads_samples_once_and_they_all_succeed(db_url: str) -> None:
    start_up()
    start_up()  # idempotent
    with session_scope(read_only=True) as session:
        page = workflows.list_workflows(session)
    assert page.total == 3
    assert {w.name for w in page.items} == {s.name for s in sample_workflows()}
    for item in page.items:
        with session_scope(read_only=True) as session:
            assert workflows.get_workflow(session, workflow_id=item.id).problems == []
        done = await executions.run_execution_inline(workflow_id=item.id)
        assert done.status == "succeeded", (item.name, done.error)
        assert done.output


async def test_order_triage_routes_by_total(db_url: str) -> None:
    start_up()
    with session_scope(read_only=True) as session:
        (triage,) = workflows.list_workflows(session, search="Order triage").items
    small = await executions.run_execution_inline(
        workflow_id=triage.id, input={"order_id": "B-1", "total": 20}
    )
    big = await executions.run_execution_inline(workflow_id=triage.id)
    assert small.output == {"Result": {"order_id": "B-1", "decision": "approved"}}
    assert big.output == {"Result": {"order_id": "A-1042", "decision": "review"}}


def test_samples_are_not_loaded_when_any_workflow_exists(db_url: str) -> None:
    with session_scope() as session:
        created = workflows.create_workflow(session, data=WorkflowCreate(name="Mine"))
        workflows.delete_workflow(session, workflow_id=created.id)
    with session_scope() as session:
        assert load_samples(session) == 0
    start_up()
    with session_scope(read_only=True) as session:
        assert workflows.list_workflows(session, include_deleted=True).total == 1


def test_start_up_recovers_stale_runs(db_url: str, engine: Engine) -> None:
    start_up()
    with session_scope(read_only=True) as session:
        workflow_id = workflows.list_workflows(session).items[0].id
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO executions (workflow_id, workflow_name, definition, status, "
                "trigger, created_at, started_at, heartbeat_at) VALUES (:w, 'x', '{}', "
                "'running', 'manual', :t, :t, :t)"
            ),
            {"w": workflow_id, "t": "2000-01-01 00:00:00+00:00"},
        )
    start_up()
    with session_scope(read_only=True) as session:
        (crashed,) = executions.list_executions(session).items
    assert crashed.status == "crashed"
    assert crashed.finished_at is not None
