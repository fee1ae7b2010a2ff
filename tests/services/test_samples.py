"""Samples and start-up on SQLite and PostgreSQL: loaded once, valid, and they all run."""

from __future__ import annotations

from sqlalchemy import Engine, text

from app.models.workflow import WorkflowCreate
from app.services import execution_reads, executions, workflow_list, workflows
from app.services.accounts import create_owner
from app.services.principal import SYSTEM
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
        page = workflow_list.list_workflows(session, principal=SYSTEM)
    assert page.total == 3
    assert {w.name for w in page.items} == {s.name for s in sample_workflows()}
    for item in page.items:
        with session_scope(read_only=True) as session:
            assert (
                workflows.get_workflow(session, principal=SYSTEM, workflow_id=item.id).problems
                == []
            )
        done = await executions.run_execution_inline(principal=SYSTEM, workflow_id=item.id)
        assert done.status == "succeeded", (item.name, done.error)
        assert done.output


async def test_order_triage_routes_by_total(db_url: str) -> None:
    start_up()
    with session_scope(read_only=True) as session:
        (triage,) = workflow_list.list_workflows(
            session, principal=SYSTEM, search="Order triage"
        ).items
    small = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=triage.id, input={"order_id": "B-1", "total": 20}
    )
    big = await executions.run_execution_inline(principal=SYSTEM, workflow_id=triage.id)
    assert small.output == {"Result": {"order_id": "B-1", "decision": "approved"}}
    assert big.output == {"Result": {"order_id": "A-1042", "decision": "review"}}


def test_samples_are_not_loaded_when_any_workflow_exists(db_url: str) -> None:
    with session_scope() as session:
        created = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Mine")
        )
        workflows.delete_workflow(session, principal=SYSTEM, workflow_id=created.id)
    with session_scope() as session:
        assert load_samples(session) == 0
    start_up()
    with session_scope(read_only=True) as session:
        assert (
            workflow_list.list_workflows(session, principal=SYSTEM, include_deleted=True).total == 1
        )


def test_start_up_recovers_stale_runs(db_url: str, engine: Engine) -> None:
    start_up()
    with session_scope(read_only=True) as session:
        workflow_id = workflow_list.list_workflows(session, principal=SYSTEM).items[0].id
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
        (crashed,) = execution_reads.list_executions(session, principal=SYSTEM).items
    assert crashed.status == "crashed"
    assert crashed.finished_at is not None


def test_the_samples_belong_to_the_owner_whether_set_up_before_or_after(db_url: str) -> None:
    start_up()
    with session_scope() as session:
        created = create_owner(
            session, email="ada@example.com", name="Ada", password="correct horse battery staple"
        )
    with session_scope(read_only=True) as session:
        owners = {w.owner_id for w in workflow_list.list_workflows(session, principal=SYSTEM).items}
    assert owners == {created.id}


def test_samples_loaded_after_the_owner_exists_are_the_owners(db_url: str) -> None:
    with session_scope() as session:
        created = create_owner(
            session, email="ada@example.com", name="Ada", password="correct horse battery staple"
        )
    start_up()
    with session_scope(read_only=True) as session:
        owners = {w.owner_id for w in workflow_list.list_workflows(session, principal=SYSTEM).items}
    assert owners == {created.id}
