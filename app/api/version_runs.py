"""Runs of stored versions: run a version or a tag, stats per version, A/B runs and their
comparison."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import Field

from app.api.authorization import Caller
from app.api.params import MAX_ID, WorkflowIdPath
from app.api.schemas import ErrorResponse, ExecuteRequest, ExecutionStarted
from app.api.strict_json import StrictJSONRoute
from app.models.execution import ExecutionPublic
from app.models.version import TAG_MAX
from app.models.version_run import (
    AB_INPUTS_MAX,
    VERSION_NUMBER_MAX,
    AbComparison,
    AbRequest,
    AbStarted,
    VersionStats,
)
from app.services import ab_comparison, version_runs, version_stats
from app.services.errors import InvalidInputError
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/workflows",
    route_class=StrictJSONRoute,
    tags=["versions"],
    responses={
        404: {"model": ErrorResponse, "description": "No such workflow, version or tag."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

VersionNumberPath = Annotated[int, Path(ge=1, le=VERSION_NUMBER_MAX, description="Version number.")]
TagPath = Annotated[str, Path(min_length=1, max_length=TAG_MAX, description="Tag name.")]
ExecutionIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]],
    Query(min_length=1, max_length=AB_INPUTS_MAX),
]


def _started(execution: ExecutionPublic) -> ExecutionStarted:
    return ExecutionStarted(
        execution_id=execution.id, workflow_id=execution.workflow_id, status=execution.status
    )


@router.post(
    "/{workflow_id}/versions/{number}/run",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run a version",
)
async def run_version(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    number: VersionNumberPath,
    request: Annotated[ExecuteRequest | None, Body()] = None,
) -> ExecutionStarted:
    """Queue a run of a stored version's document, whatever the workflow holds now."""
    execution = await version_runs.start_version_run_async(
        caller, workflow_id, version=number, input=request.input if request else None
    )
    return _started(execution)


@router.post(
    "/{workflow_id}/tags/{name}/run",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Run the version a tag names",
)
async def run_tag(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    name: TagPath,
    request: Annotated[ExecuteRequest | None, Body()] = None,
) -> ExecutionStarted:
    """Queue a run of the version the tag names now."""
    execution = await version_runs.start_version_run_async(
        caller, workflow_id, tag=name, input=request.input if request else None
    )
    return _started(execution)


@router.get(
    "/{workflow_id}/version-stats",
    response_model=list[VersionStats],
    summary="Stats per version",
)
def get_version_stats(caller: Caller, workflow_id: WorkflowIdPath) -> list[VersionStats]:
    """Runs, success rate, duration (mean, p95) and mean cost of every version that ran,
    newest version first."""
    with session_scope(read_only=True) as session:
        return version_stats.version_stats(session, principal=caller, workflow_id=workflow_id)


@router.post(
    "/{workflow_id}/ab/run",
    response_model=AbStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="A/B run of two versions",
)
async def run_ab(caller: Caller, workflow_id: WorkflowIdPath, request: AbRequest) -> AbStarted:
    """Run versions (or tags) `a` and `b` on each input; compare the pairs with
    `GET .../ab/compare`."""
    return await version_runs.start_ab_run(
        caller, workflow_id, request.a, request.b, request.inputs
    )


@router.get(
    "/{workflow_id}/ab/compare",
    response_model=AbComparison,
    summary="Compare A/B executions",
)
def compare_ab(
    caller: Caller, workflow_id: WorkflowIdPath, a: ExecutionIds, b: ExecutionIds
) -> AbComparison:
    """The i-th `a` execution against the i-th `b` execution, node by node, and each side
    summed up; every execution must be one of this workflow's."""
    if len(a) != len(b):
        raise InvalidInputError("give as many a executions as b executions")
    with session_scope(read_only=True) as session:
        return ab_comparison.compare_ab(
            session, principal=caller, workflow_id=workflow_id, pairs=list(zip(a, b, strict=True))
        )
