"""Every way a run starts is refused over an enforced budget, on SQLite and PostgreSQL: an
explicit run (queued or inline), a version or tag run, an A/B run, a reactive run (an
auto-run, which spends nothing, is not), an orchestration's run, and a schedule's fire
(recorded missed with the reason; webhooks: tests/api/test_budgets_api.py). Nothing is
queued for a refused run; an alert-only budget refuses nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from app.models.execution import Execution
from app.models.orchestration import OrchestrationCreate
from app.models.schedule import FireStatus
from app.models.version_run import VersionRef
from app.services import (
    execution_reads,
    executions,
    orchestrations,
    reactive_runs,
    version_runs,
)
from app.services.errors import BudgetExceededError
from app.services.principal import SYSTEM
from app.services.schedule_firing import fire_schedule
from app.services.unit_of_work import session_scope
from tests.budget_records import add_spend, put_budget
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import add_schedule, every, fires_of, read_schedule
from tests.version_records import add_version, tag_version

Start = Callable[[int], Awaitable[Any]]


def runs_of(workflow_id: int) -> int:
    with session_scope(read_only=True) as session:
        query = select(func.count()).where(Execution.workflow_id == workflow_id)  # type: ignore[arg-type]
        return int(session.execute(query).scalar_one())


async def explicit(workflow_id: int) -> Any:
    return await executions.start_execution_async(principal=SYSTEM, workflow_id=workflow_id)


async def inline(workflow_id: int) -> Any:
    return await executions.run_execution_inline(principal=SYSTEM, workflow_id=workflow_id)


async def version(workflow_id: int) -> Any:
    return await version_runs.start_version_run_async(SYSTEM, workflow_id, version=1)


async def tag(workflow_id: int) -> Any:
    return await version_runs.start_version_run_async(SYSTEM, workflow_id, tag="stable")


async def ab(workflow_id: int) -> Any:
    one = VersionRef(version=1)
    return await version_runs.start_ab_run(SYSTEM, workflow_id, one, one, [{"name": "Ada"}])


async def reactive(workflow_id: int) -> Any:
    return await reactive_runs.start_reactive_run_async(
        principal=SYSTEM, workflow_id=workflow_id, mode="all"
    )


def versioned_workflow() -> int:
    workflow_id = make_workflow(greeting(), name="Summaries")
    add_version(workflow_id, greeting())
    tag_version(workflow_id, "stable", 1)
    return workflow_id


@pytest.mark.parametrize(
    "start", [explicit, inline, version, tag, ab, reactive], ids=lambda f: f.__name__
)
async def test_each_start_is_refused_over_an_enforced_budget(db_url: str, start: Start) -> None:
    workflow_id = versioned_workflow()
    put_budget(workflow_id, "5")
    add_spend(workflow_id, 5_000_000)

    with pytest.raises(BudgetExceededError, match="budget of “Summaries” is used up"):
        await start(workflow_id)

    assert runs_of(workflow_id) == 0
    put_budget(workflow_id, "5", enforce=False)  # alert only: runs start again
    await start(workflow_id)
    assert runs_of(workflow_id) >= 1


async def test_the_overall_budget_refuses_every_workflow(db_url: str) -> None:
    spender, other = make_workflow(greeting()), make_workflow(greeting())
    put_budget(None, "1")
    add_spend(spender, 1_000_001)
    with pytest.raises(BudgetExceededError, match="overall monthly budget"):
        await explicit(other)
    assert runs_of(other) == 0


async def test_an_orchestration_run_is_refused_too(db_url: str) -> None:
    with session_scope() as session:
        data = OrchestrationCreate(
            name="Panel", strategy="sequential", agents=[{"name": "Ann", "model": "gpt-4o"}]
        )
        panel = orchestrations.create_orchestration(session, principal=SYSTEM, data=data).id
    put_budget(panel, "1")
    add_spend(panel, 1_000_000)
    with pytest.raises(BudgetExceededError, match="budget of “Panel” is used up"):
        await orchestrations.run_orchestration_async(
            principal=SYSTEM, orchestration_id=panel, input={"question": "Q?"}
        )
    assert runs_of(panel) == 0


async def test_an_auto_run_spends_nothing_so_no_budget_stops_it(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    put_budget(workflow_id, "1")
    add_spend(workflow_id, 2_000_000)
    started = await reactive_runs.start_reactive_run_async(
        principal=SYSTEM, workflow_id=workflow_id, mode="stale", auto=True
    )
    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=10)
    assert done.status == "succeeded"


@pytest.mark.parametrize("pinned", [False, True], ids=["current", "tagged"])
def test_a_refused_fire_is_recorded_missed_with_the_reason(engine: Engine, pinned: bool) -> None:
    workflow_id = versioned_workflow()
    put_budget(workflow_id, "2")
    add_spend(workflow_id, 3_000_000)
    fields = {"version_tag": "stable"} if pinned else {}
    schedule_id = add_schedule(workflow_id, every(5), **fields)
    schedule = read_schedule(schedule_id)
    assert schedule.next_fire_at is not None

    with engine.begin() as connection:
        fire_schedule(
            connection,
            schedule_id,
            schedule.next_fire_at,
            schedule.revision,
            now=schedule.next_fire_at,
        )

    (fired,) = fires_of(schedule_id)
    assert fired.status == FireStatus.MISSED.value
    assert fired.reason is not None
    assert "budget of “Summaries” is used up ($3.00 spent of its $2.00 limit" in fired.reason
    assert runs_of(workflow_id) == 0
