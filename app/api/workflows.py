"""Workflow routes: CRUD, soft delete/restore, duplicate, validate and execute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from app.api.authorization import Caller
from app.api.error_handlers import problems_out
from app.api.params import Limit, Offset, WorkflowIdPath
from app.api.schemas import (
    ErrorResponse,
    ExecuteRequest,
    ExecutionStarted,
    ValidateRequest,
    ValidationResult,
)
from app.api.strict_json import StrictJSONRoute
from app.models.workflow import (
    WorkflowCreate,
    WorkflowKind,
    WorkflowPublic,
    WorkflowsPage,
    WorkflowUpdate,
)
from app.services import executions as execution_service
from app.services import workflow_list
from app.services import workflows as workflow_service
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/workflows",
    route_class=StrictJSONRoute,
    tags=["workflows"],
    responses={
        404: {"model": ErrorResponse, "description": "No such workflow."},
        422: {"model": ErrorResponse, "description": "Invalid request or workflow."},
    },
)

SAVE_CONFLICT: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "A newer version than `base_version` exists."}
}

SearchQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        # NUL cannot be sent to PostgreSQL in a query parameter.
        pattern=r"^[^\x00]*$",
        description="Case-insensitive match on name/description.",
    ),
]


@router.get("", response_model=WorkflowsPage, summary="List workflows")
def list_workflows(
    caller: Caller,
    search: SearchQuery = None,
    include_deleted: bool = False,
    kind: Annotated[
        WorkflowKind, Query(description="`orchestration` lists the orchestrations' workflows.")
    ] = WorkflowKind.WORKFLOW,
    offset: Offset = 0,
    limit: Limit = 50,
) -> WorkflowsPage:
    """Workflows, newest first, optionally filtered by a search string."""
    with session_scope(read_only=True) as session:
        return workflow_list.list_workflows(
            session,
            principal=caller,
            search=search,
            include_deleted=include_deleted,
            kind=kind,
            offset=offset,
            limit=limit,
        )


@router.post(
    "",
    response_model=WorkflowPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a workflow",
)
def create_workflow(caller: Caller, data: WorkflowCreate) -> WorkflowPublic:
    """Create a workflow; a definition that is not a workflow document is refused (422)."""
    with session_scope() as session:
        return workflow_service.create_workflow(session, principal=caller, data=data)


@router.post("/validate", response_model=ValidationResult, summary="Validate a document")
def validate_document(request: ValidateRequest) -> ValidationResult:
    """Validate an unsaved workflow document and list every problem found."""
    problems = workflow_service.validate_definition(definition=request.definition)
    return ValidationResult(valid=not problems, problems=problems_out(problems))


@router.get("/{workflow_id}", response_model=WorkflowPublic, summary="Get a workflow")
def get_workflow(
    caller: Caller, workflow_id: WorkflowIdPath, include_deleted: bool = False
) -> WorkflowPublic:
    """One workflow with its definition and current graph problems."""
    with session_scope(read_only=True) as session:
        return workflow_service.get_workflow(
            session, principal=caller, workflow_id=workflow_id, include_deleted=include_deleted
        )


@router.put(
    "/{workflow_id}",
    response_model=WorkflowPublic,
    responses=SAVE_CONFLICT,
    summary="Update a workflow",
)
def replace_workflow(
    caller: Caller, workflow_id: WorkflowIdPath, data: WorkflowUpdate
) -> WorkflowPublic:
    """Save a workflow; graph problems do not block saving and are returned in `problems`."""
    with session_scope() as session:
        return workflow_service.update_workflow(
            session, principal=caller, workflow_id=workflow_id, data=data
        )


@router.patch(
    "/{workflow_id}",
    response_model=WorkflowPublic,
    responses=SAVE_CONFLICT,
    summary="Patch a workflow",
)
def patch_workflow(
    caller: Caller, workflow_id: WorkflowIdPath, data: WorkflowUpdate
) -> WorkflowPublic:
    """Change only the fields sent (same rules as PUT)."""
    with session_scope() as session:
        return workflow_service.update_workflow(
            session, principal=caller, workflow_id=workflow_id, data=data
        )


@router.delete("/{workflow_id}", response_model=WorkflowPublic, summary="Delete a workflow")
def delete_workflow(caller: Caller, workflow_id: WorkflowIdPath) -> WorkflowPublic:
    """Soft-delete a workflow; it can be restored and its executions are kept."""
    with session_scope() as session:
        return workflow_service.delete_workflow(session, principal=caller, workflow_id=workflow_id)


@router.post("/{workflow_id}/restore", response_model=WorkflowPublic, summary="Restore")
def restore_workflow(caller: Caller, workflow_id: WorkflowIdPath) -> WorkflowPublic:
    """Bring back a soft-deleted workflow."""
    with session_scope() as session:
        return workflow_service.restore_workflow(session, principal=caller, workflow_id=workflow_id)


@router.post(
    "/{workflow_id}/duplicate",
    response_model=WorkflowPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Duplicate a workflow",
)
def duplicate_workflow(caller: Caller, workflow_id: WorkflowIdPath) -> WorkflowPublic:
    """Copy a workflow under a new name."""
    with session_scope() as session:
        return workflow_service.duplicate_workflow(
            session, principal=caller, workflow_id=workflow_id
        )


@router.post("/{workflow_id}/validate", response_model=ValidationResult, summary="Validate")
def validate_workflow(caller: Caller, workflow_id: WorkflowIdPath) -> ValidationResult:
    """Validate a saved workflow and list every problem, each tied to its node or edge."""
    with session_scope(read_only=True) as session:
        workflow = workflow_service.get_workflow(session, principal=caller, workflow_id=workflow_id)
    return ValidationResult(valid=not workflow.problems, problems=workflow.problems)


@router.post(
    "/{workflow_id}/execute",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Execute a workflow",
)
async def execute_workflow(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    request: Annotated[ExecuteRequest | None, Body()] = None,
) -> ExecutionStarted:
    """Queue a run and answer at once; a workflow with graph problems is refused (422)."""
    payload = request.input if request is not None else None
    # Async on purpose: the in-process runner needs this event loop to schedule the run
    # (the database work runs on the services' database threads).
    execution = await execution_service.start_execution_async(
        principal=caller, workflow_id=workflow_id, trigger="manual", input=payload
    )
    return ExecutionStarted(
        execution_id=execution.id, workflow_id=execution.workflow_id, status=execution.status
    )
