"""How each version of a workflow has run: runs, success rate, duration (mean and p95) and
cost, from one query over the executions of the workflow's versions.

The query reaches executions through `ix_executions_version_id` and node runs through
`ix_node_runs_execution_id_id` (no full scan); the aggregates are summed up here, since
SQLite has no percentile function.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, Table, func, select
from sqlmodel import Session

from app.models.execution import FINISHED_STATUSES, ExecutionStatus
from app.models.version import WorkflowVersion
from app.models.version_run import VersionStats
from app.services import execution_store as store
from app.services.access import Action
from app.services.principal import Principal
from app.services.runnable_workflows import workflow_row

VERSIONS: Table = WorkflowVersion.__table__  # type: ignore[attr-defined]
_FINISHED = frozenset(status.value for status in FINISHED_STATUSES)

__all__ = ["stats_statement", "version_stats"]


def stats_statement(workflow_id: int) -> Select[Any]:
    """(version id, number, status, started_at, finished_at, cost) of every execution of a
    version of the workflow."""
    executions, node_runs = store.EXECUTIONS, store.NODE_RUNS
    cost = (
        select(func.sum(node_runs.c.cost_usd))
        .where(node_runs.c.execution_id == executions.c.id)
        .scalar_subquery()
    )
    return (
        select(
            VERSIONS.c.id,
            VERSIONS.c.number,
            executions.c.status,
            executions.c.started_at,
            executions.c.finished_at,
            cost.label("cost"),
        )
        .join(executions, executions.c.version_id == VERSIONS.c.id)
        .where(VERSIONS.c.workflow_id == workflow_id)
    )


def _p95(durations: list[float]) -> float:
    ordered = sorted(durations)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _stats(version_id: int, number: int, rows: list[Any]) -> VersionStats:
    finished = [row for row in rows if row.status in _FINISHED]
    succeeded = sum(row.status == ExecutionStatus.SUCCEEDED.value for row in finished)
    durations = [
        (row.finished_at - row.started_at).total_seconds() * 1000
        for row in finished
        if row.started_at is not None and row.finished_at is not None
    ]
    costs = [row.cost or 0.0 for row in finished]
    return VersionStats(
        version_id=version_id,
        version_number=number,
        runs=len(rows),
        finished=len(finished),
        succeeded=succeeded,
        success_rate=succeeded / len(finished) if finished else None,
        avg_duration_ms=sum(durations) / len(durations) if durations else None,
        p95_duration_ms=_p95(durations) if durations else None,
        avg_cost_usd=sum(costs) / len(costs) if costs else None,
    )


def version_stats(
    session: Session, *, principal: Principal, workflow_id: int
) -> list[VersionStats]:
    """One row per version of the workflow that has runs, newest version first.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
    """
    connection = session.connection()
    workflow_row(connection, workflow_id, principal, Action.READ)
    by_version: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in connection.execute(stats_statement(workflow_id)):
        by_version[(row.id, row.number)].append(row)
    return [
        _stats(version_id, number, rows)
        for (version_id, number), rows in sorted(
            by_version.items(), key=lambda item: item[0][1], reverse=True
        )
    ]
