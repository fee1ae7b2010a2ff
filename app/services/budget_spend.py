"""This UTC month's spend against budgets, read from the daily rollup (`llm_cost_daily`),
and the check every run start makes: `check_run_allowed`, one indexed query."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    case,
    func,
    select,
    true,
)

from app.models.budget_schemas import OVERALL_SCOPE, format_usd, workflow_scope
from app.models.cost import Budget, CostDaily
from app.models.types import utc_now
from app.models.workflow import Workflow
from app.services.errors import BudgetExceededError

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

    The overall spend reads the month's rollup rows by `uq_llm_cost_daily_dims` (day first),
    a workflow's by `ix_llm_cost_daily_workflow_id_day`.
    """
    start, end = month_bounds(now)
    spent = case(
        (BUDGETS.c.workflow_id.is_(None), _spend(start, end, None)),
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


def check_run_allowed(connection: Connection, *, workflow_id: int) -> None:
    """Refuse a run of `workflow_id` when an enforced budget that covers it (its own or the
    overall one) is used up this UTC month.

    One query: it reads the (few) enforced budgets by their unique scope and sums only
    theirs; with no enforced budget it touches nothing else.

    Raises:
        BudgetExceededError: the budget, its limit and the spend, in the message.
    """
    scopes = (OVERALL_SCOPE, workflow_scope(workflow_id))
    rows = connection.execute(
        budgets_with_spend().where(BUDGETS.c.enforce, BUDGETS.c.scope.in_(scopes))
    ).all()
    # The workflow's own budget first: it is the more specific reason.
    for row in sorted(rows, key=lambda r: r.scope == OVERALL_SCOPE):
        spent = int(row.spent)
        if spent >= row.monthly_limit_micros:
            name = budget_name(row.scope, row.workflow_name)
            raise BudgetExceededError(
                f"Run refused: {name} is used up ({format_usd(spent)} spent of its "
                f"{format_usd(row.monthly_limit_micros)} limit this month, enforced). Raise "
                "the limit or stop enforcing it on the Costs page to run again.",
                scope=row.scope,
                limit_micros=row.monthly_limit_micros,
                spent_micros=spent,
            )
