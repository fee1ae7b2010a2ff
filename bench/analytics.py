"""Cost dashboard benchmark: each dashboard query and the whole page's data load over a ledger
of 1,000,000 LLM calls made over 90 days, on SQLite and PostgreSQL.

Seeds a scratch SQLite database (a `mktemp -d` folder) and a fresh PostgreSQL database
(TEST_DATABASE_URL or postgresql+psycopg://root@127.0.0.1:5432/test, dropped afterwards):
20 users, 200 workflows (a few shared), `--calls` ledger rows in executions of 10 calls each
(bulk: executemany on SQLite, COPY on PostgreSQL), deterministic (seeded random). Workflows
are either agents (role "agent") or orchestrations (three agents and a judge), use one model
mostly and another now and then, move through up to three versions, and 5% of calls are
mock. Then the ledger's own `REBUILD_ROLLUPS` fills `llm_cost_daily` and `execution_daily`,
and ANALYZE runs (what autovacuum or a maintenance job keeps up to date in production).

Each figure is the median of `--rounds` runs (after one warm-up run), each run in a new
session; nothing caches answers. Timed: every query of `cost_dashboard` for the owner over
the default range (last 30 days), and the whole `cost_dashboard` for the owner over 30 and
90 days and for an editor (own and shared workflows) over 30 days. Goals: the whole
dashboard's data < 1 s on PostgreSQL and < 2 s on SQLite.

Prints one JSON document: per backend the seeding figures (rows, seconds, rollup rows) and
each timing in ms with its goal and ratio to it.

Run with `python bench/analytics.py [--calls 1000000] [--rounds 5] [--backends sqlite,postgresql]`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.models.account import Role, User
from app.models.cost import CostDaily, ExecutionDaily
from app.models.cost_schemas import CostGroup
from app.models.db import create_db_engine
from app.models.migrations import upgrade_database
from app.models.sharing import WorkflowShare
from app.models.workflow import Workflow
from app.services import cost_queries
from app.services.cost_analytics import cost_dashboard
from app.services.cost_rollups import REBUILD_ROLLUPS
from app.services.cost_scope import cost_filter
from app.services.principal import ROLE_SCOPES, Principal
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_reachable

GOAL_MS = {"sqlite": 2000.0, "postgresql": 1000.0}
DAYS = 90
USERS = 20
WORKFLOWS = 200
CALLS_PER_EXECUTION = 10
CHUNK = 50_000
# (provider, model, input, output micro-dollars per million tokens)
MODELS = (
    ("openai", "gpt-4", 30_000_000, 60_000_000),
    ("openai", "gpt-4-turbo", 10_000_000, 30_000_000),
    ("openai", "gpt-3.5-turbo", 500_000, 1_500_000),
    ("anthropic", "claude-3-opus", 15_000_000, 75_000_000),
    ("anthropic", "claude-3-5-sonnet", 3_000_000, 15_000_000),
    ("anthropic", "claude-3-haiku", 250_000, 1_250_000),
    ("gemini", "gemini-1.5-pro", 1_250_000, 5_000_000),
    ("gemini", "gemini-1.5-flash", 70_000, 300_000),
)
ORCHESTRATION_ROLES = ("researcher", "writer", "critic", "judge")
CALL_COLUMNS = (
    "id",
    "created_at",
    "execution_id",
    "node_id",
    "agent_role",
    "workflow_id",
    "version_number",
    "owner_id",
    "provider",
    "model",
    "deployment",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_micros",
    "priced",
    "latency_ms",
    "outcome",
    "is_fallback",
    "is_mock",
)
EXECUTION_COLUMNS = (
    "id",
    "workflow_id",
    "workflow_name",
    "definition",
    "status",
    "trigger",
    "version_number",
    "created_at",
    "started_at",
    "finished_at",
)


def _set_up_accounts(session: Session, rng: random.Random) -> tuple[list[Principal], list[Any]]:
    """Users (the first is the owner, the rest editors), workflows and a few shares."""
    now = datetime.now(UTC)
    principals = []
    for index in range(USERS):
        role = Role.OWNER if index == 0 else Role.EDITOR
        user = User(
            email=f"user{index}@example.com",
            name=f"User {index}",
            password_hash="not-a-hash",
            role=role.value,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        principals.append(Principal(user.id, role, user.email, scopes=ROLE_SCOPES[role]))
    workflows: list[Any] = []
    for index in range(WORKFLOWS):
        owner = principals[index % USERS]
        workflow = Workflow(
            name=f"Workflow {index:03d}",
            owner_id=owner.user_id,
            definition={"schema": 1, "nodes": [], "edges": []},
            created_at=now,
            updated_at=now,
        )
        session.add(workflow)
        session.flush()
        orchestration = rng.random() < 0.3
        models = rng.sample(MODELS, 2)
        workflows.append((workflow.id, workflow.name, owner.user_id, orchestration, models))
    for member in principals[1:]:
        for shared in rng.sample(workflows, 3):
            if shared[2] != member.user_id:
                session.add(
                    WorkflowShare(
                        workflow_id=shared[0],
                        user_id=member.user_id,
                        permission="viewer",
                        created_at=now,
                    )
                )
    session.flush()
    return principals, workflows


def _ledger(
    workflows: list[Any], calls: int, rng: random.Random, today: date
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(execution row, its call rows) for `calls` calls spread over the last DAYS days."""
    first = datetime.combine(today - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    span_s = DAYS * 86_400 - 1
    # A few workflows are busy, most are not (Pareto weights).
    weights = [rng.paretovariate(1.2) for _ in workflows]
    call_id = 0
    for execution_id in range(1, calls // CALLS_PER_EXECUTION + 1):
        workflow_id, name, owner_id, orchestration, models = rng.choices(workflows, weights)[0]
        started = first + timedelta(seconds=rng.randrange(span_s - 3600))
        version = 1 + 3 * (started - first).days // DAYS
        status = rng.choices(("succeeded", "failed", "cancelled"), (85, 10, 5))[0]
        at = started
        rows = []
        for index in range(CALLS_PER_EXECUTION):
            call_id += 1
            provider, model, input_price, output_price = models[rng.random() < 0.05]
            mock = rng.random() < 0.05
            if mock:
                provider, model, input_price, output_price = "mock", "mock", 0, 0
            tokens_in, tokens_out = rng.randrange(50, 4000), rng.randrange(10, 1500)
            cached = tokens_in // 2 if rng.random() < 0.2 else 0
            cost = (tokens_in * input_price + tokens_out * output_price + 500_000) // 1_000_000
            latency = rng.randrange(200, 8000)
            role = ORCHESTRATION_ROLES[index % 4] if orchestration else "agent"
            rows.append(
                (call_id, at, execution_id, f"n{index}", role, workflow_id, version, owner_id,
                 provider, model, f"{provider}/{model}", tokens_in, tokens_out, cached, cost,
                 True, latency, "ok", False, mock)
            )  # fmt: skip
            at += timedelta(milliseconds=latency)
        execution = (execution_id, workflow_id, name, "{}", status, "manual", version, started,
                     started, at)  # fmt: skip
        yield execution, rows


def _sqlite_value(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def _insert_sqlite(
    connection: Connection, table: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    connection.exec_driver_sql(
        statement, [tuple(_sqlite_value(value) for value in row) for row in rows]
    )


def _copy_postgres(
    connection: Connection, table: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _seed_ledger(connection: Connection, workflows: list[Any], calls: int, today: date) -> int:
    """Bulk-insert the executions and their calls, executions first (the calls reference
    them), in chunks of about CHUNK calls; returns the number of executions."""
    insert = _copy_postgres if connection.dialect.name == "postgresql" else _insert_sqlite
    executions: list[Any] = []
    rows: list[Any] = []
    count = 0
    for execution, its_calls in _ledger(workflows, calls, random.Random(12), today):
        executions.append(execution)
        rows.extend(its_calls)
        if len(rows) >= CHUNK:
            insert(connection, "executions", EXECUTION_COLUMNS, executions)
            insert(connection, "llm_calls", CALL_COLUMNS, rows)
            count += len(executions)
            executions, rows = [], []
    if rows:
        insert(connection, "executions", EXECUTION_COLUMNS, executions)
        insert(connection, "llm_calls", CALL_COLUMNS, rows)
        count += len(executions)
    if connection.dialect.name == "postgresql":
        for table in ("llm_calls", "executions"):
            last_id = f"(SELECT max(id) FROM {table})"
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last_id})"
            )
    return count


def seed(engine: Engine, calls: int, today: date) -> tuple[list[Principal], dict[str, Any]]:
    """Fill the database; returns the users and the seeding figures."""
    started = time.perf_counter()
    with Session(engine) as session:
        principals, workflows = _set_up_accounts(session, random.Random(7))
        executions = _seed_ledger(session.connection(), workflows, calls, today)
        session.commit()
    inserted_s = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as connection:
        REBUILD_ROLLUPS(connection)
    rollups_s = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        cost_rows = connection.execute(select(func.count()).select_from(CostDaily)).scalar_one()
        execution_rows = connection.execute(
            select(func.count()).select_from(ExecutionDaily)
        ).scalar_one()
    return principals, {
        "llm_calls": calls,
        "executions": executions,
        "days": DAYS,
        "workflows": WORKFLOWS,
        "users": USERS,
        "bulk_insert_s": round(inserted_s, 1),
        "rebuild_rollups_s": round(rollups_s, 1),
        "llm_cost_daily_rows": cost_rows,
        "execution_daily_rows": execution_rows,
    }


def median_ms(engine: Engine, rounds: int, run: Callable[[Session], object]) -> float:
    """Median wall time of `run` in a new session, after one warm-up run."""
    times = []
    for attempt in range(rounds + 1):
        with Session(engine) as session:
            started = time.perf_counter()
            run(session)
            elapsed = (time.perf_counter() - started) * 1000
        if attempt:
            times.append(elapsed)
    return round(statistics.median(times), 1)


def figure(value_ms: float, goal_ms: float) -> dict[str, Any]:
    """A timing beside its goal (lower is better)."""
    return {
        "median_ms": value_ms,
        "goal_ms": goal_ms,
        "ratio_to_goal": round(value_ms / goal_ms, 3),
        "met": value_ms < goal_ms,
    }


def measure(
    engine: Engine, principals: list[Principal], rounds: int, today: date
) -> dict[str, Any]:
    """Time each dashboard query and the whole dashboard."""
    goal = GOAL_MS[engine.dialect.name]
    owner, editor = principals[0], principals[1]
    last_30 = cost_filter(today - timedelta(days=29), today, None)

    def query(fn: Callable[..., object], *args: Any) -> Callable[[Session], object]:
        return lambda session: fn(session.connection(), owner, *args)

    queries: dict[str, Callable[[Session], object]] = {
        "period_totals": query(cost_queries.period_totals, None, today),
        **{
            f"by_{group.value}": query(cost_queries.breakdown, last_30, group)
            for group in CostGroup
        },
        "trend": query(cost_queries.trend, last_30),
        "execution_stats": query(cost_queries.execution_stats, last_30),
        "token_usage": query(cost_queries.token_usage, last_30),
        "workflow_options": lambda session: cost_queries.workflow_options(
            session.connection(), owner
        ),
    }
    each = {name: median_ms(engine, rounds, run) for name, run in queries.items()}

    def whole(principal: Principal, days: int) -> Callable[[Session], object]:
        start = today - timedelta(days=days - 1)
        return lambda session: cost_dashboard(
            session, principal=principal, start=start, end=today, workflow_id=None
        )

    return {
        "queries_owner_30_days_ms": each,
        "dashboard_owner_30_days": figure(median_ms(engine, rounds, whole(owner, 30)), goal),
        "dashboard_owner_90_days": figure(median_ms(engine, rounds, whole(owner, 90)), goal),
        "dashboard_editor_30_days": figure(median_ms(engine, rounds, whole(editor, 30)), goal),
    }


def run_backend(url: str, calls: int, rounds: int) -> dict[str, Any]:
    """Migrate, seed and measure one database."""
    upgrade_database(url)
    engine = create_db_engine(url)
    today = datetime.now(UTC).date()
    try:
        principals, seeded = seed(engine, calls, today)
        return {"seed": seeded, **measure(engine, principals, rounds, today)}
    finally:
        engine.dispose()


def main() -> None:
    """Seed and measure each backend; print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000, help="ledger rows to seed")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per figure")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    args = parser.parse_args()
    report: dict[str, Any] = {"goal": "whole dashboard < 1 s on PostgreSQL, < 2 s on SQLite"}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'bench.db'}"
                report["sqlite"] = run_backend(url, args.calls, args.rounds)
        elif backend == "postgresql":
            if not postgres_reachable():
                report["postgresql"] = "not reachable"
                continue
            url = create_postgres_database("flowbook_bench_analytics")
            try:
                report["postgresql"] = run_backend(url, args.calls, args.rounds)
            finally:
                drop_postgres_database(url)
    figures = [
        value["met"]
        for backend in ("sqlite", "postgresql")
        if isinstance(report.get(backend), dict)
        for key, value in report[backend].items()
        if key.startswith("dashboard_")
    ]
    report["all_met"] = bool(figures) and all(figures)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
