"""Metrics counted in several worker processes add up in one scrape (PROMETHEUS_MULTIPROC_DIR),
and the scheduler's counts of a firing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from app.models.types import utc_now
from app.services.metrics import REGISTRY
from app.services.schedule_firing import FireOutcome
from app.services.schedule_metrics import count_fires

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from app.services.metrics import EXECUTIONS, NODE_DURATION
for _ in range(int(sys.argv[1])):
    EXECUTIONS.labels(workflow_id="7", status="failed").inc()
    NODE_DURATION.labels(node_type="delay", status="succeeded").observe(0.2)
"""
SCRAPER = """
from prometheus_client import generate_latest
from app.services.metrics import scrape_registry
print(generate_latest(scrape_registry()).decode())
"""


def _python(code: str, folder: Path, *args: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_a_scrape_adds_up_every_worker_process(tmp_path: Path) -> None:
    _python(WORKER, tmp_path, "2")
    _python(WORKER, tmp_path, "3")

    text = _python(SCRAPER, tmp_path)

    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    runs = ("flowbook_executions_total", (("status", "failed"), ("workflow_id", "7")))
    assert values[runs] == 5
    nodes = (
        "flowbook_node_duration_seconds_count",
        (("node_type", "delay"), ("status", "succeeded")),
    )
    assert values[nodes] == 5


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_firing_counts_its_runs_misses_and_lag_once() -> None:
    fires, misses = (
        _sample("flowbook_schedule_fires_total"),
        _sample("flowbook_schedule_misses_total"),
    )
    lags = _sample("flowbook_schedule_fire_lag_seconds_count")
    outcomes = [FireOutcome(stale=False, started=[], missed=2), FireOutcome(stale=True)]
    count_fires(utc_now(), outcomes)
    assert _sample("flowbook_schedule_misses_total") - misses == 2
    assert _sample("flowbook_schedule_fire_lag_seconds_count") == lags  # nothing started

    started = FireOutcome(stale=False, started=[(1, object()), (2, object())])  # type: ignore[list-item]
    count_fires(utc_now() - timedelta(seconds=3), [started])

    assert _sample("flowbook_schedule_fires_total") - fires == 2
    assert _sample("flowbook_schedule_fire_lag_seconds_count") - lags == 1
    assert _sample("flowbook_schedule_fire_lag_seconds_sum") >= 3
