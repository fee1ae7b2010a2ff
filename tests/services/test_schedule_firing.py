"""Firing a schedule in one transaction, on SQLite and PostgreSQL: a run per fire time as the
workflow's owner, exactly once when two schedulers race, misfires caught up once or
skipped (each recorded `missed`), overlap refused, stale revisions ignored; schedules due
together fire in one write whose statements do not grow with their number."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine, event
from sqlmodel import Session

from app.engine.cron_times import next_fire_times
from app.models.execution import ExecutionStatus
from app.models.schedule import FireStatus, MisfirePolicy
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import workflows
from app.services.run_budget_check import forget_budget_reads
from app.services.schedule_firing import FireOutcome, fire_schedule, fire_schedules
from app.services.schedule_misfires import (
    DOWNTIME_REASON,
    MAX_MISSED_RECORDS,
    OVERLAP_REASON,
)
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.accounts_builders import owner
from tests.services.schedule_builders import (
    EVERY_SECOND,
    add_schedule,
    edit_schedule,
    end_execution,
    every,
    fires_of,
    read_schedule,
    scheduled_executions,
    seconds,
)
from tests.version_records import add_version, tag_version


def a_fire_time_ahead(cron: str = every(5)) -> datetime:
    """A fire time of `cron` ten seconds or more from now."""
    return next_fire_times(cron, "UTC", after=utc_now() + seconds(10), count=1)[0]


def fire(engine: Engine, schedule_id: int, now: datetime) -> FireOutcome:
    schedule = read_schedule(schedule_id)
    assert schedule.next_fire_at is not None
    with engine.begin() as connection:
        return fire_schedule(
            connection, schedule_id, schedule.next_fire_at, schedule.revision, now=now
        )


def test_a_fire_records_its_time_lag_and_run_and_moves_next_fire_at(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due, input={"name": "Ada"})

    outcome = fire(engine, schedule_id, due + seconds(0.25))

    assert not outcome.stale and outcome.next_fire_at == due + seconds(5)
    (fired,) = fires_of(schedule_id)
    assert (fired.fire_time, fired.status, fired.lag_ms, fired.attempt) == (
        due,
        FireStatus.STARTED.value,
        250,
        1,
    )
    (execution,) = scheduled_executions(workflow_id)
    assert fired.execution_id == execution.id == outcome.started[0][1].execution.id
    # Inserted running: the scheduler starts it as soon as the fire is committed.
    assert (execution.status, execution.input) == (ExecutionStatus.RUNNING.value, {"name": "Ada"})
    stored = read_schedule(schedule_id)
    assert (stored.next_fire_at, stored.last_fire_at) == (due + seconds(5), due)


def test_a_fire_runs_as_the_workflows_owner_and_its_tagged_version(
    engine: Engine, session: Session
) -> None:
    ada = owner(session)
    session.commit()
    created = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Owned", definition=greeting())
    )
    session.commit()
    add_version(created.id, greeting())
    tag_version(created.id, "stable", 1)
    add_version(created.id, greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(created.id, every(5), next_fire_at=due, version_tag="stable")

    fire(engine, schedule_id, due)

    (execution,) = scheduled_executions(created.id)
    assert execution.started_by_id == ada.user_id
    assert execution.version_number == 1


def test_two_schedulers_racing_start_one_run(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due)
    barrier = threading.Barrier(2)
    outcomes: list[FireOutcome] = []

    def race() -> None:
        barrier.wait()
        with engine.begin() as connection:
            outcomes.append(fire_schedule(connection, schedule_id, due, 1, now=due))

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome.stale for outcome in outcomes) == [False, True]
    assert len(fires_of(schedule_id)) == 1
    assert len(scheduled_executions(workflow_id)) == 1


def test_an_edited_schedule_does_not_fire_its_old_revision(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due)
    edit_schedule(schedule_id, cron=every(7))

    with engine.begin() as connection:
        outcome = fire_schedule(connection, schedule_id, due, 1, now=due)

    assert outcome.stale
    assert fires_of(schedule_id) == []


def test_catch_up_runs_the_newest_missed_time_once(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due, grace_seconds=2)

    # Nobody fired for three intervals: due, +5 and +10 are all past their grace.
    fire(engine, schedule_id, due + seconds(13))

    fired = fires_of(schedule_id)
    assert [(row.fire_time, row.status) for row in fired] == [
        (due, FireStatus.MISSED.value),
        (due + seconds(5), FireStatus.MISSED.value),
        (due + seconds(10), FireStatus.STARTED.value),
    ]
    assert {row.reason for row in fired[:2]} == {DOWNTIME_REASON}
    assert len(scheduled_executions(workflow_id)) == 1
    assert read_schedule(schedule_id).next_fire_at == due + seconds(15)


def test_skip_records_every_missed_time(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(
        workflow_id,
        every(5),
        next_fire_at=due,
        grace_seconds=2,
        misfire_policy=MisfirePolicy.SKIP.value,
    )

    fire(engine, schedule_id, due + seconds(13))

    fired = fires_of(schedule_id)
    assert [row.status for row in fired] == [FireStatus.MISSED.value] * 3
    assert scheduled_executions(workflow_id) == []


def test_a_long_downtime_records_at_most_the_cap_and_says_so(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead(EVERY_SECOND)
    schedule_id = add_schedule(workflow_id, next_fire_at=due, grace_seconds=1)

    fire(engine, schedule_id, due + seconds(1_500.5))

    fired = fires_of(schedule_id)
    missed = [row for row in fired if row.status == FireStatus.MISSED.value]
    assert len(missed) == MAX_MISSED_RECORDS
    assert "were not recorded" in (missed[0].reason or "")
    assert [row.fire_time for row in fired if row.status == FireStatus.STARTED.value] == [
        due + seconds(1_500)
    ]


def test_a_run_still_going_refuses_the_next_fire_unless_overlap_is_allowed(
    engine: Engine,
) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due)
    fire(engine, schedule_id, due)

    fire(engine, schedule_id, due + seconds(5))

    second = fires_of(schedule_id)[1]
    assert (second.status, second.reason) == (FireStatus.MISSED.value, OVERLAP_REASON)
    first_run = scheduled_executions(workflow_id)[0]
    end_execution(first_run.id or 0, ExecutionStatus.SUCCEEDED.value)
    fire(engine, schedule_id, due + seconds(10))
    assert fires_of(schedule_id)[2].status == FireStatus.STARTED.value

    edit_schedule(schedule_id, allow_overlap=True)
    stored = read_schedule(schedule_id)
    assert stored.next_fire_at is not None
    fire(engine, schedule_id, stored.next_fire_at)
    assert fires_of(schedule_id)[-1].status == FireStatus.STARTED.value
    assert len(scheduled_executions(workflow_id)) == 3


def test_a_workflow_that_cannot_run_records_the_reason(engine: Engine) -> None:
    broken = {"schema": 1, "nodes": [{"id": "x", "type": "nope", "name": "x", "config": {}}]}
    workflow_id = make_workflow(broken)
    due = a_fire_time_ahead()
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due)

    fire(engine, schedule_id, due)

    (fired,) = fires_of(schedule_id)
    assert fired.status == FireStatus.MISSED.value
    assert "cannot run" in (fired.reason or "")


def test_schedules_due_together_fire_in_statements_that_do_not_grow_with_their_number(
    engine: Engine,
) -> None:
    def statements_to_fire(count: int) -> int:
        workflow_id = make_workflow(greeting())
        due = a_fire_time_ahead()
        ids = [add_schedule(workflow_id, every(5), next_fire_at=due) for _ in range(count)]
        executed: list[str] = []
        forget_budget_reads()  # each count reads the enforced budgets once, as the first did

        def count_statement(*args: object) -> None:
            executed.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            with engine.begin() as connection:
                outcomes = fire_schedules(connection, [(id_, due, 1) for id_ in ids], now=due)
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        assert [len(outcomes[id_].started) for id_ in ids] == [1] * count
        assert len(scheduled_executions(workflow_id)) == count
        return len(executed)

    assert statements_to_fire(40) == statements_to_fire(2)


def test_a_batch_gives_each_schedule_its_own_outcome(engine: Engine, session: Session) -> None:
    ada = owner(session)
    session.commit()
    owned = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Owned", definition=greeting())
    ).id
    session.commit()
    broken = make_workflow(
        {"schema": 1, "nodes": [{"id": "x", "type": "nope", "name": "x", "config": {}}]}
    )
    due = a_fire_time_ahead()
    first, second = (
        add_schedule(owned, every(5), next_fire_at=due, input={"n": n}) for n in (1, 2)
    )
    cannot_run = add_schedule(broken, every(5), next_fire_at=due)
    edited = add_schedule(owned, every(5), next_fire_at=due)
    edit_schedule(edited, cron=every(7))
    edited_next = read_schedule(edited).next_fire_at

    with engine.begin() as connection:
        outcomes = fire_schedules(
            connection, [(id_, due, 1) for id_ in (first, second, cannot_run, edited)], now=due
        )

    assert [outcomes[id_].stale for id_ in (first, second, cannot_run, edited)] == [
        False,
        False,
        False,
        True,
    ]
    inputs = {execution.id: execution.input for execution in scheduled_executions(owned)}
    for id_, n in ((first, 1), (second, 2)):
        ((fire_id, queued),) = outcomes[id_].started
        (fired,) = fires_of(id_)
        assert (fired.id, fired.execution_id) == (fire_id, queued.execution.id)
        assert inputs.pop(queued.execution.id) == queued.execution.input == {"n": n}
        assert queued.execution.started_by_id == ada.user_id
    assert inputs == {}
    (refused,) = fires_of(cannot_run)
    assert refused.status == FireStatus.MISSED.value and "cannot run" in (refused.reason or "")
    assert fires_of(edited) == []
    assert read_schedule(edited).next_fire_at == edited_next


def test_two_schedulers_racing_with_a_batch_start_one_run_per_schedule(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    due = a_fire_time_ahead()
    ids = [add_schedule(workflow_id, every(5), next_fire_at=due) for _ in range(3)]
    barrier = threading.Barrier(2)
    outcomes: list[dict[int, FireOutcome]] = []

    def race() -> None:
        barrier.wait()
        with engine.begin() as connection:
            outcomes.append(fire_schedules(connection, [(id_, due, 1) for id_ in ids], now=due))

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for id_ in ids:
        assert sorted(outcome[id_].stale for outcome in outcomes) == [False, True]
        assert len(fires_of(id_)) == 1
    assert len(scheduled_executions(workflow_id)) == 3
