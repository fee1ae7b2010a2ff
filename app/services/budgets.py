"""Monthly budgets: set, delete and read them with this month's spend (`budget_status`).

The overall budget covers every workflow: everyone sees it (an enforced one refuses their
runs too), only the owner and admins change it. A workflow's budget is seen by whoever may
see the workflow and changed by whoever may change it. Refusing runs is
`run_budget_check.check_run_allowed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, insert, or_, select, update
from sqlmodel import Session

from app.models.account import Scope
from app.models.budget_schemas import (
    OVERALL_SCOPE,
    BudgetSet,
    BudgetStatus,
    format_usd,
    level_of,
    workflow_scope,
)
from app.models.sharing import SharePermission, WorkflowShare
from app.models.types import utc_now
from app.services import access
from app.services.access import Action
from app.services.audit import record_audit
from app.services.budget_spend import BUDGETS, WORKFLOWS, budgets_with_spend, month_bounds
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.principal import Principal
from app.services.run_budget_check import budgets_changed_on_commit

__all__ = ["BudgetTargets", "budget_status", "budget_targets", "delete_budget", "set_budget"]

OVERALL_NAME = "All workflows"
# The set-budget dialog offers this many workflows at most (by name).
TARGETS_MAX = 500


@dataclass(frozen=True)
class BudgetTargets:
    """What the caller may set a budget on: the overall budget, and these workflows (id,
    name)."""

    overall: bool
    workflows: list[tuple[int, str]]


def _may_change_overall(principal: Principal) -> bool:
    return principal.is_admin and principal.has_scope(Scope.WORKFLOWS_WRITE)


def _may_change(connection: Connection, principal: Principal, row: Any) -> bool:
    if row.workflow_id is None:
        return _may_change_overall(principal)
    actions = access.actions_on(connection, principal, row.workflow_id, row.owner_id)
    return Action.CHANGE in actions


def _status(connection: Connection, principal: Principal, row: Any, month: str) -> BudgetStatus:
    spent, limit = int(row.spent), int(row.monthly_limit_micros)
    return BudgetStatus(
        id=row.id,
        scope=row.scope,
        workflow_id=row.workflow_id,
        name=OVERALL_NAME if row.workflow_id is None else row.workflow_name,
        month=month,
        limit_micros=limit,
        spent_micros=spent,
        remaining_micros=max(0, limit - spent),
        ratio=spent / limit if limit else 1.0,
        level=level_of(spent, limit),
        enforce=bool(row.enforce),
        may_change=_may_change(connection, principal, row),
    )


def budget_status(
    session: Session, *, principal: Principal, workflow_id: int | None = None
) -> list[BudgetStatus]:
    """The budgets the caller may see, each with this UTC month's spend: the overall one
    first, then workflows' by name.

    Args:
        workflow_id: only the budgets that cover this workflow (its own and the overall
            one), as its canvas shows them; None: every budget.

    Raises:
        NotFoundError: `workflow_id` names no workflow the caller may see.
    """
    connection = session.connection()
    query = budgets_with_spend().where(
        or_(BUDGETS.c.workflow_id.is_(None), WORKFLOWS.c.deleted_at.is_(None))
    )
    if workflow_id is not None:
        _workflow(connection, principal, workflow_id, Action.READ)
        query = query.where(BUDGETS.c.scope.in_((OVERALL_SCOPE, workflow_scope(workflow_id))))
    elif not principal.is_admin:
        visible = access.visible_workflow_ids(principal)
        query = query.where(
            or_(BUDGETS.c.workflow_id.is_(None), BUDGETS.c.workflow_id.in_(visible))
        )
    query = query.order_by(BUDGETS.c.workflow_id.is_not(None), WORKFLOWS.c.name, BUDGETS.c.id)
    month = month_bounds()[0].strftime("%Y-%m")
    return [_status(connection, principal, row, month) for row in connection.execute(query)]


def _workflow(
    connection: Connection, principal: Principal, workflow_id: int, action: Action
) -> Any:
    row = connection.execute(
        select(WORKFLOWS.c.name, WORKFLOWS.c.owner_id).where(
            WORKFLOWS.c.id == workflow_id, WORKFLOWS.c.deleted_at.is_(None)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"Workflow {workflow_id} not found")
    access.require(connection, principal, workflow_id, row.owner_id, action)
    return row


def _require_change(connection: Connection, principal: Principal, workflow_id: int | None) -> None:
    if workflow_id is None:
        if not _may_change_overall(principal):
            raise PermissionDeniedError("Only the owner and admins can change the overall budget")
        return
    _workflow(connection, principal, workflow_id, Action.CHANGE)


def set_budget(session: Session, *, principal: Principal, data: BudgetSet) -> BudgetStatus:
    """Set the overall budget or a workflow's (replacing the one there), with its audit row.

    Raises:
        NotFoundError: the workflow does not exist or the caller may not see it.
        PermissionDeniedError: the caller may not change this budget.
    """
    connection = session.connection()
    _require_change(connection, principal, data.workflow_id)
    scope = OVERALL_SCOPE if data.workflow_id is None else workflow_scope(data.workflow_id)
    now = utc_now()
    values = {"monthly_limit_micros": data.limit_micros, "enforce": data.enforce, "updated_at": now}
    old = connection.execute(
        select(BUDGETS.c.id, BUDGETS.c.monthly_limit_micros, BUDGETS.c.enforce).where(
            BUDGETS.c.scope == scope
        )
    ).first()
    if old is None:
        budget_id = connection.execute(
            insert(BUDGETS)
            .values(
                scope=scope,
                workflow_id=data.workflow_id,
                created_by=principal.user_id or None,
                created_at=now,
                **values,
            )
            .returning(BUDGETS.c.id)
        ).scalar_one()
        before = None
    else:
        budget_id = old.id
        connection.execute(update(BUDGETS).where(BUDGETS.c.id == old.id).values(**values))
        before = {"limit": format_usd(old.monthly_limit_micros), "enforce": old.enforce}
    budgets_changed_on_commit(session)
    record_audit(
        session,
        actor=principal,
        action="budget.set",
        object_type="budget",
        object_id=budget_id,
        detail={
            "scope": scope,
            "before": before,
            "after": {"limit": format_usd(data.limit_micros), "enforce": data.enforce},
        },
    )
    return _one(session, principal, budget_id)


def _one(session: Session, principal: Principal, budget_id: int) -> BudgetStatus:
    connection = session.connection()
    row = connection.execute(budgets_with_spend().where(BUDGETS.c.id == budget_id)).one()
    return _status(connection, principal, row, month_bounds()[0].strftime("%Y-%m"))


def delete_budget(session: Session, *, principal: Principal, budget_id: int) -> None:
    """Delete a budget, with its audit row.

    Raises:
        NotFoundError: no such budget, or the caller may not see it.
        PermissionDeniedError: the caller may see it but not change it.
    """
    connection = session.connection()
    row = connection.execute(
        select(BUDGETS.c.scope, BUDGETS.c.workflow_id, BUDGETS.c.monthly_limit_micros).where(
            BUDGETS.c.id == budget_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"Budget {budget_id} not found")
    try:
        _require_change(connection, principal, row.workflow_id)
    except NotFoundError as exc:
        raise NotFoundError(f"Budget {budget_id} not found") from exc
    connection.execute(delete(BUDGETS).where(BUDGETS.c.id == budget_id))
    budgets_changed_on_commit(session)
    record_audit(
        session,
        actor=principal,
        action="budget.delete",
        object_type="budget",
        object_id=budget_id,
        detail={"scope": row.scope, "limit": format_usd(row.monthly_limit_micros)},
    )


def budget_targets(session: Session, *, principal: Principal) -> BudgetTargets:
    """The budgets the caller may set: the overall one (owner and admins) and those of the
    workflows it may change (its own, those shared with it as editor; every one for admins),
    by name, at most `TARGETS_MAX`."""
    if not principal.has_scope(Scope.WORKFLOWS_WRITE):
        return BudgetTargets(overall=False, workflows=[])
    shares = WorkflowShare.__table__  # type: ignore[attr-defined]
    query = select(WORKFLOWS.c.id, WORKFLOWS.c.name).where(WORKFLOWS.c.deleted_at.is_(None))
    if not principal.is_admin:
        editor = exists().where(
            and_(
                shares.c.workflow_id == WORKFLOWS.c.id,
                shares.c.user_id == principal.user_id,
                shares.c.permission == SharePermission.EDITOR.value,
            )
        )
        query = query.where(or_(WORKFLOWS.c.owner_id == principal.user_id, editor))
    rows = session.connection().execute(
        query.order_by(WORKFLOWS.c.name, WORKFLOWS.c.id).limit(TARGETS_MAX)
    )
    return BudgetTargets(
        overall=_may_change_overall(principal), workflows=[(r.id, r.name) for r in rows]
    )
