"""The audit page's reads: the log filtered by actor, action, kind of object and time, in
pages with a total, and the actions and kinds it holds (owner and admins only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.models.audit import AuditEvent, AuditEventPublic
from app.services.audit import MAX_PAGE
from app.services.errors import PermissionDeniedError
from app.services.principal import Principal


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to show: each field left None (or "") does not filter.

    Attributes:
        actor_user_id: rows of this user's doing.
        action: one action, e.g. `user.role`.
        object_type: one kind of object, e.g. `api_key`.
        since: rows at or after this time.
        until: rows before this time.
    """

    actor_user_id: int | None = None
    action: str = ""
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of audit rows, newest first, and how many rows match in all."""

    total: int
    items: list[AuditEventPublic]


def _filtered(query: SelectOfScalar[Any], where: AuditFilter) -> SelectOfScalar[Any]:
    if where.actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == where.actor_user_id)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.object_type:
        query = query.where(AuditEvent.object_type == where.object_type)
    if where.since is not None:
        query = query.where(col(AuditEvent.at) >= where.since)
    if where.until is not None:
        query = query.where(col(AuditEvent.at) < where.until)
    return query


def audit_page(
    session: Session, *, principal: Principal, where: AuditFilter, offset: int, limit: int
) -> AuditPage:
    """A page of the audit log for the audit page (owner and admins only).

    Raises:
        PermissionDeniedError: the principal is neither owner nor admin.
    """
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can read the audit log")
    total = session.exec(_filtered(select(func.count()).select_from(AuditEvent), where)).one()
    rows = session.exec(
        _filtered(select(AuditEvent), where)
        .order_by(col(AuditEvent.id).desc())
        .offset(max(0, offset))
        .limit(max(1, min(limit, MAX_PAGE)))
    ).all()
    items = [AuditEventPublic.model_validate(row, from_attributes=True) for row in rows]
    return AuditPage(total=total, items=items)


def audit_vocabulary(session: Session, *, principal: Principal) -> tuple[list[str], list[str]]:
    """The actions and the object types the log holds, sorted (for the page's filters).

    Raises:
        PermissionDeniedError: the principal is neither owner nor admin.
    """
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can read the audit log")
    actions = session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    kinds = session.exec(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type))
    return list(actions), list(kinds)
