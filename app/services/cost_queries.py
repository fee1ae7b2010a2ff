"""The dashboards' queries: each one aggregates in SQL over the daily rollups
(`llm_cost_daily`, `execution_daily`), never over the ledger, so a page costs a few scans of
a table with one row per day and dimension set, however many calls were made.

Sums come back as Decimal on PostgreSQL (SUM of BIGINT is NUMERIC): `_int` makes them ints.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, desc, func, select
from sqlmodel import col

from app.models.cost_schemas import (
    CostBreakdownRow,
    CostGroup,
    CostTotals,
    PeriodTotals,
    TokenUsage,
    TrendRow,
    WorkflowExecutionStats,
    WorkflowOption,
)
from app.models.workflow import Workflow
from app.services.access import visible_to
from app.services.cost_scope import (
    COST_DAILY,
    EXECUTION_DAILY,
    WORKFLOWS,
    CostFilter,
    check_may_read,
    filtered,
    visible_rows,
)
from app.services.principal import Principal

DAILY = COST_DAILY.c
NO_VALUE = "(none)"
GROUP_COLUMNS: dict[CostGroup, tuple[Any, ...]] = {
    CostGroup.WORKFLOW: (DAILY.workflow_id,),
    CostGroup.PROVIDER: (DAILY.provider,),
    CostGroup.MODEL: (DAILY.model,),
    CostGroup.AGENT_ROLE: (DAILY.agent_role,),
    CostGroup.VERSION: (DAILY.workflow_id, DAILY.version_number),
}


def _int(value: Any) -> int:
    return int(value or 0)


def _sums() -> tuple[Any, ...]:
    return (
        func.sum(DAILY.cost_micros).label("cost_micros"),
        func.sum(DAILY.input_tokens).label("input_tokens"),
        func.sum(DAILY.output_tokens).label("output_tokens"),
        func.sum(DAILY.cached_tokens).label("cached_tokens"),
        func.sum(DAILY.calls).label("calls"),
    )


def workflow_names(connection: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of workflows by id; a deleted one says so (even when its row is gone)."""
    wanted = {workflow_id for workflow_id in ids if workflow_id is not None}
    names = {workflow_id: f"Workflow {workflow_id} (deleted)" for workflow_id in wanted}
    if wanted:
        rows = connection.execute(
            select(WORKFLOWS.c.id, WORKFLOWS.c.name, WORKFLOWS.c.deleted_at).where(
                WORKFLOWS.c.id.in_(wanted)
            )
        )
        for row in rows:
            names[row.id] = row.name if row.deleted_at is None else f"{row.name} (deleted)"
    return names


def _label(group: CostGroup, row: Any, names: dict[int, str]) -> tuple[str, str]:
    """(key, label) of a breakdown row."""
    if group is CostGroup.WORKFLOW:
        if row.workflow_id is None:
            return "", "(no workflow)"
        return str(row.workflow_id), names[row.workflow_id]
    if group is CostGroup.VERSION:
        workflow = "(no workflow)" if row.workflow_id is None else names[row.workflow_id]
        number = row.version_number
        key = f"{row.workflow_id or ''}:{number or ''}"
        return key, f"{workflow} · {'unversioned' if number is None else f'v{number}'}"
    value = getattr(row, group.value)
    return (value or "", value or NO_VALUE)


def breakdown(
    connection: Connection,
    principal: Principal,
    where: CostFilter,
    group: CostGroup,
    limit: int | None = None,
) -> list[CostBreakdownRow]:
    """Cost and tokens per `group` in the filter's range, most expensive first (the first
    `limit` groups when given)."""
    columns = GROUP_COLUMNS[group]
    rows = connection.execute(
        select(*columns, *_sums())
        .where(filtered(COST_DAILY, principal, where))
        .group_by(*columns)
        .order_by(desc("cost_micros"), *columns)
        .limit(limit)
    ).all()
    by_workflow = group in (CostGroup.WORKFLOW, CostGroup.VERSION)
    names = workflow_names(connection, (row.workflow_id for row in rows)) if by_workflow else {}
    result = []
    for row in rows:
        key, label = _label(group, row, names)
        result.append(
            CostBreakdownRow(
                key=key,
                label=label,
                workflow_id=row.workflow_id if by_workflow else None,
                cost_micros=_int(row.cost_micros),
                input_tokens=_int(row.input_tokens),
                output_tokens=_int(row.output_tokens),
                cached_tokens=_int(row.cached_tokens),
                calls=_int(row.calls),
            )
        )
    return result


def period_totals(
    connection: Connection, principal: Principal, workflow_id: int | None, today: date
) -> PeriodTotals:
    """Today's, the last 7 and 30 days' and all time's totals, in one pass over the rollup."""
    tokens = DAILY.input_tokens + DAILY.output_tokens
    periods = {
        "today": today,
        "last_7_days": today - timedelta(days=6),
        "last_30_days": today - timedelta(days=29),
    }

    def since(expression: ColumnElement[Any], day: date, name: str) -> Any:
        return func.sum(case((DAILY.day >= day, expression), else_=0)).label(name)

    columns = [
        since(expression, day, f"{period}_{what}")
        for period, day in periods.items()
        for what, expression in (
            ("cost", DAILY.cost_micros),
            ("tokens", tokens),
            ("calls", DAILY.calls),
        )
    ]
    columns += [
        func.sum(DAILY.cost_micros).label("all_time_cost"),
        func.sum(tokens).label("all_time_tokens"),
        func.sum(DAILY.calls).label("all_time_calls"),
    ]
    where = visible_rows(COST_DAILY, principal)
    if workflow_id is not None:
        where = where & (DAILY.workflow_id == workflow_id)
    row = connection.execute(select(*columns).where(where)).one()._mapping

    def totals(period: str) -> CostTotals:
        return CostTotals(
            cost_micros=_int(row[f"{period}_cost"]),
            tokens=_int(row[f"{period}_tokens"]),
            calls=_int(row[f"{period}_calls"]),
        )

    return PeriodTotals(
        today=totals("today"),
        last_7_days=totals("last_7_days"),
        last_30_days=totals("last_30_days"),
        all_time=totals("all_time"),
    )


def trend(connection: Connection, principal: Principal, where: CostFilter) -> list[TrendRow]:
    """Cost and tokens per UTC day and provider, by day then provider."""
    rows = connection.execute(
        select(
            DAILY.day,
            DAILY.provider,
            func.sum(DAILY.cost_micros).label("cost_micros"),
            func.sum(DAILY.input_tokens + DAILY.output_tokens).label("tokens"),
            func.sum(DAILY.calls).label("calls"),
        )
        .where(filtered(COST_DAILY, principal, where))
        .group_by(DAILY.day, DAILY.provider)
        .order_by(DAILY.day, DAILY.provider)
    )
    return [
        TrendRow(
            day=row.day,
            provider=row.provider,
            cost_micros=_int(row.cost_micros),
            tokens=_int(row.tokens),
            calls=_int(row.calls),
        )
        for row in rows
    ]


def token_usage(connection: Connection, principal: Principal, where: CostFilter) -> TokenUsage:
    """Tokens and calls summed over the filter's range."""
    row = connection.execute(select(*_sums()).where(filtered(COST_DAILY, principal, where))).one()
    return TokenUsage(
        input_tokens=_int(row.input_tokens),
        output_tokens=_int(row.output_tokens),
        cached_tokens=_int(row.cached_tokens),
        calls=_int(row.calls),
    )


def _half_up_quotient(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def execution_stats(
    connection: Connection, principal: Principal, where: CostFilter
) -> list[WorkflowExecutionStats]:
    """Runs, outcomes, mean duration and cost per successful execution of each workflow whose
    executions finished in the range, most runs first."""
    daily = EXECUTION_DAILY.c
    rows = connection.execute(
        select(
            daily.workflow_id,
            func.sum(daily.runs).label("runs"),
            func.sum(daily.succeeded).label("succeeded"),
            func.sum(daily.failed).label("failed"),
            func.sum(daily.duration_ms_sum).label("duration_ms_sum"),
            func.sum(daily.succeeded_cost_micros).label("succeeded_cost_micros"),
        )
        .where(filtered(EXECUTION_DAILY, principal, where))
        .group_by(daily.workflow_id)
        .order_by(desc("runs"), daily.workflow_id)
    ).all()
    names = workflow_names(connection, (row.workflow_id for row in rows))
    result = []
    for row in rows:
        runs, succeeded = _int(row.runs), _int(row.succeeded)
        failed, cost = _int(row.failed), _int(row.succeeded_cost_micros)
        result.append(
            WorkflowExecutionStats(
                workflow_id=row.workflow_id,
                name=names[row.workflow_id],
                runs=runs,
                succeeded=succeeded,
                failed=failed,
                failure_rate=failed / runs if runs else None,
                mean_duration_ms=_int(row.duration_ms_sum) / runs if runs else None,
                cost_per_success_micros=(_half_up_quotient(cost, succeeded) if succeeded else None),
            )
        )
    return result


def workflow_options(connection: Connection, principal: Principal) -> list[WorkflowOption]:
    """The workflows (not deleted) the caller may see, by name: the filter's choices."""
    check_may_read(principal)
    rows = connection.execute(
        select(col(Workflow.id), col(Workflow.name))
        .where(visible_to(principal), col(Workflow.deleted_at).is_(None))
        .order_by(col(Workflow.name), col(Workflow.id))
    )
    return [WorkflowOption(id=row.id, name=row.name) for row in rows]
