"""The audit log: `record_audit` joins the caller's transaction, so a change and its row
commit together or not at all; `list_audit` is for the owner and admins."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.models.audit import AuditEvent, AuditEventPublic
from app.models.types import utc_now
from app.services.errors import PermissionDeniedError
from app.services.principal import Principal

MAX_PAGE = 500


def audit_row(
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> dict[str, Any]:
    """The column values of one audit row (see `record_audit` for the arguments)."""
    return {
        "at": utc_now(),
        "actor_user_id": (actor.user_id or None) if actor else None,
        "actor": (actor.label if actor else actor_label)[:300],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "ip": ip[:64],
        "detail": detail or {},
    }


def record_audit(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> None:
    """Append one audit row to the session's transaction.

    Args:
        session: the session making the change.
        actor: who did it; None for someone not logged in (a failed login, the set-up).
        action: what was done, e.g. `workflow.update`, `login.failed`.
        object_type: the kind of object, e.g. `workflow`, `user`, `api_key`.
        object_id: which one.
        ip: the caller's address when known.
        detail: a short description of the change (old and new values); never secrets.
        actor_label: how to name an actor that is not a principal (the e-mail typed).
    """
    row = audit_row(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=ip,
        detail=detail,
        actor_label=actor_label,
    )
    session.add(AuditEvent(**row))
    session.flush()  # rows get ids in the order things happened


def list_audit(
    session: Session,
    *,
    principal: Principal,
    limit: int = 100,
    before_id: int | None = None,
    actor_user_id: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
) -> list[AuditEventPublic]:
    """The newest audit rows first, filtered; only the owner and admins may read them.

    Raises:
        PermissionDeniedError: the principal is neither owner nor admin.
    """
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can read the audit log")
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc())
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    rows = session.exec(query.limit(max(1, min(limit, MAX_PAGE)))).all()
    return [AuditEventPublic.model_validate(row, from_attributes=True) for row in rows]
