"""This UTC month's spend against budgets, read from the daily rollup (`llm_cost_daily`):
every budget with its spend in one query (`budgets_with_spend`), for the budgets list and
the estimate. The check at every run start is `run_budget_check.check_run_allowed`.

A workflow's month is a few dozen rollup rows (read by `ix_llm_cost_daily_workflow_id_day`);
the overall month is every row of the month (by `uq_llm_cost_daily_dims`, day first).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    func,
    select,
    true,
)

from app.models.budget_schemas import OVERALL_SCOPE
from app.models.cost import Budget, CostDaily
from app.models.types import utc_now
from app.models.workflow import Workflow

BUDGETS: Table = Budget.__table__  # type: ignore[attr-defined]
DAILY: Table = CostDaily.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]


def month_bounds(now: datetime | None = None) -> tuple[date, date]:
    """The first day of the UTC month of `now` (default: now) and of the next month."""
    today = (now or utc_now()).date()
    start = today.replace(day=1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, end


def _spend(start: date, end: date, workflow_id: ColumnElement[Any] | None) -> Any:
    """The summed cost of the month, of one workflow (`workflow_id`) or of everything."""
    in_month = and_(DAILY.c.day >= start, DAILY.c.day < end)
    which = true() if workflow_id is None else DAILY.c.workflow_id == workflow_id
    return (
        select(func.coalesce(func.sum(DAILY.c.cost_micros), 0))
        .where(in_month, which)
        .scalar_subquery()
    )


def budgets_with_spend(now: datetime | None = None) -> Select[Any]:
    """Every budget (id, scope, workflow_id, limit, enforce, workflow's name and owner) with
    `spent`, its month's spend; the caller adds its WHERE clause.
    """
    start, end = month_bounds(now)
    overall = _spend(start, end, None)
    spent = case(
        (BUDGETS.c.workflow_id.is_(None), overall),
        else_=_spend(start, end, BUDGETS.c.workflow_id),
    )
    return select(
        BUDGETS.c.id,
        BUDGETS.c.scope,
        BUDGETS.c.workflow_id,
        BUDGETS.c.monthly_limit_micros,
        BUDGETS.c.enforce,
        WORKFLOWS.c.name.label("workflow_name"),
        WORKFLOWS.c.owner_id,
        WORKFLOWS.c.deleted_at,
        spent.label("spent"),
    ).select_from(BUDGETS.outerjoin(WORKFLOWS, WORKFLOWS.c.id == BUDGETS.c.workflow_id))


def budget_name(scope: str, workflow_name: str | None) -> str:
    """How messages name a budget."""
    if scope == OVERALL_SCOPE:
        return "the overall monthly budget"
    return f"the monthly budget of “{workflow_name}”"
