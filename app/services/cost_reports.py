"""The analytics API's reports: one breakdown, token usage with execution stats, the daily
trend and the most expensive workflows, each scoped and filtered like the cost dashboard."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.models.cost_schemas import (
    CostBreakdown,
    CostGroup,
    CostTrend,
    ExpensiveWorkflows,
    UsageReport,
)
from app.services import cost_queries
from app.services.cost_scope import cost_filter, utc_today
from app.services.principal import Principal


def cost_breakdown(
    session: Session,
    *,
    principal: Principal,
    start: date,
    end: date,
    workflow_id: int | None,
    group_by: CostGroup,
) -> CostBreakdown:
    """Cost and tokens per `group_by` in UTC days `start`..`end`, most expensive first.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    rows = cost_queries.breakdown(session.connection(), principal, where, group_by)
    return CostBreakdown(
        start=start, end=end, workflow_id=workflow_id, group_by=group_by, rows=rows
    )


def usage_report(
    session: Session, *, principal: Principal, start: date, end: date, workflow_id: int | None
) -> UsageReport:
    """Tokens used in the range, the period totals, and each workflow's execution stats.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    connection = session.connection()
    return UsageReport(
        start=start,
        end=end,
        workflow_id=workflow_id,
        tokens=cost_queries.token_usage(connection, principal, where),
        totals=cost_queries.period_totals(connection, principal, workflow_id, utc_today()),
        executions=cost_queries.execution_stats(connection, principal, where),
    )


def cost_trend(
    session: Session, *, principal: Principal, start: date, end: date, workflow_id: int | None
) -> CostTrend:
    """Cost per UTC day and provider in the range.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    rows = cost_queries.trend(session.connection(), principal, where)
    return CostTrend(start=start, end=end, workflow_id=workflow_id, rows=rows)


def expensive_workflows(
    session: Session, *, principal: Principal, start: date, end: date, limit: int
) -> ExpensiveWorkflows:
    """The `limit` most expensive workflows in the range.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, None)
    rows = cost_queries.breakdown(
        session.connection(), principal, where, CostGroup.WORKFLOW, limit=limit
    )
    return ExpensiveWorkflows(start=start, end=end, rows=rows)
