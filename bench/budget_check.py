"""Budget check benchmark: what `check_run_allowed`, run at every execution start, costs over
a month of rollups as big as a busy instance writes, on SQLite and PostgreSQL.

Seeds a scratch SQLite database (a `mktemp -d` folder) and a fresh PostgreSQL database
(TEST_DATABASE_URL or postgresql+psycopg://root@127.0.0.1:5432/test, dropped afterwards) with
`--workflows` workflows and `llm_cost_daily` rows for 90 days, `--dims` dimension sets
(provider, model, version, agent role) per workflow and day: 200 x 8 x 90 = 144,000 rows by
default, about what a ledger of a few million calls rolls up to. Then ANALYZE.

Timed (median of `--rounds` calls, each on a fresh connection from the pool after one
warm-up): the check with no budget at all, with an enforced budget of the workflow, with
enforced budgets of the workflow and overall (the budgets read and the overall month's sum
reused for `BUDGET_READS_TTL_S`, as at run starts), and the same reading the budgets and
summing the overall month every time (what one check in `BUDGET_READS_TTL_S` pays). Goal:
5 ms per check on either backend (a run start's own writes take several ms).

Prints one JSON document: per backend the rows seeded and each timing in ms with its goal
and ratio to it.

Run with `python bench/budget_check.py [--workflows 200] [--dims 8] [--rounds 200]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.models.cost import Budget, CostDaily
from app.models.db import create_db_engine
from app.models.migrations import upgrade_database
from app.models.workflow import Workflow
from app.services.run_budget_check import check_run_allowed, forget_budget_reads
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_reachable

GOAL_MS = 5.0
DAYS = 90
LIMIT_MICROS = 10**15  # never reached: the check runs to the end, refusing nothing


def seed(engine: Engine, workflows: int, dims: int) -> dict[str, Any]:
    """Workflows and their daily rollup rows; the rows' count and the seconds it took."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    today = now.date()
    with engine.begin() as connection:
        connection.execute(
            insert(Workflow.__table__),  # type: ignore[attr-defined]
            [
                {
                    "name": f"w{i}",
                    "description": "",
                    "definition": {},
                    "created_at": now,
                    "updated_at": now,
                    "kind": "workflow",
                }
                for i in range(workflows)
            ],
        )
        rows = [
            {
                "day": today - timedelta(days=day),
                "dims": f"{workflow}-{dim}",
                "workflow_id": workflow,
                "provider": "openai",
                "model": f"model-{dim}",
                "is_mock": False,
                "calls": 10,
                "input_tokens": 10_000,
                "output_tokens": 2_000,
                "cached_tokens": 0,
                "cost_micros": 1_000 + dim,
            }
            for day in range(DAYS)
            for workflow in range(1, workflows + 1)
            for dim in range(dims)
        ]
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(CostDaily.__table__), rows[start : start + 20_000])  # type: ignore[attr-defined]
        connection.execute(text("ANALYZE"))
    return {"rows": len(rows), "seconds": round(time.perf_counter() - started, 2)}


def _budget(engine: Engine, scope: str, workflow_id: int | None) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Budget.__table__).values(  # type: ignore[attr-defined]
                scope=scope,
                workflow_id=workflow_id,
                monthly_limit_micros=LIMIT_MICROS,
                enforce=True,
                created_at=now,
                updated_at=now,
            )
        )
    forget_budget_reads()  # written past the service, which would have said so


def _median_ms(engine: Engine, rounds: int, workflow_id: int, *, fresh: bool = False) -> float:
    timings = []
    for round_ in range(rounds + 1):
        if fresh:
            forget_budget_reads()
        with engine.connect() as connection:
            started = time.perf_counter()
            check_run_allowed(connection, workflow_id=workflow_id)
            elapsed = (time.perf_counter() - started) * 1000
        if round_:
            timings.append(elapsed)
    return statistics.median(timings)


def _figure(ms: float) -> dict[str, float]:
    return {"ms": round(ms, 3), "goal_ms": GOAL_MS, "ratio": round(ms / GOAL_MS, 3)}


def run_backend(url: str, workflows: int, dims: int, rounds: int) -> dict[str, Any]:
    """Seed one database and time the check in its three situations."""
    upgrade_database(url)
    engine = create_db_engine(url)
    try:
        seeded = seed(engine, workflows, dims)
        workflow_id = workflows // 2
        report: dict[str, Any] = {"seed": seeded}
        report["no_budget"] = _figure(_median_ms(engine, rounds, workflow_id))
        _budget(engine, f"workflow:{workflow_id}", workflow_id)
        report["workflow_budget"] = _figure(_median_ms(engine, rounds, workflow_id))
        _budget(engine, "overall", None)
        report["workflow_and_overall_budgets"] = _figure(_median_ms(engine, rounds, workflow_id))
        report["overall_summed_afresh"] = _figure(
            _median_ms(engine, rounds, workflow_id, fresh=True)
        )
        return report
    finally:
        engine.dispose()


def main() -> None:
    """Seed and measure each backend; print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--dims", type=int, default=8, help="rollup rows per workflow and day")
    parser.add_argument("--rounds", type=int, default=200, help="timed checks per figure")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        report["sqlite"] = run_backend(url, args.workflows, args.dims, args.rounds)
    if postgres_reachable():
        url = create_postgres_database("flowbook_bench_budgets")
        try:
            report["postgresql"] = run_backend(url, args.workflows, args.dims, args.rounds)
        finally:
            drop_postgres_database(url)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
