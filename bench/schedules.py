"""Schedules benchmark: 1,000 schedules firing every second, fired by the schedule runtime.

On a scratch database (SQLite in a `mktemp -d` folder, or with `--postgres` a fresh
database on the test PostgreSQL server, dropped afterwards), creates one small workflow
(manual_trigger -> output) and `--schedules` schedules of it firing every second (cron
`* * * * * *`, the defaults otherwise: grace 60 s, catch-up, no overlap). Starts this
process's `ScheduleRuntime` (it becomes the leader), lets it fire for `--warmup` seconds,
then measures the fire times of the next `--duration` seconds (the executions really run,
in this process, as in a serving process), and finally stops it and waits for the runs.

Figures, over the fire times of the measured window:
- fire lag p50/p99: when the fire's run was queued (`schedule_fires.started_at`) minus its
  fire time (`lag_ms`);
- duplicates: executions started by a schedule beyond one per recorded fire (goal 0);
- misses: fire times of the window with no started run: `missed` rows (by reason) and
  times with no row at all (goal 0).

Prints one JSON document, each figure beside its goal with the ratio to it.
Run with `python bench/schedules.py [--duration 60] [--schedules 1000] [--postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.engine.cron_times import next_fire_times
from app.models.db import configure_engine, dispose_engine
from app.models.execution import Execution
from app.models.migrations import upgrade_database
from app.models.schedule import FireStatus, Schedule, ScheduleFire
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import workflows
from app.services.db_threads import run_db
from app.services.execution_runner import get_runner
from app.services.executions import QueuedExecution
from app.services.principal import SYSTEM
from app.services.scheduler import ScheduleRuntime
from app.services.unit_of_work import session_scope
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.documents import chain, node

CRON = "* * * * * *"
GOAL_P99_LAG_MS = 1_000.0
GOAL_P50_LAG_MS = 250.0

SCHEDULES = Schedule.__table__  # type: ignore[attr-defined]
FIRES = ScheduleFire.__table__  # type: ignore[attr-defined]
EXECUTIONS = Execution.__table__  # type: ignore[attr-defined]


def figure(value: float, goal: float) -> dict[str, Any]:
    """A measured value beside its goal (lower is better): ratio = value / goal."""
    return {
        "value": round(value, 3),
        "goal": f"<= {goal:g}",
        "ratio_to_goal": round(value / goal, 3) if goal else None,
        "met": value <= goal,
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def create_schedules(count: int, *, allow_overlap: bool = False) -> int:
    """One small workflow and `count` every-second schedules of it; the workflow's id."""
    definition = chain(node("start", "manual_trigger"), node("result", "output", value="ok"))
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Bench", definition=definition)
        ).id
    now = utc_now()
    first = next_fire_times(CRON, "UTC", after=now + timedelta(seconds=1), count=1)[0]
    with session_scope() as session:
        session.add_all(
            Schedule(
                workflow_id=workflow_id,
                name=f"every second {n}",
                cron=CRON,
                timezone="UTC",
                next_fire_at=first,
                allow_overlap=allow_overlap,
                created_at=now,
                updated_at=now,
            )
            for n in range(count)
        )
    return workflow_id


def unfinished_runs(workflow_id: int) -> int:
    """The workflow's executions still queued or running."""
    with session_scope(read_only=True) as session:
        return session.execute(
            select(func.count()).where(
                EXECUTIONS.c.workflow_id == workflow_id,
                EXECUTIONS.c.status.in_(("queued", "running")),
            )
        ).scalar_one()


def window_figures(
    workflow_id: int, schedules: int, start: datetime, end: datetime
) -> dict[str, Any]:
    """Lag, duplicates and misses of the fire times in [start, end)."""
    with session_scope(read_only=True) as session:
        fires = session.execute(
            select(FIRES.c.fire_time, FIRES.c.status, FIRES.c.reason, FIRES.c.lag_ms).where(
                FIRES.c.fire_time >= start, FIRES.c.fire_time < end
            )
        ).all()
        started_fires = session.execute(
            select(func.count()).where(FIRES.c.status == FireStatus.STARTED.value)
        ).scalar_one()
        executions = session.execute(
            select(func.count()).where(
                EXECUTIONS.c.workflow_id == workflow_id, EXECUTIONS.c.trigger == "schedule"
            )
        ).scalar_one()
    unfinished = unfinished_runs(workflow_id)
    seconds = int((end - start).total_seconds())
    expected = schedules * seconds
    lags = [float(row.lag_ms) for row in fires if row.status == FireStatus.STARTED.value]
    missed_reasons: dict[str, int] = {}
    for row in fires:
        if row.status == FireStatus.MISSED.value:
            missed_reasons[row.reason or ""] = missed_reasons.get(row.reason or "", 0) + 1
    no_row = expected - len(fires)
    misses = sum(missed_reasons.values()) + no_row
    duplicates = executions - started_fires
    return {
        "figures": {
            "fire_lag_p50_ms": figure(percentile(lags, 50), GOAL_P50_LAG_MS),
            "fire_lag_p99_ms": figure(percentile(lags, 99), GOAL_P99_LAG_MS),
            "duplicates": {"value": duplicates, "goal": "0", "met": duplicates == 0},
            "misses": {"value": misses, "goal": "0", "met": misses == 0},
        },
        "details": {
            "fire_times_expected": expected,
            "fires_started": len(lags),
            "missed_by_reason": missed_reasons,
            "fire_times_without_a_row": no_row,
            "fire_lag_ms": {
                "mean": round(statistics.fmean(lags), 1) if lags else None,
                "p90": percentile(lags, 90),
                "max": max(lags, default=0),
            },
            "executions_started_by_schedules": executions,
            "executions_unfinished_at_the_end": unfinished,
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Create the schedules, fire them for warm-up + duration, and measure the window."""
    workflow_id = create_schedules(args.schedules, allow_overlap=args.overlap)
    if args.no_runs:
        # The scheduler alone: runs are queued (and counted) but not started.
        QueuedExecution.submit = lambda self: None  # type: ignore[method-assign]
    runtime = ScheduleRuntime()
    runtime.start()
    began = time.monotonic()
    await asyncio.sleep(args.warmup)
    start = datetime.fromtimestamp(int(time.time()) + 1, UTC)
    await asyncio.sleep((start - utc_now()).total_seconds() + args.duration)
    end = start + timedelta(seconds=int(args.duration))
    # Fire times up to `end` are due by now; give their writes a moment to commit.
    await asyncio.sleep(2.0)
    led = runtime.is_leader
    await runtime.stop()
    for _ in range(0 if args.no_runs else 300):
        if not await run_db(unfinished_runs, workflow_id):
            break
        await asyncio.sleep(0.1)
    await get_runner().shutdown()
    report = window_figures(workflow_id, args.schedules, start, end)
    report["setup"] = {
        "database": "postgresql" if args.postgres else "sqlite",
        "schedules": args.schedules,
        "cron": CRON,
        "allow_overlap": args.overlap,
        "runs": "queued, not started" if args.no_runs else "started and run in this process",
        "warmup_s": args.warmup,
        "measured_s": int(args.duration),
        "was_leader": led,
        "ran_s": round(time.monotonic() - began, 1),
        "cpus": os.cpu_count(),
        "load_average_1m_before": args.load_before,
    }
    figures = report["figures"]
    report["all_met"] = all(value["met"] for value in figures.values())
    return report


def main() -> None:
    """Parse the flags, run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--schedules", type=int, default=1_000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--overlap", action="store_true", help="allow overlap (a run still going is no miss)"
    )
    parser.add_argument(
        "--no-runs", action="store_true", help="queue the runs without starting them"
    )
    args = parser.parse_args()
    args.load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="flowbook-bench-schedules-") as folder:
        url = (
            create_postgres_database("flowbook_bench_schedules")
            if args.postgres
            else f"sqlite:///{Path(folder) / 'flowbook.db'}"
        )
        try:
            upgrade_database(url)
            configure_engine(url)
            report = asyncio.run(run(args))
        finally:
            dispose_engine()
            if args.postgres:
                drop_postgres_database(url)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
