"""Webhook benchmark: signed calls to `POST /api/hooks/{public_id}` on `flowbook serve`.

Starts `flowbook serve` on a free port with a scratch database (SQLite, or with `--postgres`
a fresh PostgreSQL database), creates a 3-node workflow through the API and a Standard
Webhooks webhook on it (inserted in the database, with a rate limit high enough not to
refuse anything), then runs a load generator in a second process (bench/webhooks_load.py:
N concurrent clients, each call signed by the reference `standardwebhooks` package with a
fresh webhook-id): a warm-up, then a measured window. Prints one JSON document:
- accepted/s: 202 answers received in the window per second;
- finished/s: webhook executions that reached a final status in the window per second;
- p50/p99 latency from sending a call to its 202 (calls sent in the window);
- server CPU ms per call (accepted, run and finished), from the window's start until every
  run finished, and the calls one CPU second of the server serves: less sensitive than the
  rates to what else the machine runs;
- integrity, once every accepted run finished: each accepted call has exactly one
  execution, finished; no execution nobody was answered for; one delivery row per call.
Goals (issue 11, on SQLite): >= 500 accepted and executed per second (the lower of
accepted/s and finished/s), p99 < 50 ms, 0 lost. The load generator shares the machine's
CPUs with the server, so on a small machine the figures are a lower bound; `--client raw`
(bench/raw_http_client.py) leaves nearly all of them to the server.

Run with `python bench/webhooks.py [--postgres] [--warmup S] [--duration S]
[--concurrency N] [--client httpx|raw]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.models.execution import FINISHED_STATUSES
from app.models.types import utc_now
from app.models.webhook import SignatureMode, Webhook
from app.services.webhook_secrets import encrypt_secret, new_public_id, new_secret
from bench.engine import _drop_postgres, _fresh_postgres_url
from bench.http_api import figure, server_environment, three_node_workflow
from bench.http_api_load import DONE, MEASURING, add_load_arguments, load_arguments
from bench.process_metrics import cpu_seconds
from bench.webhooks_load import SECRET_ENV
from e2e.app_process import REPO_ROOT, AppProcess, free_port, launch
from tests.credentials import owner_api_key

GOAL_PER_S = 500.0
GOAL_P99_MS = 50.0
STARTUP_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 300.0
UNLIMITED_PER_HOUR = 1_000_000_000
LOAD_GENERATOR = REPO_ROOT / "bench" / "webhooks_load.py"
FINISHED = tuple(sorted(s.value for s in FINISHED_STATUSES))


class Counts:
    """Counts in the server's database, read by this process."""

    def __init__(self, engine: Engine, workflow_id: int) -> None:
        self._engine = engine
        self._workflow_id = workflow_id

    def _scalar(self, sql: str) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(text(sql), {"w": self._workflow_id}).scalar_one())

    def finished(self) -> int:
        """Webhook executions of the workflow with a final status."""
        marks = ",".join(f"'{s}'" for s in FINISHED)
        return self._scalar(
            "SELECT count(*) FROM executions WHERE workflow_id = :w AND trigger = 'webhook'"
            f" AND status IN ({marks})"
        )

    def executions(self) -> dict[int, str]:
        """Every execution of the workflow: id -> status."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, status FROM executions WHERE workflow_id = :w"),
                {"w": self._workflow_id},
            )
            return {int(row[0]): str(row[1]) for row in rows}

    def deliveries(self) -> int:
        """Delivery rows (one per webhook-id accepted)."""
        return self._scalar("SELECT count(*) FROM webhook_deliveries")


def start_server(work_dir: Path, port: int, database_url: str, secret_key: str) -> AppProcess:
    """`flowbook serve` on `database_url`; returns once it answers."""
    env = server_environment(work_dir, port) | {
        "DATABASE_URL": database_url,
        "FLOWBOOK_SECRET_KEY": secret_key,
    }
    return launch(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        log_path=work_dir / "serve.log",
        ports=(port, port),
        timeout_s=STARTUP_TIMEOUT_S,
    )


def create_webhook(engine: Engine, workflow_id: int) -> tuple[str, str]:
    """Insert a Standard Webhooks webhook on the workflow; (public id, secret)."""
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None
    public_id, now = new_public_id(), utc_now()
    with engine.begin() as connection:
        connection.execute(
            insert(Webhook.__table__),  # type: ignore[attr-defined]
            {
                "public_id": public_id,
                "workflow_id": workflow_id,
                "name": "bench",
                "enabled": True,
                "signature_mode": SignatureMode.STANDARD.value,
                "secret_encrypted": encrypt_secret(secret),
                "token_header": "X-Webhook-Token",
                "rate_limit_per_hour": UNLIMITED_PER_HOUR,
                "ip_allowlist": [],
                "body_limit_bytes": 1024 * 1024,
                "respond_mode": "accepted",
                "respond_timeout_seconds": 10.0,
                "created_at": now,
                "updated_at": now,
            },
        )
    return public_id, secret


def run_load_generator(
    url: str, public_id: str, secret: str, args: argparse.Namespace, counts: Counts, pid: int
) -> dict[str, Any]:
    """Runs the load generator process; counts finished runs (and the server's CPU time)
    at its window's edges."""
    command = [sys.executable, str(LOAD_GENERATOR), url, public_id]
    command += load_arguments(args)
    marks: dict[str, dict[str, float]] = {}
    env = {**os.environ, SECRET_ENV: secret}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as generator:
        assert generator.stdout is not None
        for line in generator.stdout:
            word = line.strip()
            if word in (MEASURING, DONE):
                marks[word] = {"finished": counts.finished(), "cpu_s": cpu_seconds(pid)}
            elif word:
                load: dict[str, Any] = json.loads(word)
    if generator.returncode != 0 or set(marks) != {MEASURING, DONE}:
        raise RuntimeError(f"the load generator failed ({generator.returncode})")
    return {"load": load, "marks": marks}


def integrity(counts: Counts, accepted_ids: list[int]) -> dict[str, Any]:
    """Every accepted call has exactly one execution, finished, and no other exists."""
    stored = counts.executions()
    accepted = Counter(accepted_ids)
    statuses = Counter(stored[i] for i in accepted if i in stored)
    report = {
        "accepted": len(accepted_ids),
        "executions_in_database": len(stored),
        "delivery_rows": counts.deliveries(),
        "lost": sum(1 for i in accepted if i not in stored),
        "duplicates": sum(n - 1 for n in accepted.values()),
        "executions_nobody_was_answered_for": sum(1 for i in stored if i not in accepted),
        "not_finished": sum(n for s, n in statuses.items() if s not in FINISHED),
        "statuses": dict(statuses),
    }
    report["every_accepted_call_has_exactly_one_finished_execution"] = (
        report["lost"] == report["duplicates"] == report["not_finished"] == 0
        and report["executions_nobody_was_answered_for"] == 0
        and len(stored) == len(accepted_ids) == report["delivery_rows"]
    )
    return report


def measure(args: argparse.Namespace, work_dir: Path, database_url: str) -> dict[str, Any]:
    """Starts the server, loads it, drains it and checks every execution."""
    secret_key = Fernet.generate_key().decode()
    # This process encrypts the webhook's secret with the server's key.
    os.environ.update({"DATABASE_URL": database_url, "FLOWBOOK_SECRET_KEY": secret_key})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(work_dir, port, database_url, secret_key)
    engine = create_engine(database_url)
    try:
        headers = {"Authorization": f"Bearer {owner_api_key(url)}"}
        with httpx.Client(base_url=url, timeout=30, headers=headers) as api:
            created = api.post(
                "/api/workflows",
                json={"name": "Webhook bench", "definition": three_node_workflow()},
            )
            created.raise_for_status()
            workflow_id = int(created.json()["id"])
        public_id, secret = create_webhook(engine, workflow_id)
        counts = Counts(engine, workflow_id)
        run = run_load_generator(url, public_id, secret, args, counts, server.pid)
        load, marks = run["load"], run["marks"]
        started = time.perf_counter()
        while time.perf_counter() - started < DRAIN_TIMEOUT_S:
            if counts.finished() >= len(load["execution_ids"]):
                break
            time.sleep(0.2)
        drain_s = time.perf_counter() - started
        cpu_end, finished_end = cpu_seconds(server.pid), counts.finished()
        checked = integrity(counts, load["execution_ids"])
    finally:
        server.stop()
        engine.dispose()
    window_s = load["window_s"]
    accepted_per_s = load["accepted_in_window"] / window_s
    finished_per_s = (marks[DONE]["finished"] - marks[MEASURING]["finished"]) / window_s
    # CPU of the server's process tree per call, from the window's start until every run
    # finished: what the load on the rest of the machine does not change much.
    cpu_ms = (cpu_end - marks[MEASURING]["cpu_s"]) * 1000
    calls_since_window = finished_end - marks[MEASURING]["finished"]
    cpu_ms_per_call = cpu_ms / max(1, calls_since_window)
    return {
        "setup": {
            "server": "flowbook serve (one process), " + database_url.split(":")[0],
            "workflow": "manual_trigger -> set_variables -> output",
            "signature": "Standard Webhooks, signed by the reference standardwebhooks package",
            "concurrency": args.concurrency,
            "load_generator_client": args.client,
            "warmup_s": args.warmup,
            "measured_s": round(window_s, 2),
            "cpus": os.cpu_count(),
            "load_average_1m_before": round(os.getloadavg()[0], 2),
        },
        "figures": {
            "accepted_and_executed_per_s": figure(
                min(accepted_per_s, finished_per_s), GOAL_PER_S, higher_is_better=True
            ),
            "accepted_per_s": round(accepted_per_s, 1),
            "finished_per_s": round(finished_per_s, 1),
            "p50_to_202_ms": load["latency_ms"]["p50"],
            "p99_to_202_ms": figure(load["latency_ms"]["p99"], GOAL_P99_MS, higher_is_better=False),
            "lost": {"value": checked["lost"], "goal": "0", "met": checked["lost"] == 0},
            "server_cpu_ms_per_call": round(cpu_ms_per_call, 3),
            "calls_per_server_cpu_second": round(1000 / max(cpu_ms_per_call, 1e-9), 1),
        },
        "details": {
            "latency_to_202_ms": load["latency_ms"],
            "requests": load["requests"],
            "statuses": load["statuses"],
            "transport_errors": load["transport_errors"],
            "drain_after_window_s": round(drain_s, 2),
        },
        "integrity": checked,
    }


def main() -> None:
    """Parses the flags, runs the benchmark and prints its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    add_load_arguments(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowbook-bench-webhooks-") as folder:
        if args.postgres:
            database_url = _fresh_postgres_url()
            try:
                report = measure(args, Path(folder), database_url)
            finally:
                _drop_postgres(database_url)
        else:
            report = measure(args, Path(folder), f"sqlite:///{Path(folder) / 'flowbook.db'}")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
