"""The cost dashboard and its CSV exports, scoped to what the caller may see.

Every figure of the dashboard comes from the daily rollups (see cost_queries); only the CSV
of the ledger rows themselves reads `llm_calls`, for the filtered range.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.models.cost import MICROS_PER_USD
from app.models.cost_schemas import TOP_WORKFLOWS, CostDashboard, CostGroup, CsvKind
from app.services import cost_queries
from app.services.cost_scope import (
    CALLS,
    WORKFLOWS,
    CostFilter,
    cost_filter,
    utc_today,
    visible_rows,
)
from app.services.errors import InvalidInputError
from app.services.principal import Principal

BREAKDOWN_HEADER = (
    "key",
    "label",
    "calls",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_usd",
)
TREND_HEADER = ("day", "provider", "calls", "tokens", "cost_usd")
ROWS_COLUMNS = (
    "id",
    "created_at",
    "workflow_id",
    "workflow_version_id",
    "version_number",
    "execution_id",
    "node_run_id",
    "node_id",
    "agent_role",
    "owner_id",
    "provider",
    "model",
    "deployment",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "priced",
    "latency_ms",
    "outcome",
    "is_fallback",
    "fallback_reason",
    "is_mock",
)
ROWS_HEADER = (*ROWS_COLUMNS[:3], "workflow_name", *ROWS_COLUMNS[3:], "cost_usd")


def usd_text(micros: int) -> str:
    """Micro-dollars as exact US dollars with six decimals ("1.250000")."""
    sign = "-" if micros < 0 else ""
    dollars, rest = divmod(abs(micros), MICROS_PER_USD)
    return f"{sign}{dollars}.{rest:06d}"


def cost_dashboard(
    session: Session, *, principal: Principal, start: date, end: date, workflow_id: int | None
) -> CostDashboard:
    """Everything the costs page shows for UTC days `start`..`end` (both included) and the
    workflow filter, over the workflows the caller may see.

    The period totals (today, 7 and 30 days, all time) follow the workflow filter but not the
    date range.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    connection = session.connection()
    by_workflow = cost_queries.breakdown(connection, principal, where, CostGroup.WORKFLOW)
    return CostDashboard(
        start=start,
        end=end,
        workflow_id=workflow_id,
        totals=cost_queries.period_totals(connection, principal, workflow_id, utc_today()),
        by_workflow=by_workflow,
        by_provider=cost_queries.breakdown(connection, principal, where, CostGroup.PROVIDER),
        by_model=cost_queries.breakdown(connection, principal, where, CostGroup.MODEL),
        by_agent_role=cost_queries.breakdown(connection, principal, where, CostGroup.AGENT_ROLE),
        by_version=cost_queries.breakdown(connection, principal, where, CostGroup.VERSION),
        trend=cost_queries.trend(connection, principal, where),
        top_workflows=by_workflow[:TOP_WORKFLOWS],
        execution_stats=cost_queries.execution_stats(connection, principal, where),
        tokens=cost_queries.token_usage(connection, principal, where),
        workflows=cost_queries.workflow_options(connection, principal),
    )


def _ledger_rows(session: Session, principal: Principal, where: CostFilter) -> list[list[object]]:
    since = datetime.combine(where.start, time(), tzinfo=UTC)
    until = datetime.combine(where.end + timedelta(days=1), time(), tzinfo=UTC)
    clauses = [visible_rows(CALLS, principal), CALLS.c.created_at >= since]
    clauses.append(CALLS.c.created_at < until)
    if where.workflow_id is not None:
        clauses.append(CALLS.c.workflow_id == where.workflow_id)
    statement = (
        select(*(CALLS.c[name] for name in ROWS_COLUMNS), CALLS.c.cost_micros, WORKFLOWS.c.name)
        .outerjoin(WORKFLOWS, WORKFLOWS.c.id == CALLS.c.workflow_id)
        .where(*clauses)
        .order_by(CALLS.c.created_at, CALLS.c.id)
    )
    rows = []
    for row in session.connection().execute(statement):
        values = [row._mapping[CALLS.c[name]] for name in ROWS_COLUMNS]
        values[1] = row.created_at.isoformat()
        rows.append([*values[:3], row.name or "", *values[3:], usd_text(row.cost_micros)])
    return rows


def costs_csv(
    session: Session,
    *,
    principal: Principal,
    start: date,
    end: date,
    workflow_id: int | None,
    kind: CsvKind | str,
) -> str:
    """A CSV (header, then rows) of the ledger rows made in the range, of a breakdown, or of
    the daily trend; money as US dollars with six decimals.

    Raises:
        InvalidInputError: a bad range (see cost_dashboard) or an unknown kind.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    kind = _csv_kind(kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if kind is CsvKind.ROWS:
        writer.writerow(ROWS_HEADER)
        writer.writerows(_ledger_rows(session, principal, where))
    elif kind is CsvKind.TREND:
        writer.writerow(TREND_HEADER)
        for point in cost_queries.trend(session.connection(), principal, where):
            writer.writerow(
                (
                    point.day.isoformat(),
                    point.provider,
                    point.calls,
                    point.tokens,
                    usd_text(point.cost_micros),
                )
            )
    else:
        writer.writerow(BREAKDOWN_HEADER)
        group = CostGroup(kind.value)
        for item in cost_queries.breakdown(session.connection(), principal, where, group):
            writer.writerow(
                (
                    item.key,
                    item.label,
                    item.calls,
                    item.input_tokens,
                    item.output_tokens,
                    item.cached_tokens,
                    usd_text(item.cost_micros),
                )
            )
    return buffer.getvalue()


def _csv_kind(kind: CsvKind | str) -> CsvKind:
    try:
        return CsvKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in CsvKind)
        raise InvalidInputError(f"Unknown export {kind!r}: choose one of {choices}") from None
