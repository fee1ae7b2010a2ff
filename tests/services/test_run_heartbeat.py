"""Honest heartbeats on SQLite and PostgreSQL: a blocked event loop does not stop them, a
second process's recovery leaves a live run alone, and a run that finishes after a wrong
crash mark records its true result.

The second process is a real one (`python -c` running `recover_crashed_executions` on the
same database), as when two app processes share one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.models.types import utc_now
from app.services import executions
from app.services.execution_runner import get_runner
from app.services.principal import SYSTEM
from app.services.run_heartbeat import get_run_heartbeat
from app.services.unit_of_work import session_scope
from tests.documents import slow
from tests.records import execution_detail, make_workflow

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing

REPO_ROOT = Path(__file__).resolve().parents[2]
BEAT_S = 0.1
STALE_S = 1.0
RECOVER = """
import sys
from datetime import datetime
from app.services.recovery import recover_crashed_executions
from app.services.unit_of_work import session_scope
with session_scope() as session:
    now = datetime.fromisoformat(sys.argv[2]) if sys.argv[2] else None
    print(recover_crashed_executions(session, stale_after_s=float(sys.argv[1]), now=now))
"""


def recover_in_another_process(db_url: str, *, stale_after_s: float, now: Any = None) -> int:
    """Run crash recovery in a second process on the same database; how many it crashed."""
    done = subprocess.run(
        [sys.executable, "-c", RECOVER, str(stale_after_s), now.isoformat() if now else ""],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def start(workflow_id: int) -> int:
    with session_scope() as session:
        return executions.start_execution(session, principal=SYSTEM, workflow_id=workflow_id).id


async def until_waiting(execution_id: int) -> Any:
    """The execution once its delay node is running."""
    deadline = time.monotonic() + 20
    while True:
        current = execution_detail(execution_id)
        if any(r.node_id == "wait" and r.status == "running" for r in current.node_runs):
            return current
        assert time.monotonic() < deadline, current
        await asyncio.sleep(0.02)


@pytest.fixture
def short_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWBOOK_HEARTBEAT_S", str(BEAT_S))


@pytest.mark.usefixtures("short_beats")
async def test_a_blocked_event_loop_keeps_beating_and_another_process_keeps_off(
    db_url: str,
) -> None:
    execution_id = start(make_workflow(slow(0.5)))
    before = await until_waiting(execution_id)

    # A CPU-heavy node would hold the loop like this: nothing on it runs meanwhile.
    time.sleep(STALE_S * 2)
    read_at = utc_now()
    during = execution_detail(execution_id)
    crashed = recover_in_another_process(db_url, stale_after_s=STALE_S)

    assert during.heartbeat_at > before.heartbeat_at
    assert read_at - during.heartbeat_at < timedelta(seconds=STALE_S)
    assert crashed == 0
    assert execution_detail(execution_id).status == "running"
    await get_runner().wait(execution_id, timeout_s=20)
    done = execution_detail(execution_id)
    assert done.status == "succeeded", done.error
    assert {r.status for r in done.node_runs} == {"succeeded"}
    assert execution_id not in get_run_heartbeat().held()


@pytest.mark.usefixtures("short_beats")
async def test_a_run_queued_on_a_blocked_event_loop_is_not_taken_for_dead(db_url: str) -> None:
    execution_id = start(make_workflow(slow(0.1)))  # its task cannot start: the loop is held
    time.sleep(STALE_S * 2)

    assert recover_in_another_process(db_url, stale_after_s=STALE_S) == 0
    assert execution_detail(execution_id).status == "queued"
    await get_runner().wait(execution_id, timeout_s=20)
    assert execution_detail(execution_id).status == "succeeded"


@pytest.mark.usefixtures("short_beats")
async def test_a_run_that_finishes_after_a_wrong_crash_mark_records_its_true_result(
    db_url: str,
) -> None:
    execution_id = start(make_workflow(slow(0.5)))
    await until_waiting(execution_id)

    # Recovery that takes the run for dead (its clock says the heartbeat is an hour old).
    later = utc_now() + timedelta(hours=1)
    assert recover_in_another_process(db_url, stale_after_s=STALE_S, now=later) == 1
    marked = execution_detail(execution_id)
    assert (marked.status, marked.output) == ("crashed", None)
    assert {r.node_id: r.status for r in marked.node_runs}["wait"] == "crashed"

    await get_runner().wait(execution_id, timeout_s=20)
    done = execution_detail(execution_id)
    assert (done.status, done.error, done.error_node_id) == ("succeeded", None, None)
    assert done.output == {"result": "prepared"}
    assert done.finished_at is not None and done.finished_at < later
    assert [(r.node_id, r.status) for r in done.node_runs] == [
        ("start", "succeeded"),
        ("prepare", "succeeded"),
        ("wait", "succeeded"),
        ("result", "succeeded"),
    ]
    assert done.node_states is not None
    assert {state["status"] for state in done.node_states.values()} == {"succeeded"}


@pytest.mark.usefixtures("short_beats")
async def test_one_update_beats_for_every_run_and_node_writes_do_not_beat(
    engine: Engine,
) -> None:
    heartbeats: list[list[int]] = []  # the execution ids of each heartbeat statement

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        if statement.startswith("UPDATE executions SET heartbeat_at"):
            values = params.values() if isinstance(params, dict) else params
            heartbeats.append(sorted(v for v in values if isinstance(v, int)))

    workflow_id = make_workflow(slow(0.6))
    event.listen(engine, "before_cursor_execute", record)
    try:
        started = [start(workflow_id) for _ in range(3)]
        for execution_id in started:
            await until_waiting(execution_id)
        await asyncio.sleep(BEAT_S * 3)
        for execution_id in started:
            await get_runner().wait(execution_id, timeout_s=20)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert sorted(started) in heartbeats, heartbeats  # all three runs in one statement
    # No heartbeat per node write: a few per interval at most, whatever the node count.
    assert len(heartbeats) < 40, heartbeats
    assert all(execution_detail(e).status == "succeeded" for e in started)
    assert not set(started) & set(get_run_heartbeat().held())
