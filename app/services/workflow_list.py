"""The workflows list: what the caller may see, searched and paged, with what it may do."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from app.models.sharing import WorkflowShare
from app.models.workflow import Workflow, WorkflowKind, WorkflowsPage, WorkflowSummary
from app.services.access import granted, visible_to
from app.services.errors import InvalidInputError
from app.services.principal import Principal

MAX_PAGE = 500


def list_workflows(
    session: Session,
    *,
    principal: Principal,
    search: str | None = None,
    include_deleted: bool = False,
    kind: WorkflowKind | None = WorkflowKind.WORKFLOW,
    offset: int = 0,
    limit: int = 50,
) -> WorkflowsPage:
    """The workflows the caller may see, most recently updated first.

    Args:
        principal: the caller (admins see all; others their own and those shared with them).
        search: case-insensitive substring of the name or the description.
        kind: only rows of this kind (default: workflows, not orchestrations); None: all.
        include_deleted: list soft-deleted workflows too.
        offset: rows to skip.
        limit: page size (1..500).
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    conditions: list[ColumnElement[bool]] = [visible_to(principal)]
    if kind is not None:
        conditions.append(col(Workflow.kind) == WorkflowKind(kind).value)
    if not include_deleted:
        conditions.append(col(Workflow.deleted_at).is_(None))
    term = (search or "").replace("\x00", "").strip()
    if term:
        conditions.append(
            or_(
                col(Workflow.name).icontains(term, autoescape=True),
                col(Workflow.description).icontains(term, autoescape=True),
            )
        )
    total = session.exec(select(func.count()).select_from(Workflow).where(*conditions)).one()
    share = (
        select(WorkflowShare.permission)
        .where(
            col(WorkflowShare.workflow_id) == col(Workflow.id),
            col(WorkflowShare.user_id) == principal.user_id,
        )
        .scalar_subquery()
    )
    rows = session.exec(
        select(Workflow, share)
        .where(*conditions)
        .order_by(col(Workflow.updated_at).desc(), col(Workflow.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        WorkflowSummary(
            id=row.id or 0,
            kind=row.kind,
            name=row.name,
            description=row.description,
            node_count=len(row.definition.get("nodes", [])),
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
            owner_id=row.owner_id,
            access=sorted(granted(principal, row.owner_id, permission)),
        )
        for row, permission in rows
    ]
    return WorkflowsPage(items=items, total=total)
