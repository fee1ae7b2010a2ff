"""Cost analytics: breakdowns, token usage, the daily trend, the most expensive workflows and
CSV exports, over what the caller may see. Dates are UTC days; a range includes both ends and
defaults to the last 30 days."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator

from app.api.authorization import Caller
from app.api.params import MAX_ID
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.cost_schemas import (
    CostBreakdown,
    CostGroup,
    CostTrend,
    CsvKind,
    ExpensiveWorkflows,
    UsageReport,
)
from app.services import cost_export, cost_reports
from app.services.cost_scope import resolve_range
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/analytics",
    route_class=StrictJSONRoute,
    tags=["analytics"],
    responses={422: {"model": ErrorResponse, "description": "Invalid request or date range."}},
)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD: pydantic alone would also take a number of seconds as a date."""
    if value is not None and not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        raise ValueError("expected an ISO date, YYYY-MM-DD")
    return value


Start = Annotated[
    date | None,
    BeforeValidator(_iso_date),
    Query(description="First UTC day (YYYY-MM-DD); default: 29 days before the end."),
]
End = Annotated[
    date | None,
    BeforeValidator(_iso_date),
    Query(description="Last UTC day (YYYY-MM-DD, included); default: today."),
]
WorkflowFilter = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only this workflow's costs.")
]


@router.get("/costs", response_model=CostBreakdown, summary="Cost breakdown")
def get_costs(
    caller: Caller,
    start: Start = None,
    end: End = None,
    workflow_id: WorkflowFilter = None,
    group_by: Annotated[CostGroup, Query(description="What to group by.")] = CostGroup.WORKFLOW,
) -> CostBreakdown:
    """Cost (micro-dollars), tokens and calls per workflow, provider, model, agent role or
    version, most expensive first."""
    first, last = resolve_range(start, end)
    with session_scope(read_only=True) as session:
        return cost_reports.cost_breakdown(
            session,
            principal=caller,
            start=first,
            end=last,
            workflow_id=workflow_id,
            group_by=group_by,
        )


@router.get("/usage", response_model=UsageReport, summary="Token usage and execution stats")
def get_usage(
    caller: Caller, start: Start = None, end: End = None, workflow_id: WorkflowFilter = None
) -> UsageReport:
    """Tokens used in the range, the totals of today, 7 days, 30 days and all time, and each
    workflow's runs, failure rate, mean duration and cost per successful execution."""
    first, last = resolve_range(start, end)
    with session_scope(read_only=True) as session:
        return cost_reports.usage_report(
            session, principal=caller, start=first, end=last, workflow_id=workflow_id
        )


@router.get("/trends", response_model=CostTrend, summary="Daily cost trend")
def get_trends(
    caller: Caller, start: Start = None, end: End = None, workflow_id: WorkflowFilter = None
) -> CostTrend:
    """Cost, tokens and calls per UTC day and provider."""
    first, last = resolve_range(start, end)
    with session_scope(read_only=True) as session:
        return cost_reports.cost_trend(
            session, principal=caller, start=first, end=last, workflow_id=workflow_id
        )


@router.get(
    "/expensive-workflows", response_model=ExpensiveWorkflows, summary="Most expensive workflows"
)
def get_expensive_workflows(
    caller: Caller,
    start: Start = None,
    end: End = None,
    limit: Annotated[int, Query(ge=1, le=100, description="How many workflows.")] = 10,
) -> ExpensiveWorkflows:
    """The workflows that cost the most in the range, most expensive first."""
    first, last = resolve_range(start, end)
    with session_scope(read_only=True) as session:
        return cost_reports.expensive_workflows(
            session, principal=caller, start=first, end=last, limit=limit
        )


@router.get(
    "/export",
    summary="CSV export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "A CSV file with a header."}},
)
def export_costs(
    caller: Caller,
    start: Start = None,
    end: End = None,
    workflow_id: WorkflowFilter = None,
    kind: Annotated[
        CsvKind, Query(description="The ledger rows, a breakdown, or the daily trend.")
    ] = CsvKind.ROWS,
) -> StreamingResponse:
    """The ledger rows made in the range (`rows`, streamed: any size), a breakdown, or the
    trend, as CSV with money in US dollars to six decimals."""
    first, last = resolve_range(start, end)
    # The session stays open while the answer streams; bad input is refused before that.
    with ExitStack() as stack:
        session = stack.enter_context(session_scope(read_only=True))
        chunks = cost_export.costs_csv_chunks(
            session, principal=caller, start=first, end=last, workflow_id=workflow_id, kind=kind
        )
        streaming = stack.pop_all()

    def body() -> Iterator[str]:
        with streaming:
            yield from chunks

    filename = f"flowbook-costs-{kind.value}-{first}-{last}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
