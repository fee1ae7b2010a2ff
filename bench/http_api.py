"""HTTP benchmark: `flowbook serve` on SQLite under 32 concurrent execute requests.

Starts `flowbook serve` on a free port with a scratch SQLite database, creates a 3-node
workflow (manual trigger -> set variables -> output) through the API, then runs a load
generator in a second process (bench/http_api_load.py: asyncio + httpx, N concurrent clients,
each POSTing `/api/workflows/{id}/execute` in a loop): a warm-up, then a measured window.
Prints one JSON document:
- accepted/s: 202 answers received in the window per second;
- finished/s: executions that reached a final status in the window per second (counted in
  the database by this process, so the server does no extra work for it);
- p50/p99 latency from sending the request to its 202 (requests sent in the window);
- server CPU ms per execution: CPU time (user + system) of the server's process tree from the
  start of the window until every accepted run finished, over the executions that finished
  in that time;
- RSS of the server's process tree (peak, sampled while loaded);
- integrity: every accepted request has exactly one execution in the database, finished (0
  lost, 0 duplicates, no execution nobody was answered for), checked once all runs finished,
  and the API's total for the workflow agrees.
Goals (issue 7): >= 1,000 finished/s, p99 < 50 ms, <= 1 ms CPU per execution, RSS <= 200 MB,
0 lost. Each figure is printed with its ratio to its goal and whether it is met. The load
generator shares the machine's CPUs with the server, so on a small machine the figures are
a lower bound of what the server alone could do: with httpx (the default, as issue 7 asks;
one client per caller) it takes about 0.5 ms of CPU a request, `--client raw`
(bench/raw_http_client.py) a few percent of that.
(Not named bench/http.py: a script's folder comes first on the import path, so that name
would hide the standard library's `http` package from every other script in bench/.)

Run with `python bench/http_api.py [--warmup S] [--duration S] [--concurrency N]
[--client httpx|raw]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.models.execution import FINISHED_STATUSES
from bench.http_api_load import (
    API_KEY_ENV,
    DONE,
    MEASURING,
    add_load_arguments,
    load_arguments,
)
from bench.process_metrics import RssSampler, cpu_seconds
from e2e.app_process import REPO_ROOT, AppProcess, free_port, launch
from tests.credentials import owner_api_key

GOAL_FINISHED_PER_S = 1000.0
GOAL_P99_MS = 50.0
GOAL_CPU_MS_PER_EXECUTION = 1.0
GOAL_RSS_MB = 200.0
STARTUP_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 300.0
LOAD_GENERATOR = REPO_ROOT / "bench" / "http_api_load.py"
FINISHED = tuple(sorted(s.value for s in FINISHED_STATUSES))


def three_node_workflow() -> dict[str, Any]:
    """manual trigger -> set variables (from the trigger payload) -> output."""
    return {
        "schema": 1,
        "nodes": [
            {"id": "start", "type": "manual_trigger", "name": "Start"},
            {
                "id": "vars",
                "type": "set_variables",
                "name": "Set variables",
                "config": {"variables": {"greeting": "Hello {{ trigger.name }}"}},
            },
            {
                "id": "result",
                "type": "output",
                "name": "Result",
                "config": {"value": "{{ vars.greeting }}"},
            },
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "vars"},
            {"id": "e2", "source": "vars", "target": "result"},
        ],
    }


def server_environment(work_dir: Path, port: int) -> dict[str, str]:
    """A scratch database, data folder and build folder, so nothing of the developer's is used."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work_dir / 'flowbook.db'}",
            "FLOWBOOK_DATA_DIR": str(work_dir / "data"),
            "FLOWBOOK_FRONTEND_PORT": str(port),
            "REFLEX_WEB_WORKDIR": str(work_dir / "web"),
            "REFLEX_STATES_WORKDIR": str(work_dir / "states"),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
    )
    return env


def start_server(work_dir: Path, port: int) -> AppProcess:
    """`flowbook serve --port PORT` in its own process group; returns once it answers (the
    backend's /ping and the frontend's / on the one port).

    Raises:
        RuntimeError: the server exited or did not answer in time (with the end of its log).
    """
    return launch(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=server_environment(work_dir, port),
        log_path=work_dir / "serve.log",
        ports=(port, port),
        timeout_s=STARTUP_TIMEOUT_S,
    )


class Database:
    """Read-only counts in the server's SQLite file (WAL: readers never block its writer)."""

    def __init__(self, path: Path, workflow_id: int) -> None:
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        self._workflow_id = workflow_id

    def finished(self) -> int:
        """Executions of the workflow with a final status."""
        marks = ",".join("?" * len(FINISHED))
        row = self._connection.execute(
            f"SELECT count(*) FROM executions WHERE workflow_id = ? AND status IN ({marks})",
            (self._workflow_id, *FINISHED),
        ).fetchone()
        return int(row[0])

    def executions(self) -> dict[int, str]:
        """Every execution of the workflow: id -> status."""
        rows = self._connection.execute(
            "SELECT id, status FROM executions WHERE workflow_id = ?", (self._workflow_id,)
        )
        return {int(row[0]): str(row[1]) for row in rows}

    def close(self) -> None:
        """Closes the connection."""
        self._connection.close()


def wait_until_drained(database: Database, accepted: int) -> float:
    """Seconds until as many executions finished as were accepted (or the timeout)."""
    started = time.perf_counter()
    while time.perf_counter() - started < DRAIN_TIMEOUT_S:
        if database.finished() >= accepted:
            break
        time.sleep(0.2)
    return time.perf_counter() - started


def integrity(database: Database, accepted_ids: list[int], api_total: int) -> dict[str, Any]:
    """Every accepted request has exactly one execution, finished, and no other exists."""
    stored = database.executions()
    accepted = Counter(accepted_ids)
    statuses = Counter(stored[i] for i in accepted if i in stored)
    report = {
        "accepted": len(accepted_ids),
        "executions_in_database": len(stored),
        "executions_in_api": api_total,
        "lost": sum(1 for i in accepted if i not in stored),
        "duplicates": sum(n - 1 for n in accepted.values()),
        "executions_nobody_was_answered_for": sum(1 for i in stored if i not in accepted),
        "not_finished": sum(n for s, n in statuses.items() if s not in FINISHED),
        "statuses": dict(statuses),
    }
    report["every_accepted_request_has_exactly_one_finished_execution"] = (
        report["lost"] == report["duplicates"] == report["not_finished"] == 0
        and report["executions_nobody_was_answered_for"] == 0
        and len(stored) == api_total == len(accepted_ids)
    )
    return report


def figure(value: float, goal: float, *, higher_is_better: bool) -> dict[str, Any]:
    """A measured value beside its goal: ratio = value / goal, and whether the goal is met."""
    return {
        "value": round(value, 3),
        "goal": f"{'>=' if higher_is_better else '<='} {goal:g}",
        "ratio_to_goal": round(value / goal, 3),
        "met": value >= goal if higher_is_better else value <= goal,
    }


def run_load_generator(
    url: str,
    api_key: str,
    workflow_id: int,
    args: argparse.Namespace,
    database: Database,
    server_pid: int,
) -> dict[str, Any]:
    """Runs the load generator process; snapshots CPU and finished counts at its window."""
    command = [sys.executable, str(LOAD_GENERATOR), url, str(workflow_id)]
    command += load_arguments(args)
    marks: dict[str, dict[str, float]] = {}
    env = {**os.environ, API_KEY_ENV: api_key}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as generator:
        assert generator.stdout is not None
        for line in generator.stdout:
            word = line.strip()
            if word in (MEASURING, DONE):
                marks[word] = {
                    "cpu_s": cpu_seconds(server_pid),
                    "generator_cpu_s": cpu_seconds(generator.pid),
                    "finished": database.finished(),
                }
            elif word:
                load: dict[str, Any] = json.loads(word)
    if generator.returncode != 0 or set(marks) != {MEASURING, DONE}:
        raise RuntimeError(f"the load generator failed ({generator.returncode})")
    return {"load": load, "marks": marks}


def measure(args: argparse.Namespace, work_dir: Path) -> dict[str, Any]:
    """Starts the server, loads it, drains it and checks every execution."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(work_dir, port)
    try:
        api_key = owner_api_key(url)
        headers = {"Authorization": f"Bearer {api_key}"}
        with httpx.Client(base_url=url, timeout=30, headers=headers) as api:
            created = api.post(
                "/api/workflows", json={"name": "HTTP bench", "definition": three_node_workflow()}
            )
            created.raise_for_status()
            workflow_id = int(created.json()["id"])
            database = Database(work_dir / "flowbook.db", workflow_id)
            with RssSampler(server.pid) as rss:
                run = run_load_generator(url, api_key, workflow_id, args, database, server.pid)
                load, marks = run["load"], run["marks"]
                drain_s = wait_until_drained(database, len(load["execution_ids"]))
            cpu_end, finished_end = cpu_seconds(server.pid), database.finished()
            api_total = api.get(
                "/api/executions", params={"workflow_id": workflow_id, "limit": 1}
            ).json()["total"]
            checked = integrity(database, load["execution_ids"], api_total)
            database.close()
    finally:
        server.stop()
    window_s = load["window_s"]
    finished_in_window = marks[DONE]["finished"] - marks[MEASURING]["finished"]
    cpu_ms = (cpu_end - marks[MEASURING]["cpu_s"]) * 1000
    finished_since_window = finished_end - marks[MEASURING]["finished"]
    cpu_per_execution = cpu_ms / max(1, finished_since_window)
    peak_rss_mb = rss.peak_bytes / 2**20
    return {
        "setup": {
            "server": "flowbook serve (one process: built pages + events + /api), SQLite",
            "workflow": "manual_trigger -> set_variables -> output",
            "concurrency": args.concurrency,
            "load_generator_client": args.client,
            "warmup_s": args.warmup,
            "measured_s": round(window_s, 2),
            "cpus": os.cpu_count(),
            "load_average_1m_before": round(os.getloadavg()[0], 2),
        },
        "figures": {
            "accepted_per_s": round(load["accepted_in_window"] / window_s, 1),
            "finished_per_s": figure(
                finished_in_window / window_s, GOAL_FINISHED_PER_S, higher_is_better=True
            ),
            "p50_to_202_ms": load["latency_ms"]["p50"],
            "p99_to_202_ms": figure(load["latency_ms"]["p99"], GOAL_P99_MS, higher_is_better=False),
            "server_cpu_ms_per_execution": figure(
                cpu_per_execution, GOAL_CPU_MS_PER_EXECUTION, higher_is_better=False
            ),
            "server_rss_peak_mb": figure(peak_rss_mb, GOAL_RSS_MB, higher_is_better=False),
            "lost": {"value": checked["lost"], "goal": "0", "met": checked["lost"] == 0},
        },
        "details": {
            "latency_to_202_ms": load["latency_ms"],
            "requests": load["requests"],
            "statuses": load["statuses"],
            "transport_errors": load["transport_errors"],
            "drain_after_window_s": round(drain_s, 2),
            "server_cpu_ms_window_to_drained": round(cpu_ms, 1),
            # Near 1.0 the load generator (one Python process) is what limits the figures:
            # its requests wait on its own loop, which counts in their latency.
            "load_generator_cores_busy_in_window": round(
                (marks[DONE]["generator_cpu_s"] - marks[MEASURING]["generator_cpu_s"]) / window_s,
                2,
            ),
            "executions_finished_window_to_drained": finished_since_window,
            "finished_at_window_start_and_end": [
                marks[MEASURING]["finished"],
                marks[DONE]["finished"],
            ],
            "server_processes_at_peak_rss": [
                {**p, "rss_mb": round(p["rss_mb"], 1)} for p in rss.peak_processes
            ],
        },
        "integrity": checked,
    }


def main() -> None:
    """Parses the flags, runs the benchmark and prints its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_arguments(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowbook-bench-http-") as folder:
        report = measure(args, Path(folder))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
