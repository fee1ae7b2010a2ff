"""Monitoring benchmark: what the metrics add to the run path, and how long a /metrics scrape
and the monitoring snapshot take on a busy instance.

- Run path: `node_ended` (a node attempt's histogram observation) and `execution_ended` (an
  execution's counter), per call, in microseconds; goal < 20 us each (a node attempt costs
  milliseconds).
- Busy instance: a day of finished executions (`--executions`, spread over 24 h), an hour of
  LLM calls (`--calls`), 90 days of the cost rollup and 100 error groups, bulk inserted on a
  scratch SQLite database (a temporary folder) and, when reachable, a fresh PostgreSQL one
  (dropped afterwards). Then the median of `--rounds` scrapes (`metrics_text`) and snapshots
  (`monitoring_snapshot`); goals < 250 ms and < 1000 ms.

Prints one JSON document with each figure and its ratio to the goal.
Run with `python bench/monitoring.py [--executions N] [--calls N] [--rounds N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sqlalchemy import insert

from app.engine.events import NodeRunRecord, NodeStatus
from app.models.cost import CostDaily, LLMCall
from app.models.db import configure_engine, dispose_engine
from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.execution import Execution
from app.models.migrations import upgrade_database
from app.models.types import utc_now
from app.services.metrics_collectors import metrics_text
from app.services.monitoring_snapshot import monitoring_snapshot
from app.services.run_observers import execution_ended, node_ended
from app.services.unit_of_work import session_scope
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_reachable
from tests.records import make_workflow

GOAL_OBSERVER_US = 20.0
GOAL_SCRAPE_MS = 250.0
GOAL_SNAPSHOT_MS = 1000.0
BATCH = 5_000


def _figure(value: float, goal: float, unit: str) -> dict[str, Any]:
    return {unit: round(value, 3), "goal": goal, "ratio_to_goal": round(value / goal, 3)}


def run_path(calls: int = 100_000) -> dict[str, Any]:
    """Cost per call of the observers the run's publisher calls."""
    now = datetime.now(UTC)
    record = NodeRunRecord(
        node_id="n1",
        node_type="transform",
        node_name="Transform",
        attempt=1,
        status=NodeStatus.SUCCEEDED,
        inputs={},
        output={"ok": True},
        error=None,
        started_at=now,
        finished_at=now,
        duration_ms=3.0,
    )
    start = time.perf_counter()
    for _ in range(calls):
        node_ended(record, execution_id=1, workflow_id=1)
    per_node = (time.perf_counter() - start) / calls * 1e6
    start = time.perf_counter()
    for index in range(calls):
        execution_ended(
            "succeeded", None, execution_id=index, workflow_id=index % 50, node_failed=False
        )
    per_execution = (time.perf_counter() - start) / calls * 1e6
    return {
        "node_ended": _figure(per_node, GOAL_OBSERVER_US, "us"),
        "execution_ended": _figure(per_execution, GOAL_OBSERVER_US, "us"),
    }


def _bulk(table: Any, rows: list[dict[str, Any]]) -> None:
    with session_scope() as session:
        for first in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[first : first + BATCH])


def seed(executions: int, calls: int) -> None:
    """A busy day: finished executions, an hour of LLM calls, the rollup, error groups."""
    now = utc_now()
    workflow_id = make_workflow(name="Busy")
    day = timedelta(hours=24)
    _bulk(
        Execution,
        [
            {
                "workflow_id": workflow_id,
                "workflow_name": "Busy",
                "definition": {},
                "status": "failed" if index % 10 == 0 else "succeeded",
                "trigger": "manual",
                "created_at": now - day * index / executions,
                "started_at": now - day * index / executions - timedelta(seconds=2),
                "finished_at": now - day * index / executions,
            }
            for index in range(executions)
        ],
    )
    _bulk(
        LLMCall,
        [
            {
                "created_at": now - timedelta(seconds=3600 * index / calls),
                "provider": "openai",
                "model": f"gpt-{index % 4}",
                "deployment": f"openai/gpt-{index % 4}",
                "input_tokens": 500,
                "output_tokens": 100,
                "cached_tokens": 0,
                "cost_micros": 1_000,
                "priced": True,
                "latency_ms": 100 + index % 900,
                "outcome": "ok",
                "is_fallback": False,
                "is_mock": False,
            }
            for index in range(calls)
        ],
    )
    _bulk(
        CostDaily,
        [
            {
                "day": (now - timedelta(days=d)).date(),
                "dims": uuid.uuid4().hex * 2,
                "workflow_id": workflow_id,
                "provider": "openai",
                "model": f"gpt-{m}",
                "is_mock": False,
                "calls": 100,
                "input_tokens": 10_000,
                "output_tokens": 2_000,
                "cached_tokens": 0,
                "cost_micros": 50_000,
            }
            for d in range(90)
            for m in range(20)
        ],
    )
    for number in range(100):
        with session_scope() as session:
            group = ErrorGroup(
                fingerprint=f"{number:064d}",
                source="node",
                error_type="ValueError",
                message=f"bad {number}",
                count=50,
                first_seen=now - day,
                last_seen=now - timedelta(minutes=number),
            )
            session.add(group)
            session.flush()
            for event in range(50):
                session.add(
                    ErrorEvent(group_id=group.id, occurred_at=now, message=f"bad {number}.{event}")
                )


def _median_ms(fn: Any, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _snapshot() -> None:
    with session_scope(read_only=True) as session:
        monitoring_snapshot(session)


def measure(url: str, executions: int, calls: int, rounds: int) -> dict[str, Any]:
    """Seed the database at `url` and time scrapes and snapshots."""
    configure_engine(url)
    upgrade_database(url)
    seed(executions, calls)
    report = {
        "scrape": _figure(_median_ms(metrics_text, rounds), GOAL_SCRAPE_MS, "median_ms"),
        "snapshot": _figure(_median_ms(_snapshot, rounds), GOAL_SNAPSHOT_MS, "median_ms"),
    }
    dispose_engine()
    return report


def main() -> None:
    """Measure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    report: dict[str, Any] = {"run_path": run_path()}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'monitoring.db'}"
        report["sqlite"] = measure(url, args.executions, args.calls, args.rounds)
    if postgres_reachable():
        url = create_postgres_database(f"flowbook_monitoring_{uuid.uuid4().hex[:8]}")
        try:
            report["postgresql"] = measure(url, args.executions, args.calls, args.rounds)
        finally:
            drop_postgres_database(url)
    report["all_met"] = all(
        figure["ratio_to_goal"] < 1
        for part in report.values()
        if isinstance(part, dict)
        for figure in part.values()
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
