"""Sharing a workflow or orchestration with named users, as viewer or editor."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from app.models.account import User, clean_email
from app.models.sharing import ShareCreate, SharePermission, SharePublic, WorkflowShare
from app.models.types import utc_now
from app.services.access import Action
from app.services.audit import record_audit
from app.services.errors import InvalidInputError, NotFoundError
from app.services.principal import Principal
from app.services.workflows import authorized_workflow


def list_shares(session: Session, *, principal: Principal, workflow_id: int) -> list[SharePublic]:
    """Who the workflow is shared with (anyone who may see it may see this).

    Raises:
        NotFoundError: no such workflow, or the caller may not see it.
    """
    authorized_workflow(session, principal, workflow_id, Action.READ)
    rows = session.exec(
        select(WorkflowShare, User)
        .join(User, col(User.id) == col(WorkflowShare.user_id))
        .where(col(WorkflowShare.workflow_id) == workflow_id)
        .order_by(col(User.email))
    ).all()
    return [
        SharePublic(
            user_id=user.id or 0,
            email=user.email,
            name=user.name,
            permission=SharePermission(share.permission),
            created_at=share.created_at,
        )
        for share, user in rows
    ]


def share_workflow(
    session: Session, *, principal: Principal, workflow_id: int, data: ShareCreate
) -> list[SharePublic]:
    """Share the workflow with the user of `data.email` (or change what a share grants).

    Returns:
        Every share of the workflow after the change.

    Raises:
        NotFoundError: no such workflow (or the caller may not see it), or no active user
            with that e-mail address.
        PermissionDeniedError: the caller is neither the owner nor an admin.
        InvalidInputError: sharing with the workflow's owner.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.SHARE)
    try:
        email = clean_email(data.email)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    user = session.exec(select(User).where(col(User.email) == email)).first()
    if user is None or not user.active:
        raise NotFoundError(f"No active user with the e-mail address {email}")
    if user.id == workflow.owner_id:
        raise InvalidInputError(f"{email} owns this workflow already")
    share = session.exec(
        select(WorkflowShare).where(
            col(WorkflowShare.workflow_id) == workflow_id,
            col(WorkflowShare.user_id) == user.id,
        )
    ).first()
    before = share.permission if share else None
    if share is None:
        assert user.id is not None
        share = WorkflowShare(
            workflow_id=workflow_id, user_id=user.id, permission="", created_at=utc_now()
        )
    share.permission = data.permission.value
    session.add(share)
    session.flush()
    record_audit(
        session,
        actor=principal,
        action=f"{workflow.kind}.share",
        object_type=workflow.kind,
        object_id=workflow_id,
        detail={"user": email, "permission": [before, data.permission.value]},
    )
    return list_shares(session, principal=principal, workflow_id=workflow_id)


def unshare_workflow(
    session: Session, *, principal: Principal, workflow_id: int, user_id: int
) -> list[SharePublic]:
    """End a user's share of the workflow.

    Returns:
        Every share left.

    Raises:
        NotFoundError: no such workflow (or the caller may not see it), or no such share.
        PermissionDeniedError: the caller is neither the owner nor an admin.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.SHARE)
    ended = session.exec(
        delete(WorkflowShare).where(
            col(WorkflowShare.workflow_id) == workflow_id,
            col(WorkflowShare.user_id) == user_id,
        )
    )
    if not ended.rowcount:
        raise NotFoundError(f"Workflow {workflow_id} is not shared with user {user_id}")
    record_audit(
        session,
        actor=principal,
        action=f"{workflow.kind}.unshare",
        object_type=workflow.kind,
        object_id=workflow_id,
        detail={"user_id": user_id},
    )
    return list_shares(session, principal=principal, workflow_id=workflow_id)
