"""Workflow use cases: create, save with validation, duplicate, soft delete/restore, list."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from app.engine.nodes import default_registry
from app.engine.spec import WorkflowSpec
from app.engine.validation import Problem, parse_document
from app.models.types import utc_now
from app.models.version import content_hash
from app.models.workflow import (
    NAME_MAX,
    ProblemPublic,
    Workflow,
    WorkflowCreate,
    WorkflowKind,
    WorkflowPublic,
    WorkflowUpdate,
)
from app.services.access import (
    Action,
    check_access,
    granted,
    may_create,
)
from app.services.audit import record_audit
from app.services.errors import InvalidInputError, InvalidWorkflowError, NotFoundError
from app.services.principal import Principal
from app.services.version_store import lock_for_save, record_save

COPY_SUFFIX = " (copy)"
TEST_INPUT_MAX_CHARS = 1_000_000

__all__ = [
    "create_workflow",
    "delete_workflow",
    "duplicate_workflow",
    "get_workflow",
    "restore_workflow",
    "save_test_input",
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


def _public(
    workflow: Workflow, access: frozenset[Action], problems: list[Problem] | None = None
) -> WorkflowPublic:
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
        owner_id=workflow.owner_id,
        access=sorted(access),
        version_number=workflow.version_number,
        version_hash=content_hash(workflow.definition),
    )


def load_workflow(session: Session, workflow_id: int, *, include_deleted: bool = False) -> Workflow:
    """The workflow row; raises NotFoundError when absent (or deleted, unless included)."""
    workflow = session.get(Workflow, workflow_id)
    if workflow is None or (workflow.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"Workflow {workflow_id} not found")
    return workflow


def authorized_workflow(
    session: Session,
    principal: Principal,
    workflow_id: int,
    action: Action,
    *,
    include_deleted: bool = False,
) -> tuple[Workflow, frozenset[Action]]:
    """The workflow row and what the caller may do with it, when that includes `action`.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may see it but not do `action`.
    """
    workflow = load_workflow(session, workflow_id, include_deleted=include_deleted)
    return workflow, check_access(session, principal, workflow, action)


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    workflow: Workflow,
    detail: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        actor=principal,
        action=f"{workflow.kind}.{action}",
        object_type=workflow.kind,
        object_id=workflow.id or "",
        detail={"name": workflow.name, **(detail or {})},
    )


def create_workflow(
    session: Session,
    *,
    principal: Principal,
    data: WorkflowCreate,
    kind: WorkflowKind = WorkflowKind.WORKFLOW,
) -> WorkflowPublic:
    """Create a workflow (or, with `kind`, an orchestration's workflow) owned by the caller.

    Raises:
        PermissionDeniedError: the caller's role or key may not create workflows.
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
        owner_id=principal.user_id or None,
        created_at=now,
        updated_at=now,
    )
    may_create(principal)
    session.add(workflow)
    session.flush()
    record_save(session, workflow, principal)
    _audit(session, principal, "create", workflow)
    return _public(workflow, granted(principal, workflow.owner_id, None), problems)


def get_workflow(
    session: Session, *, principal: Principal, workflow_id: int, include_deleted: bool = False
) -> WorkflowPublic:
    """One workflow with its current graph problems.

    Raises:
        NotFoundError: absent, deleted, or not visible to the caller.
    """
    workflow, access = authorized_workflow(
        session, principal, workflow_id, Action.READ, include_deleted=include_deleted
    )
    return _public(workflow, access)


def update_workflow(
    session: Session, *, principal: Principal, workflow_id: int, data: WorkflowUpdate
) -> WorkflowPublic:
    """Change the fields given (None keeps a field); a new document is kept as a version.

    With `base_version` (the version the editor loaded), a new document is refused when a
    newer version exists; without it the save is not checked.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may see it but not change it.
        InvalidWorkflowError: the new definition is not a workflow document.
        VersionConflictError: `base_version` is older than the newest version (409).
    """
    workflow, access = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    problems: list[Problem] | None = None
    changed: dict[str, Any] = {}
    if data.definition is not None:
        lock_for_save(session, workflow, data.base_version, data.base_hash)
        spec, problems = check_definition(data.definition)
        document = spec.to_document()
        if document != workflow.definition:
            changed["nodes"] = [len(workflow.definition.get("nodes", [])), len(spec.nodes)]
            changed["edges"] = [len(workflow.definition.get("edges", [])), len(spec.edges)]
        workflow.definition = document
    if data.name is not None and data.name != workflow.name:
        changed["renamed"] = [workflow.name, data.name]
        workflow.name = data.name
    if data.description is not None and data.description != workflow.description:
        changed["description"] = True
        workflow.description = data.description
    if "test_input" in data.model_fields_set:
        workflow.test_input = _checked_test_input(data.test_input)
        changed["test_input"] = True
    workflow.updated_at = utc_now()
    session.add(workflow)
    session.flush()
    if "nodes" in changed:
        record_save(session, workflow, principal)
    if changed:
        _audit(session, principal, "update", workflow, {"changed": changed})
    return _public(workflow, access, problems)


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


def save_test_input(
    session: Session, *, principal: Principal, workflow_id: int, test_input: Any
) -> None:
    """Store the trigger payload the editor runs this workflow with (None clears it).

    The input belongs to the workflow: every editor session of it sees the same one, and
    another workflow's input never leaks into it.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may not change it.
        InvalidInputError: the input is not JSON or is too large.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    workflow.test_input = _checked_test_input(test_input)
    session.add(workflow)
    session.flush()


def duplicate_workflow(
    session: Session, *, principal: Principal, workflow_id: int
) -> WorkflowPublic:
    """Copy a workflow the caller may read as "<name> (copy)", of the same kind, its own."""
    original, _ = authorized_workflow(session, principal, workflow_id, Action.READ)
    name = original.name[: NAME_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX
    return create_workflow(
        session,
        principal=principal,
        data=WorkflowCreate(
            name=name, description=original.description, definition=original.definition
        ),
        kind=WorkflowKind(original.kind),
    )


def delete_workflow(session: Session, *, principal: Principal, workflow_id: int) -> WorkflowPublic:
    """Soft-delete a workflow (its executions are kept).

    Raises:
        NotFoundError: absent, deleted already, or not visible to the caller.
        PermissionDeniedError: the caller is neither its owner nor an admin.
    """
    workflow, access = authorized_workflow(session, principal, workflow_id, Action.DELETE)
    workflow.deleted_at = utc_now()
    session.add(workflow)
    session.flush()
    _audit(session, principal, "delete", workflow)
    return _public(workflow, access)


def restore_workflow(session: Session, *, principal: Principal, workflow_id: int) -> WorkflowPublic:
    """Undo a soft delete (a no-op for a workflow that is not deleted)."""
    workflow, access = authorized_workflow(
        session, principal, workflow_id, Action.DELETE, include_deleted=True
    )
    if workflow.deleted_at is not None:
        workflow.deleted_at = None
        workflow.updated_at = utc_now()
        session.add(workflow)
        session.flush()
        _audit(session, principal, "restore", workflow)
    return _public(workflow, access)
