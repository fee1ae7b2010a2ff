"""Prometheus metrics counted where things happen, cheap enough for the run path (a lock
and an addition each).

One process: the metrics live in `REGISTRY` (with the process collector). Several worker
processes: set `PROMETHEUS_MULTIPROC_DIR` to an empty folder shared by the workers (and
emptied before they start); prometheus_client then keeps every process's values in files
there and a scrape of any worker sums them (`scrape_registry`). The figures read from the
database or the serving process at scrape time are in `metrics_collectors.py`.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REGISTRY = CollectorRegistry(auto_describe=True)
NODE_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60)

EXECUTIONS = Counter(
    "flowbook_executions",
    "Executions that finished, by workflow and final status.",
    ["workflow_id", "status"],
    registry=REGISTRY,
)
NODE_DURATION = Histogram(
    "flowbook_node_duration_seconds",
    "Wall time of node attempts that ran (reused and pinned outputs excluded).",
    ["node_type", "status"],
    buckets=NODE_BUCKETS,
    registry=REGISTRY,
)
WEBHOOK_CALLS = Counter(
    "flowbook_webhook_calls",
    "Webhook calls received, by outcome (accepted, refused with its reason, failed).",
    ["outcome"],
    registry=REGISTRY,
)
SCHEDULE_FIRES = Counter(
    "flowbook_schedule_fires",
    "Schedule fire times that started a run.",
    registry=REGISTRY,
)
SCHEDULE_MISSES = Counter(
    "flowbook_schedule_misses",
    "Schedule fire times recorded as missed (downtime, past grace, overlap, skipped).",
    registry=REGISTRY,
)
SCHEDULE_LAG = Histogram(
    "flowbook_schedule_fire_lag_seconds",
    "How late the scheduler fired after a fire time.",
    buckets=LAG_BUCKETS,
    registry=REGISTRY,
)
ERRORS = Counter(
    "flowbook_errors",
    "Errors captured (see the monitoring page), by where they happened.",
    ["source"],
    registry=REGISTRY,
)


def multiprocess_mode() -> bool:
    """Whether metrics are shared by several processes through PROMETHEUS_MULTIPROC_DIR."""
    return bool(os.environ.get(MULTIPROC_ENV))


if not multiprocess_mode():
    ProcessCollector(registry=REGISTRY)


def scrape_registry() -> CollectorRegistry:
    """What a scrape reads: this process's metrics, or in multiprocess mode every process's
    (summed by prometheus_client from the shared folder)."""
    if not multiprocess_mode():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
