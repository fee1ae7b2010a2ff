"""Engine benchmark: per-node overhead and persisted executions per second.

Prints one JSON document. Figures:
- per-node overhead of a 100-node chain and a 10-wide fan-out of no-op nodes, in memory and
  persisted (SQLite always; PostgreSQL when reachable);
- persisted executions/s of a 3-node workflow (trigger -> no-op -> output), one after the
  other (inline) and 20 at a time through the in-process runner;
- event-loop lag during those 20 concurrent persisted runs: a probe task sleeps 5 ms over
  and over and records how late it wakes (p50/p99/max).
- expression render time per node: a node config holding one simple template
  (`{{ input.i + 1 }}`) rendered through the engine's path (one budget, the watch, the size
  checks; inline when fast), next to plain Jinja2 rendering the same expression, and the
  in-memory time per node of a 100-node chain of such transforms.
Goals: <= 0.5 ms per node in memory; >= 500 persisted executions/s on SQLite; loop lag
p99 < 20 ms during 20 concurrent persisted runs (issue 7); < 0.05 ms per node to render a
simple expression (issue 8).

Run with `make bench` (or `python bench/engine.py [--quick]`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import tempfile
import time
from dataclasses import asdict
from typing import Any

from app.engine.executor import run_workflow
from app.engine.nodes import default_registry
from app.engine.spec import WorkflowSpec

GOAL_MS_PER_NODE = 0.5
GOAL_EXECUTIONS_PER_S = 500.0
GOAL_LOOP_LAG_P99_MS = 20.0
GOAL_EXPRESSION_MS_PER_NODE = 0.05
SIMPLE_EXPRESSION = "{{ input.i + 1 }}"
CONCURRENT_RUNS = 20
PROBE_SLEEP_S = 0.005
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def chain_document(length: int) -> dict[str, Any]:
    """A manual trigger followed by `length - 1` no-op nodes in a line."""
    nodes = [{"id": "n0", "type": "manual_trigger", "name": "Start"}]
    edges = []
    for i in range(1, length):
        nodes.append({"id": f"n{i}", "type": "noop", "name": f"Step {i}"})
        edges.append({"id": f"e{i}", "source": f"n{i - 1}", "target": f"n{i}"})
    return {"schema": 1, "nodes": nodes, "edges": edges}


def fan_out_document(width: int) -> dict[str, Any]:
    """A manual trigger feeding `width` no-op nodes side by side."""
    nodes = [{"id": "t", "type": "manual_trigger", "name": "Start"}]
    edges = []
    for i in range(width):
        nodes.append({"id": f"b{i}", "type": "noop", "name": f"Branch {i}"})
        edges.append({"id": f"e{i}", "source": "t", "target": f"b{i}"})
    return {"schema": 1, "nodes": nodes, "edges": edges}


def three_node_document() -> dict[str, Any]:
    """Trigger -> no-op -> output: the persisted throughput workload."""
    return {
        "schema": 1,
        "nodes": [
            {"id": "t", "type": "manual_trigger", "name": "Start"},
            {"id": "n", "type": "noop", "name": "Pass"},
            {"id": "o", "type": "output", "name": "Result"},
        ],
        "edges": [
            {"id": "e1", "source": "t", "target": "n"},
            {"id": "e2", "source": "n", "target": "o"},
        ],
    }


def transform_chain_document(length: int) -> dict[str, Any]:
    """A manual trigger followed by `length - 1` transforms computing `{"i": input.i + 1}`."""
    document = chain_document(length)
    for node in document["nodes"][1:]:
        node.update(type="transform", config={"template": {"i": SIMPLE_EXPRESSION}})
    return document


async def expression_figures(batches: int) -> dict[str, Any]:
    """Milliseconds to render a node config holding `SIMPLE_EXPRESSION` (median of batches
    of 1,000), through the engine and with plain Jinja2."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from app.engine.expression_runner import render_config_value

    scope = {"input": {"i": 1}, "trigger": {}, "inputs": {}, "nodes": {}, "vars": {}}
    config = {"template": SIMPLE_EXPRESSION}
    await render_config_value(config, scope)  # the first render compiles it, on a worker
    plain = ImmutableSandboxedEnvironment().compile_expression(SIMPLE_EXPRESSION.strip("{} "))
    engine_ms, plain_ms = [], []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(1000):
            await render_config_value(config, scope, upstream=lambda: [scope["input"]])
        engine_ms.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(1000):
            {"template": plain(**scope)}
        plain_ms.append(time.perf_counter() - start)
    engine, jinja = statistics.median(engine_ms), statistics.median(plain_ms)
    return {
        "render_ms_per_node": round(engine, 4),
        "plain_jinja_ms": round(jinja, 4),
        "overhead_ms_per_node": round(engine - jinja, 4),
    }


async def in_memory_ms_per_node(document: dict[str, Any], repeats: int) -> dict[str, float]:
    """Median and p99 milliseconds per node of in-memory runs."""
    spec = WorkflowSpec.from_document(document)
    registry = default_registry()
    await run_workflow(spec, registry=registry, trigger_payload={"i": 0})
    samples = []
    for i in range(repeats):
        start = time.perf_counter()
        result = await run_workflow(spec, registry=registry, trigger_payload={"i": i})
        samples.append((time.perf_counter() - start) * 1000 / len(spec.nodes))
        assert result.status == "succeeded", result.error
    return _summary(samples)


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 4),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 4),
    }


def _postgres_reachable() -> bool:
    try:
        import psycopg

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, connect_timeout=2):
            return True
    except Exception:
        return False


def _fresh_postgres_url() -> str:
    import psycopg

    name = f"flowbook_bench_{os.getpid()}"
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def concurrent_figures(workflow_id: int, rounds: int) -> dict[str, Any]:
    """Rounds of CONCURRENT_RUNS executions started from async code (as the API does) and
    run by the in-process runner, with the loop-lag probe running throughout."""
    from app.services.executions import start_execution_async
    from app.services.loop_lag import LoopLagProbe
    from app.services.principal import SYSTEM
    from app.services.run_events import get_run_events

    # As a serving process does after start-up (`serving_lifespan`): the start-up heap is
    # kept out of full garbage collections, which would stop the loop for 100+ ms.
    gc.collect()
    gc.freeze()
    async with LoopLagProbe(interval_s=PROBE_SLEEP_S) as idle:
        await asyncio.sleep(1.0)
    probe = LoopLagProbe(interval_s=PROBE_SLEEP_S)
    finished = 0
    start = time.perf_counter()
    async with probe, get_run_events().subscription() as sub:
        for round_no in range(rounds):
            started = await asyncio.gather(
                *(
                    start_execution_async(
                        principal=SYSTEM, workflow_id=workflow_id, input={"r": round_no}
                    )
                    for _ in range(CONCURRENT_RUNS)
                )
            )
            waiting = {execution.id for execution in started}
            while waiting:
                event = await sub.get(60)
                assert event is not None, f"runs still going: {waiting}"
                if event.kind == "execution_finished" and event.execution_id in waiting:
                    assert event.status == "succeeded", event.error
                    waiting.discard(event.execution_id)
                    finished += 1
    elapsed = time.perf_counter() - start
    return {
        "concurrent_20_executions_per_s": round(finished / elapsed, 1),
        "loop_lag_during_20_concurrent_runs": asdict(probe.summary()),
        "loop_lag_idle_baseline": asdict(idle.summary()),
    }


async def persisted_figures(
    url: str, repeats: int, throughput_runs: int, rounds: int
) -> dict[str, Any]:
    """Per-node overhead and executions/s with every node run written to the database."""
    from app.models.db import configure_engine
    from app.models.migrations import upgrade_database
    from app.models.workflow import WorkflowCreate
    from app.services import executions, workflows
    from app.services.principal import SYSTEM
    from app.services.unit_of_work import session_scope

    upgrade_database(url)
    configure_engine(url)
    ids = {}
    with session_scope() as session:
        for name, document in (
            ("chain_100", chain_document(100)),
            ("fan_out_10", fan_out_document(10)),
            ("three_nodes", three_node_document()),
        ):
            created = workflows.create_workflow(
                session, principal=SYSTEM, data=WorkflowCreate(name=name, definition=document)
            )
            ids[name] = (created.id, len(document["nodes"]))

    figures: dict[str, Any] = {}
    for name in ("chain_100", "fan_out_10"):
        workflow_id, node_count = ids[name]
        samples = []
        for i in range(repeats):
            start = time.perf_counter()
            done = await executions.run_execution_inline(
                principal=SYSTEM, workflow_id=workflow_id, input={"i": i}
            )
            samples.append((time.perf_counter() - start) * 1000 / node_count)
            assert done.status == "succeeded", done.error
        figures[f"{name}_ms_per_node"] = _summary(samples)

    workflow_id, _ = ids["three_nodes"]
    await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=workflow_id, input={"warm": True}
    )
    start = time.perf_counter()
    for i in range(throughput_runs):
        done = await executions.run_execution_inline(
            principal=SYSTEM, workflow_id=workflow_id, input={"i": i}
        )
        assert done.status == "succeeded", done.error
    elapsed = time.perf_counter() - start
    figures["three_node_executions_per_s"] = round(throughput_runs / elapsed, 1)
    figures.update(await concurrent_figures(workflow_id, rounds))
    return figures


async def main() -> None:
    """Run every figure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 20 if args.quick else 200
    throughput_runs = 200 if args.quick else 2000
    rounds = 10 if args.quick else 50

    report: dict[str, Any] = {
        "goals": {
            "in_memory_ms_per_node_max": GOAL_MS_PER_NODE,
            "sqlite_three_node_executions_per_s_min": GOAL_EXECUTIONS_PER_S,
            "loop_lag_p99_ms_during_20_concurrent_runs_max": GOAL_LOOP_LAG_P99_MS,
            "expression_render_ms_per_node_max": GOAL_EXPRESSION_MS_PER_NODE,
        }
    }
    report["expressions"] = await expression_figures(10 if args.quick else 50)
    report["expressions"]["transform_chain_100"] = await in_memory_ms_per_node(
        transform_chain_document(100), repeats
    )
    memory = {
        "chain_100": await in_memory_ms_per_node(chain_document(100), repeats),
        "fan_out_10": await in_memory_ms_per_node(fan_out_document(10), repeats * 5),
    }
    report["in_memory"] = memory

    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/bench.db"
        report["sqlite"] = await persisted_figures(
            sqlite_url, repeats // 4, throughput_runs, rounds
        )

    if _postgres_reachable():
        pg_url = _fresh_postgres_url()
        try:
            report["postgresql"] = await persisted_figures(
                pg_url, repeats // 4, throughput_runs // 2, rounds
            )
        finally:
            from app.models.db import dispose_engine

            dispose_engine()
            _drop_postgres(pg_url)
    else:
        report["postgresql"] = "skipped: server not reachable"

    worst_memory = max(m["median_ms"] for m in memory.values())
    rate = report["sqlite"]["three_node_executions_per_s"]
    report["ratios"] = {
        "in_memory_ms_per_node_vs_goal": round(worst_memory / GOAL_MS_PER_NODE, 3),
        "sqlite_executions_per_s_vs_goal": round(rate / GOAL_EXECUTIONS_PER_S, 3),
        "expression_render_ms_per_node_vs_goal": round(
            report["expressions"]["render_ms_per_node"] / GOAL_EXPRESSION_MS_PER_NODE, 3
        ),
    }
    for backend in ("sqlite", "postgresql"):
        figures = report[backend]
        if isinstance(figures, dict):
            lag = figures["loop_lag_during_20_concurrent_runs"]["p99_ms"]
            report["ratios"][f"{backend}_loop_lag_p99_vs_goal"] = round(
                lag / GOAL_LOOP_LAG_P99_MS, 3
            )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
