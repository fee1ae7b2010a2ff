"""Recent activity for the monitoring snapshot: executions finished per minute and per hour,
and each LLM deployment's last hour (breaker, calls, failed attempts, latency percentiles).

Percentiles are computed here from the recent rows (SQLite has no percentile function); the
rows read are bounded by the time window and `MAX_ROWS`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, func, select
from sqlmodel import Session

from app.llm.breaker_store import BreakerPhase
from app.llm.types import Outcome
from app.models.cost import LLMCall
from app.models.execution import Execution, ExecutionStatus
from app.models.llm import LLMBreaker, LLMFallbackEvent
from app.models.monitoring import DeploymentHealth, ThroughputPoint

EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]
CALLS: Table = LLMCall.__table__  # type: ignore[attr-defined]
FALLBACKS: Table = LLMFallbackEvent.__table__  # type: ignore[attr-defined]
BREAKERS: Table = LLMBreaker.__table__  # type: ignore[attr-defined]
MAX_ROWS = 200_000
FAILED = {ExecutionStatus.FAILED.value, ExecutionStatus.CRASHED.value}
# Attempts that never reached the provider are not its errors.
NOT_CALLED = (Outcome.BREAKER_OPEN.value, Outcome.NO_KEY.value)


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ascending values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _bucket_start(moment: datetime, size: timedelta) -> datetime:
    seconds = size.total_seconds()
    epoch = moment.timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, moment.tzinfo)


def throughput(
    session: Session, *, now: datetime, size: timedelta, count: int
) -> list[ThroughputPoint]:
    """`count` buckets of `size` ending with the one holding `now`, oldest first: executions
    finished in each, how many failed (or crashed), p50/p99 of their run time."""
    first = _bucket_start(now, size) - size * (count - 1)
    rows = session.connection().execute(
        select(EXECUTIONS.c.finished_at, EXECUTIONS.c.started_at, EXECUTIONS.c.status)
        .where(EXECUTIONS.c.finished_at >= first)
        .limit(MAX_ROWS)
    )
    buckets: dict[datetime, list[tuple[str, float | None]]] = defaultdict(list)
    for finished_at, started_at, status in rows:
        duration = None
        if started_at is not None:
            duration = (finished_at - started_at).total_seconds() * 1000
        buckets[_bucket_start(finished_at, size)].append((status, duration))
    points = []
    for index in range(count):
        start = first + size * index
        runs = buckets.get(start, [])
        durations = sorted(d for _, d in runs if d is not None)
        points.append(
            ThroughputPoint(
                start=start,
                finished=len(runs),
                failed=sum(1 for status, _ in runs if status in FAILED),
                p50_duration_ms=percentile(durations, 0.5),
                p99_duration_ms=percentile(durations, 0.99),
            )
        )
    return points


def deployments(session: Session, *, now: datetime) -> list[DeploymentHealth]:
    """Every deployment with a breaker, an answered call or a failed attempt in the last
    hour: open breakers first, then by name."""
    since = now - timedelta(hours=1)
    connection = session.connection()
    phases = dict(connection.execute(select(BREAKERS.c.deployment, BREAKERS.c.phase)).all())
    latencies: dict[str, list[int]] = defaultdict(list)
    answered = connection.execute(
        select(CALLS.c.deployment, CALLS.c.latency_ms)
        .where(CALLS.c.created_at >= since, CALLS.c.outcome == "ok")
        .limit(MAX_ROWS)
    )
    for deployment, latency_ms in answered:
        latencies[deployment].append(latency_ms)
    errors: dict[str, int] = dict(
        connection.execute(
            select(FALLBACKS.c.from_deployment, func.count())
            .where(FALLBACKS.c.at >= since, FALLBACKS.c.reason.not_in(NOT_CALLED))
            .group_by(FALLBACKS.c.from_deployment)
        ).all()
    )
    order = {BreakerPhase.OPEN.value: 0, BreakerPhase.HALF_OPEN.value: 1}
    names = sorted(
        set(phases) | set(latencies) | set(errors),
        key=lambda name: (order.get(phases.get(name, ""), 2), name),
    )
    result = []
    for name in names:
        values = sorted(latencies.get(name, []))
        failed = int(errors.get(name, 0))
        attempts = len(values) + failed
        result.append(
            DeploymentHealth(
                deployment=name,
                breaker_state=phases.get(name, BreakerPhase.CLOSED.value),
                calls_last_hour=len(values),
                errors_last_hour=failed,
                error_rate_last_hour=failed / attempts if attempts else None,
                p50_latency_ms=percentile(values, 0.5),
                p99_latency_ms=percentile(values, 0.99),
            )
        )
    return result
