"""This UTC month's spend against budgets, read from the daily rollup (`llm_cost_daily`),
and the check every run start makes: `check_run_allowed`, one indexed query.

A workflow's month is a few dozen rollup rows (read by `ix_llm_cost_daily_workflow_id_day`);
the overall month is every row of the month, tens of thousands on a busy instance (about
10 ms). So the run check reuses the overall spend it summed for `OVERALL_SPEND_TTL_S`
seconds (per process and database): an enforced overall budget may let runs start for that
long after it is reached, no longer than a run already in progress overshoots it anyway.
The budgets list and the estimate always sum afresh.
"""

from __future__ import annotations

import time
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
    literal,
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

OVERALL_SPEND_TTL_S = 2.0
# (database URL, first day of the month) -> (monotonic time summed, micro-dollars)
_overall_spend: dict[tuple[str, date], tuple[float, int]] = {}


def forget_overall_spend() -> None:
    """Sum the overall spend afresh at the next run check (tests that change the rollup)."""
    _overall_spend.clear()


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


def budgets_with_spend(
    now: datetime | None = None, *, overall_spent: int | None = None
) -> Select[Any]:
    """Every budget (id, scope, workflow_id, limit, enforce, workflow's name and owner) with
    `spent`, its month's spend; the caller adds its WHERE clause.

    The overall spend reads the month's rollup rows by `uq_llm_cost_daily_dims` (day first),
    unless `overall_spent` gives it; a workflow's by `ix_llm_cost_daily_workflow_id_day`.
    """
    start, end = month_bounds(now)
    overall = _spend(start, end, None) if overall_spent is None else literal(overall_spent)
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


def check_run_allowed(connection: Connection, *, workflow_id: int) -> None:
    """Refuse a run of `workflow_id` when an enforced budget that covers it (its own or the
    overall one) is used up this UTC month.

    One query: it reads the (few) enforced budgets by their unique scope and sums only
    theirs (the overall sum reused for `OVERALL_SPEND_TTL_S`); with no enforced budget it
    touches nothing else.

    Raises:
        BudgetExceededError: the budget, its limit and the spend, in the message.
    """
    scopes = (OVERALL_SCOPE, workflow_scope(workflow_id))
    key = (str(connection.engine.url), month_bounds()[0])
    cached = _overall_spend.get(key)
    fresh = cached is not None and time.monotonic() - cached[0] < OVERALL_SPEND_TTL_S
    query = budgets_with_spend(overall_spent=cached[1] if fresh and cached else None)
    rows = connection.execute(query.where(BUDGETS.c.enforce, BUDGETS.c.scope.in_(scopes))).all()
    if not fresh:
        for row in rows:
            if row.scope == OVERALL_SCOPE:
                _overall_spend[key] = (time.monotonic(), int(row.spent))
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
