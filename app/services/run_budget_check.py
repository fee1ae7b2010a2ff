"""The budget check every run start makes: `check_run_allowed`.

Runs start hundreds of times a second, budgets change a few times a month. So the check
keeps the enforced budgets it read for `BUDGET_READS_TTL_S` seconds (per process and
database; a change committed in this process is seen at once, another process's within that
time), and a run that no enforced budget covers, the usual case, costs no query at all. A
covered run sums its workflow's month (a few dozen rollup rows, by
`ix_llm_cost_daily_workflow_id_day`); the overall month, every row of it, tens of thousands
on a busy instance, is reused for the same time. So an enforced budget may let runs start
for that long after it is reached, no longer than a run already in progress overshoots it.
The budgets list and the estimate always read afresh.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Table, bindparam, event, func, select
from sqlalchemy.orm import Session as OrmSession

from app.models.budget_schemas import OVERALL_SCOPE, format_usd, workflow_scope
from app.models.cost import Budget, CostDaily
from app.models.workflow import Workflow
from app.services.budget_spend import budget_name, month_bounds
from app.services.errors import BudgetExceededError

__all__ = [
    "BUDGET_READS_TTL_S",
    "budgets_changed_on_commit",
    "check_run_allowed",
    "forget_budget_reads",
]

BUDGETS: Table = Budget.__table__  # type: ignore[attr-defined]
DAILY: Table = CostDaily.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]

BUDGET_READS_TTL_S = 2.0
_CHANGED_KEY = "flowbook.budgets_changed"

_ENFORCED = (
    select(
        BUDGETS.c.scope,
        BUDGETS.c.monthly_limit_micros,
        WORKFLOWS.c.name.label("workflow_name"),
    )
    .select_from(BUDGETS.outerjoin(WORKFLOWS, WORKFLOWS.c.id == BUDGETS.c.workflow_id))
    .where(BUDGETS.c.enforce)
)
_IN_MONTH = (DAILY.c.day >= bindparam("start"), DAILY.c.day < bindparam("end"))
_OVERALL_SPEND = select(func.coalesce(func.sum(DAILY.c.cost_micros), 0)).where(*_IN_MONTH)
_WORKFLOW_SPEND = _OVERALL_SPEND.where(DAILY.c.workflow_id == bindparam("workflow_id"))


@dataclass(frozen=True)
class _Enforced:
    scope: str
    limit_micros: int
    workflow_name: str | None


_lock = threading.Lock()
# database URL -> (monotonic time read, enforced budgets by scope)
_enforced: dict[str, tuple[float, dict[str, _Enforced]]] = {}
# (database URL, first day of the month) -> (monotonic time summed, micro-dollars)
_overall_spend: dict[tuple[str, date], tuple[float, int]] = {}


def forget_budget_reads() -> None:
    """Read budgets and sum the overall spend afresh at the next check."""
    with _lock:
        _enforced.clear()
        _overall_spend.clear()


def budgets_changed_on_commit(session: OrmSession) -> None:
    """Forget the budgets read once `session` commits (a budget was set or deleted)."""
    session.info[_CHANGED_KEY] = True


@event.listens_for(OrmSession, "after_commit")
def _forget_committed(session: OrmSession) -> None:
    if session.info.pop(_CHANGED_KEY, False):
        forget_budget_reads()


def _enforced_budgets(connection: Connection, database: str) -> dict[str, _Enforced]:
    cached = _enforced.get(database)
    if cached is not None and time.monotonic() - cached[0] < BUDGET_READS_TTL_S:
        return cached[1]
    read_at = time.monotonic()
    budgets = {
        row.scope: _Enforced(row.scope, row.monthly_limit_micros, row.workflow_name)
        for row in connection.execute(_ENFORCED)
    }
    with _lock:
        _enforced[database] = (read_at, budgets)
    return budgets


def _spent(connection: Connection, database: str, budget: _Enforced, workflow_id: int) -> int:
    start, end = month_bounds()
    if budget.scope != OVERALL_SCOPE:
        bounds = {"start": start, "end": end, "workflow_id": workflow_id}
        return int(connection.execute(_WORKFLOW_SPEND, bounds).scalar_one())
    key = (database, start)
    cached = _overall_spend.get(key)
    if cached is not None and time.monotonic() - cached[0] < BUDGET_READS_TTL_S:
        return cached[1]
    summed_at = time.monotonic()
    spent = int(connection.execute(_OVERALL_SPEND, {"start": start, "end": end}).scalar_one())
    with _lock:
        _overall_spend[key] = (summed_at, spent)
    return spent


def check_run_allowed(connection: Connection, *, workflow_id: int) -> None:
    """Refuse a run of `workflow_id` when an enforced budget that covers it (its own or the
    overall one) is used up this UTC month.

    Raises:
        BudgetExceededError: the budget, its limit and the spend, in the message.
    """
    database = str(connection.engine.url)
    enforced = _enforced_budgets(connection, database)
    if not enforced:
        return
    # The workflow's own budget first: it is the more specific reason.
    covering = (enforced.get(workflow_scope(workflow_id)), enforced.get(OVERALL_SCOPE))
    for budget in covering:
        if budget is None:
            continue
        spent = _spent(connection, database, budget, workflow_id)
        if spent >= budget.limit_micros:
            name = budget_name(budget.scope, budget.workflow_name)
            raise BudgetExceededError(
                f"Run refused: {name} is used up ({format_usd(spent)} spent of its "
                f"{format_usd(budget.limit_micros)} limit this month, enforced). Raise "
                "the limit or stop enforcing it on the Costs page to run again.",
                scope=budget.scope,
                limit_micros=budget.limit_micros,
                spent_micros=spent,
            )
