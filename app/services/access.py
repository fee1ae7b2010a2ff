"""Who may do what with a workflow (and so with its orchestration, executions and runs).

The one place access is decided. Owner and admins may do everything with every workflow; a
workflow's owner may do everything with it; a share grants a named user `viewer` (read) or
`editor` (read, change, run); anyone else does not see it at all (404, so ids do not reveal
what exists). On top, the caller's scopes cap every action: a viewer's role, or an API key
with fewer scopes, never changes or runs anything even when a share would allow it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, exists, or_, select, true
from sqlmodel import Session, col

from app.models.account import Scope
from app.models.sharing import SharePermission, WorkflowShare
from app.models.workflow import Workflow
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.principal import Principal


class Action(StrEnum):
    """What a caller does with a workflow."""

    READ = "read"
    CHANGE = "change"
    RUN = "run"
    DELETE = "delete"
    SHARE = "share"


ALL_ACTIONS = frozenset(Action)
GRANTS: dict[SharePermission, frozenset[Action]] = {
    SharePermission.VIEWER: frozenset({Action.READ}),
    SharePermission.EDITOR: frozenset({Action.READ, Action.CHANGE, Action.RUN}),
}
# The scope each action needs of the caller's credentials.
SCOPE_OF: dict[Action, Scope] = {
    Action.READ: Scope.WORKFLOWS_READ,
    Action.CHANGE: Scope.WORKFLOWS_WRITE,
    Action.RUN: Scope.EXECUTIONS_RUN,
    Action.DELETE: Scope.WORKFLOWS_WRITE,
    Action.SHARE: Scope.WORKFLOWS_WRITE,
}
REFUSALS: dict[Action, str] = {
    Action.CHANGE: "You can look at this workflow but not change it",
    Action.RUN: "You can look at this workflow but not run it",
    Action.DELETE: "Only its owner or an admin can delete this workflow",
    Action.SHARE: "Only its owner or an admin can share this workflow",
}


def granted(principal: Principal, owner_id: int | None, share: str | None) -> frozenset[Action]:
    """What `principal` may do with a workflow of `owner_id` shared with it as `share`."""
    if principal.is_admin or owner_id == principal.user_id:
        actions = ALL_ACTIONS
    elif share is not None:
        actions = GRANTS[SharePermission(share)]
    else:
        return frozenset()
    return frozenset(a for a in actions if principal.has_scope(SCOPE_OF[a]))


def actions_on(
    connection: Connection, principal: Principal, workflow_id: int, owner_id: int | None
) -> frozenset[Action]:
    """What `principal` may do with the workflow `workflow_id` owned by `owner_id`."""
    share = None
    if not (principal.is_admin or owner_id == principal.user_id):
        share = connection.execute(
            select(WorkflowShare.permission).where(  # type: ignore[call-overload]
                col(WorkflowShare.workflow_id) == workflow_id,
                col(WorkflowShare.user_id) == principal.user_id,
            )
        ).scalar_one_or_none()
    return granted(principal, owner_id, share)


def require(
    connection: Connection,
    principal: Principal,
    workflow_id: int,
    owner_id: int | None,
    action: Action,
) -> frozenset[Action]:
    """What `principal` may do with the workflow, when that includes `action`.

    Raises:
        NotFoundError: the caller may not see the workflow (as if it did not exist).
        PermissionDeniedError: it may see it, but not do `action`.
    """
    actions = actions_on(connection, principal, workflow_id, owner_id)
    if Action.READ not in actions:
        raise NotFoundError(f"Workflow {workflow_id} not found")
    if action not in actions:
        raise PermissionDeniedError(REFUSALS.get(action, "You may not do this"))
    return actions


def check_access(
    session: Session, principal: Principal, workflow: Workflow, action: Action
) -> frozenset[Action]:
    """`require` for a loaded workflow row."""
    assert workflow.id is not None
    return require(session.connection(), principal, workflow.id, workflow.owner_id, action)


def require_admin(principal: Principal) -> None:
    """Raises PermissionDeniedError unless the caller is the owner or an admin with
    credentials carrying the `admin` scope (instance-wide settings)."""
    if not (principal.is_admin and principal.has_scope(Scope.ADMIN)):
        raise PermissionDeniedError("Only the owner and admins can see and change the settings")


def may_create(principal: Principal) -> None:
    """Raises PermissionDeniedError unless the caller may create workflows."""
    if not principal.has_scope(Scope.WORKFLOWS_WRITE):
        raise PermissionDeniedError("Your role lets you look at workflows, not create them")


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on `Workflow` that keeps the rows `principal` may see."""
    if principal.is_admin:
        return true()
    shared = exists().where(
        col(WorkflowShare.workflow_id) == col(Workflow.id),
        col(WorkflowShare.user_id) == principal.user_id,
    )
    return or_(col(Workflow.owner_id) == principal.user_id, shared)


def visible_workflow_ids(principal: Principal) -> Select[Any]:
    """The ids of the workflows `principal` may see (for filtering their executions)."""
    return select(col(Workflow.id)).where(visible_to(principal))
