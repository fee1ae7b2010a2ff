"""Orchestration routes: CRUD, run with an input, and the run history side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, status

from app.api.authorization import Caller
from app.api.params import MAX_ID, Limit, Offset
from app.api.schemas import ErrorResponse, ExecuteRequest, ExecutionStarted
from app.api.strict_json import StrictJSONRoute
from app.models.orchestration import (
    OrchestrationCreate,
    OrchestrationPublic,
    OrchestrationRunsPage,
    OrchestrationsPage,
    OrchestrationSummary,
    OrchestrationUpdate,
)
from app.services import orchestration_runs as run_service
from app.services import orchestrations as orchestration_service
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/orchestrations",
    route_class=StrictJSONRoute,
    tags=["orchestrations"],
    responses={
        404: {"model": ErrorResponse, "description": "No such orchestration."},
        422: {"model": ErrorResponse, "description": "Invalid request or orchestration."},
    },
)

OrchestrationIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Orchestration id.")]
SearchQuery = Annotated[
    str | None,
    Query(max_length=200, pattern=r"^[^\x00]*$", description="Match on name/description."),
]


@router.get("", response_model=OrchestrationsPage, summary="List orchestrations")
def list_orchestrations(
    caller: Caller, search: SearchQuery = None, offset: Offset = 0, limit: Limit = 50
) -> OrchestrationsPage:
    """Orchestrations, most recently updated first."""
    with session_scope(read_only=True) as session:
        return orchestration_service.list_orchestrations(
            session, principal=caller, search=search, offset=offset, limit=limit
        )


@router.post(
    "",
    response_model=OrchestrationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create an orchestration",
)
def create_orchestration(caller: Caller, data: OrchestrationCreate) -> OrchestrationPublic:
    """Create an orchestration: strategy, voting, judge model and agents.

    Consensus needs at least two agents; agent names must be unique.
    """
    with session_scope() as session:
        return orchestration_service.create_orchestration(session, principal=caller, data=data)


@router.get(
    "/{orchestration_id}", response_model=OrchestrationPublic, summary="Get an orchestration"
)
def get_orchestration(caller: Caller, orchestration_id: OrchestrationIdPath) -> OrchestrationPublic:
    """One orchestration with its agents."""
    with session_scope(read_only=True) as session:
        return orchestration_service.get_orchestration(
            session, principal=caller, orchestration_id=orchestration_id
        )


@router.put(
    "/{orchestration_id}", response_model=OrchestrationPublic, summary="Update an orchestration"
)
def update_orchestration(
    caller: Caller, orchestration_id: OrchestrationIdPath, data: OrchestrationUpdate
) -> OrchestrationPublic:
    """Change the fields sent; the result must still be a valid orchestration (else 422)."""
    with session_scope() as session:
        return orchestration_service.update_orchestration(
            session, principal=caller, orchestration_id=orchestration_id, data=data
        )


@router.delete(
    "/{orchestration_id}",
    response_model=OrchestrationSummary,
    summary="Delete an orchestration",
)
def delete_orchestration(
    caller: Caller, orchestration_id: OrchestrationIdPath
) -> OrchestrationSummary:
    """Soft-delete an orchestration; its runs are kept."""
    with session_scope() as session:
        return orchestration_service.delete_orchestration(
            session, principal=caller, orchestration_id=orchestration_id
        )


@router.post(
    "/{orchestration_id}/run",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run an orchestration",
)
async def run_orchestration(
    caller: Caller,
    orchestration_id: OrchestrationIdPath,
    request: Annotated[ExecuteRequest | None, Body()] = None,
) -> ExecutionStarted:
    """Queue a run with `input` as the agents' question and answer at once."""
    payload = request.input if request is not None else None
    # Async on purpose: the in-process runner needs this event loop to schedule the run;
    # the database work runs on the db threads.
    execution = await orchestration_service.run_orchestration_async(
        principal=caller, orchestration_id=orchestration_id, input=payload
    )
    return ExecutionStarted(
        execution_id=execution.id, workflow_id=execution.workflow_id, status=execution.status
    )


@router.get(
    "/{orchestration_id}/runs",
    response_model=OrchestrationRunsPage,
    summary="Runs of an orchestration",
)
def orchestration_runs(
    caller: Caller, orchestration_id: OrchestrationIdPath, offset: Offset = 0, limit: Limit = 20
) -> OrchestrationRunsPage:
    """Runs, newest first: each agent's answer, votes, winner, tokens, cost and latency."""
    with session_scope(read_only=True) as session:
        return run_service.orchestration_runs(
            session, principal=caller, orchestration_id=orchestration_id, offset=offset, limit=limit
        )
