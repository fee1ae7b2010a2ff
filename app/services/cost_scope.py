"""Which cost rows a caller may see, and the date range and workflow filter of a dashboard.

The owner and admins see every row. Anyone else sees the rows of the workflows they own or
that are shared with them (not deleted), and the rows charged to them (`owner_id`), so the
costs of a workflow they deleted stay theirs. The same clause serves the ledger
(`llm_calls`) and both rollups (`llm_cost_daily`, `execution_daily`): each has `workflow_id`
and `owner_id` columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Table, and_, or_, select, true
from sqlmodel import col

from app.models.account import Scope
from app.models.cost import CostDaily, ExecutionDaily, LLMCall
from app.models.cost_schemas import DEFAULT_RANGE_DAYS, RANGE_DAYS_MAX
from app.models.types import utc_now
from app.models.workflow import Workflow
from app.services.access import visible_to
from app.services.errors import InvalidInputError, PermissionDeniedError
from app.services.principal import Principal

CALLS: Table = LLMCall.__table__  # type: ignore[attr-defined]
COST_DAILY: Table = CostDaily.__table__  # type: ignore[attr-defined]
EXECUTION_DAILY: Table = ExecutionDaily.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CostFilter:
    """A dashboard's filter: UTC days `start`..`end` (both included) and maybe one workflow."""

    start: date
    end: date
    workflow_id: int | None = None


def utc_today() -> date:
    """Today's UTC date (the rollups' days are UTC days)."""
    return utc_now().date()


def resolve_range(start: date | None, end: date | None) -> tuple[date, date]:
    """The range asked for, its missing ends filled in: the end defaults to today and the
    start to `DEFAULT_RANGE_DAYS` days up to the end."""
    end = end or utc_today()
    return start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1), end


def cost_filter(start: date, end: date, workflow_id: int | None) -> CostFilter:
    """A checked filter.

    Raises:
        InvalidInputError: start after end, or a range over `RANGE_DAYS_MAX` days.
    """
    if start > end:
        raise InvalidInputError(f"The start date {start} is after the end date {end}")
    if (end - start).days + 1 > RANGE_DAYS_MAX:
        raise InvalidInputError(f"A date range covers at most {RANGE_DAYS_MAX} days")
    return CostFilter(start=start, end=end, workflow_id=workflow_id)


def check_may_read(principal: Principal) -> None:
    """Raises PermissionDeniedError unless the caller's credentials may read workflows."""
    if not principal.has_scope(Scope.WORKFLOWS_READ):
        raise PermissionDeniedError("Costs need the workflows:read scope")


def visible_rows(table: Table, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on `table` (the ledger or a rollup) keeping the rows `principal` sees."""
    check_may_read(principal)
    if principal.is_admin:
        return true()
    live_visible = select(col(Workflow.id)).where(
        visible_to(principal), col(Workflow.deleted_at).is_(None)
    )
    return or_(table.c.owner_id == principal.user_id, table.c.workflow_id.in_(live_visible))


def filtered(table: Table, principal: Principal, where: CostFilter) -> ColumnElement[bool]:
    """The visible rows of a rollup (`day` column) in the filter's range and workflow."""
    clauses = [visible_rows(table, principal), table.c.day >= where.start, table.c.day <= where.end]
    if where.workflow_id is not None:
        clauses.append(table.c.workflow_id == where.workflow_id)
    return and_(*clauses)
