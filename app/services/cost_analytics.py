"""The cost dashboard and its CSV exports, scoped to what the caller may see.

Every figure of the dashboard comes from the daily rollups (see cost_queries); only the CSV
of the ledger rows themselves reads `llm_calls`, for the filtered range (see cost_export).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.models.cost_schemas import TOP_WORKFLOWS, CostDashboard, CostGroup, CsvKind
from app.services import cost_queries
from app.services.cost_export import costs_csv_chunks
from app.services.cost_scope import cost_filter, utc_today
from app.services.principal import Principal


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
    the daily trend; money as US dollars with six decimals (see cost_export).

    Raises:
        InvalidInputError: a bad range (see cost_dashboard) or an unknown kind.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    return "".join(
        costs_csv_chunks(
            session,
            principal=principal,
            start=start,
            end=end,
            workflow_id=workflow_id,
            kind=kind,
        )
    )
