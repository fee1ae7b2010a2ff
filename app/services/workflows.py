"""Workflow use cases: create, save with validation, duplicate, soft delete/restore, list."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from app.engine.nodes import default_registry
from app.engine.spec import WorkflowSpec
from app.engine.validation import Problem, parse_document
from app.models.types import utc_now
from app.models.workflow import (
    NAME_MAX,
    ProblemPublic,
    Workflow,
    WorkflowCreate,
    WorkflowKind,
    WorkflowPublic,
    WorkflowsPage,
    WorkflowSummary,
    WorkflowUpdate,
)
from app.services.errors import InvalidInputError, InvalidWorkflowError, NotFoundError

COPY_SUFFIX = " (copy)"
MAX_PAGE = 500
TEST_INPUT_MAX_CHARS = 1_000_000

__all__ = [
    "WorkflowsPage",
    "create_workflow",
    "delete_workflow",
    "duplicate_workflow",
    "get_workflow",
    "list_workflows",
    "pin_node_output",
    "restore_workflow",
    "save_test_input",
    "unpin_node_output",
    "update_workflow",
    "validate_definition",
]


def check_definition(definition: Any) -> tuple[WorkflowSpec, list[Problem]]:
    """Parse a document and validate its graph.

    Returns:
        The parsed spec and its graph problems (which do not block saving).

    Raises:
        InvalidWorkflowError: the document is not a workflow document at all.
    """
    spec, problems = parse_document(definition, default_registry())
    if spec is None:
        raise InvalidWorkflowError("The definition is not a valid workflow document", problems)
    return spec, problems


def validate_definition(*, definition: Any) -> list[Problem]:
    """Every problem of a document: malformed structure, or graph problems when it parses."""
    return parse_document(definition, default_registry())[1]


def _problems_public(problems: list[Problem]) -> list[ProblemPublic]:
    return [
        ProblemPublic(
            code=p.code, message=p.message, node_id=p.node_id, edge_id=p.edge_id, field=p.field
        )
        for p in problems
    ]


def _public(workflow: Workflow, problems: list[Problem] | None = None) -> WorkflowPublic:
    if problems is None:
        problems = validate_definition(definition=workflow.definition)
    assert workflow.id is not None
    return WorkflowPublic(
        id=workflow.id,
        kind=workflow.kind,
        name=workflow.name,
        description=workflow.description,
        definition=workflow.definition,
        test_input=workflow.test_input,
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
        deleted_at=workflow.deleted_at,
        problems=_problems_public(problems),
    )


def load_workflow(session: Session, workflow_id: int, *, include_deleted: bool = False) -> Workflow:
    """The workflow row; raises NotFoundError when absent (or deleted, unless included)."""
    workflow = session.get(Workflow, workflow_id)
    if workflow is None or (workflow.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"Workflow {workflow_id} not found")
    return workflow


def create_workflow(
    session: Session, *, data: WorkflowCreate, kind: WorkflowKind = WorkflowKind.WORKFLOW
) -> WorkflowPublic:
    """Create a workflow (or, with `kind`, an orchestration's workflow).

    Raises:
        InvalidWorkflowError: the definition is not a workflow document (graph problems
            are allowed and returned in `problems`).
    """
    spec, problems = check_definition(data.definition)
    now = utc_now()
    workflow = Workflow(
        kind=kind.value,
        name=data.name,
        description=data.description,
        definition=spec.to_document(),
        created_at=now,
        updated_at=now,
    )
    session.add(workflow)
    session.flush()
    return _public(workflow, problems)


def get_workflow(
    session: Session, *, workflow_id: int, include_deleted: bool = False
) -> WorkflowPublic:
    """One workflow with its current graph problems; NotFoundError when absent or deleted."""
    return _public(load_workflow(session, workflow_id, include_deleted=include_deleted))


def update_workflow(session: Session, *, workflow_id: int, data: WorkflowUpdate) -> WorkflowPublic:
    """Change the fields given (None keeps a field).

    Raises:
        NotFoundError: no such workflow, or it is deleted.
        InvalidWorkflowError: the new definition is not a workflow document.
    """
    workflow = load_workflow(session, workflow_id)
    problems: list[Problem] | None = None
    if data.definition is not None:
        spec, problems = check_definition(data.definition)
        workflow.definition = spec.to_document()
    if data.name is not None:
        workflow.name = data.name
    if data.description is not None:
        workflow.description = data.description
    if "test_input" in data.model_fields_set:
        workflow.test_input = _checked_test_input(data.test_input)
    workflow.updated_at = utc_now()
    session.add(workflow)
    session.flush()
    return _public(workflow, problems)


def _checked_test_input(value: Any) -> Any:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("The test input must be JSON") from exc
    if len(text) > TEST_INPUT_MAX_CHARS:
        raise InvalidInputError(
            f"The test input must be at most {TEST_INPUT_MAX_CHARS:,} characters of JSON"
        )
    return value


def save_test_input(session: Session, *, workflow_id: int, test_input: Any) -> None:
    """Store the trigger payload the editor runs this workflow with (None clears it).

    The input belongs to the workflow: every editor session of it sees the same one, and
    another workflow's input never leaks into it.

    Raises:
        NotFoundError: no such workflow, or it is deleted.
        InvalidInputError: the input is not JSON or is too large.
    """
    workflow = load_workflow(session, workflow_id)
    workflow.test_input = _checked_test_input(test_input)
    session.add(workflow)
    session.flush()


def duplicate_workflow(session: Session, *, workflow_id: int) -> WorkflowPublic:
    """Copy a workflow as "<name> (copy)", of the same kind."""
    original = load_workflow(session, workflow_id)
    name = original.name[: NAME_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX
    return create_workflow(
        session,
        data=WorkflowCreate(
            name=name, description=original.description, definition=original.definition
        ),
        kind=WorkflowKind(original.kind),
    )


def delete_workflow(session: Session, *, workflow_id: int) -> WorkflowPublic:
    """Soft-delete a workflow (its executions are kept); NotFoundError if already deleted."""
    workflow = load_workflow(session, workflow_id)
    workflow.deleted_at = utc_now()
    session.add(workflow)
    session.flush()
    return _public(workflow)


def restore_workflow(session: Session, *, workflow_id: int) -> WorkflowPublic:
    """Undo a soft delete (a no-op for a workflow that is not deleted)."""
    workflow = load_workflow(session, workflow_id, include_deleted=True)
    if workflow.deleted_at is not None:
        workflow.deleted_at = None
        workflow.updated_at = utc_now()
        session.add(workflow)
        session.flush()
    return _public(workflow)


def list_workflows(
    session: Session,
    *,
    search: str | None = None,
    include_deleted: bool = False,
    kind: WorkflowKind | None = WorkflowKind.WORKFLOW,
    offset: int = 0,
    limit: int = 50,
) -> WorkflowsPage:
    """Workflows, most recently updated first.

    Args:
        search: case-insensitive substring of the name or the description.
        kind: only rows of this kind (default: workflows, not orchestrations); None: all.
        include_deleted: list soft-deleted workflows too.
        offset: rows to skip.
        limit: page size (1..500).
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    conditions: list[ColumnElement[bool]] = []
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
    rows = session.exec(
        select(Workflow)
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
        )
        for row in rows
    ]
    return WorkflowsPage(items=items, total=total)


def pin_node_output(
    session: Session, *, workflow_id: int, node_id: str, output: Any
) -> WorkflowPublic:
    """Freeze a node's output: runs use `output` as it is instead of running the node.

    Raises:
        NotFoundError: no such workflow or node.
        InvalidInputError: `output` is None (which would mean "not pinned").
    """
    if output is None:
        raise InvalidInputError("a pinned output cannot be null; unpin the node instead")
    return _set_pinned(session, workflow_id, node_id, output)


def unpin_node_output(session: Session, *, workflow_id: int, node_id: str) -> WorkflowPublic:
    """Let a pinned node run again (a no-op edit when it is not pinned).

    Raises:
        NotFoundError: no such workflow or node.
    """
    return _set_pinned(session, workflow_id, node_id, None)


def _set_pinned(session: Session, workflow_id: int, node_id: str, output: Any) -> WorkflowPublic:
    definition = dict(load_workflow(session, workflow_id).definition)
    nodes = [dict(n) for n in definition.get("nodes", [])]
    node = next((n for n in nodes if n.get("id") == node_id), None)
    if node is None:
        raise NotFoundError(f"Node {node_id!r} not found in workflow {workflow_id}")
    node["pinned_output"] = output
    definition["nodes"] = nodes
    return update_workflow(
        session, workflow_id=workflow_id, data=WorkflowUpdate(definition=definition)
    )
