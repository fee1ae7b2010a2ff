"""Recent activity for the monitoring snapshot: executions finished per minute and per hour,
and each LLM deployment's last hour (breaker, calls, failed attempts, latency percentiles).

Execution throughput is aggregated in SQL; deployment latency percentiles are computed here
from the last hour's answered calls (bounded by `MAX_ROWS`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, Table, case, cast, func, select
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


def _epoch_s(column: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds since 1970 of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def _duration_ms(dialect: str) -> ColumnElement[float]:
    finished, started = EXECUTIONS.c.finished_at, EXECUTIONS.c.started_at
    if dialect == "postgresql":
        return cast(func.extract("epoch", finished - started) * 1000, Float)
    return cast((func.julianday(finished) - func.julianday(started)) * 86_400_000, Float)


def throughput(
    session: Session, *, now: datetime, size: timedelta, count: int
) -> list[ThroughputPoint]:
    """`count` buckets of `size` ending with the one holding `now`, oldest first: executions
    finished in each, how many failed (or crashed), p50/p99 of their run time.

    Counted in SQL in one pass: per bucket, with the nearest-rank percentiles found by
    numbering each bucket's durations (window functions, on SQLite and PostgreSQL alike).
    """
    connection = session.connection()
    dialect = connection.dialect.name
    seconds = int(size.total_seconds())
    first = _bucket_start(now, size) - size * (count - 1)
    finished = (
        select(
            (_epoch_s(EXECUTIONS.c.finished_at, dialect) // seconds).label("bucket"),
            EXECUTIONS.c.status,
            _duration_ms(dialect).label("duration_ms"),
        )
        .where(EXECUTIONS.c.finished_at >= first)
        .cte("finished")
    )
    # Durations numbered per bucket, missing ones last (both backends order booleans alike).
    ranked = select(
        finished.c.bucket,
        finished.c.status,
        finished.c.duration_ms,
        func.row_number()
        .over(
            partition_by=finished.c.bucket,
            order_by=(finished.c.duration_ms.is_(None), finished.c.duration_ms),
        )
        .label("rank"),
        func.count(finished.c.duration_ms).over(partition_by=finished.c.bucket).label("n"),
    ).subquery()
    rank, n = ranked.c.rank, ranked.c.n
    rows = connection.execute(
        select(
            ranked.c.bucket,
            func.count(),
            func.sum(case((ranked.c.status.in_(FAILED), 1), else_=0)),
            func.max(case((rank == (n + 1) // 2, ranked.c.duration_ms))),
            func.max(case((rank == (99 * n + 99) // 100, ranked.c.duration_ms))),
        ).group_by(ranked.c.bucket)
    )
    by_bucket = {int(row[0]): row[1:] for row in rows}
    points = []
    for index in range(count):
        start = first + size * index
        bucket = int(start.timestamp()) // seconds
        runs, failed, p50, p99 = by_bucket.get(bucket, (0, 0, None, None))
        points.append(
            ThroughputPoint(
                start=start,
                finished=int(runs),
                failed=int(failed or 0),
                # Whole ms: SQLite's julianday differences carry ~0.05 ms of float error.
                p50_duration_ms=None if p50 is None else float(round(p50)),
                p99_duration_ms=None if p99 is None else float(round(p99)),
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
