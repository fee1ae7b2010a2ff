"""Reactive-run routes: run all/stale/this node/up to here, node states, stale nodes, pins,
and the estimated cost of the LLM nodes an explicit run would call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import BaseModel, Field

from app.api.params import WorkflowIdPath
from app.api.schemas import ErrorResponse, ExecutionStarted
from app.api.strict_json import StrictJSONRoute
from app.models.cost_estimate import WorkflowCostEstimate
from app.models.node_cache import NodeState
from app.models.workflow import WorkflowPublic
from app.services import reactive_runs
from app.services import workflows as workflow_service
from app.services.cost_estimates import estimate_workflow_cost
from app.services.reactive_runs import RunMode
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/workflows",
    route_class=StrictJSONRoute,
    tags=["reactive runs"],
    responses={
        404: {"model": ErrorResponse, "description": "No such workflow or node."},
        422: {"model": ErrorResponse, "description": "Invalid request or workflow."},
    },
)

NodeIdPath = Annotated[str, Path(min_length=1, max_length=64, description="Node id.")]
NodeIdsQuery = Annotated[
    str | None,
    Query(max_length=4096, description="Comma-separated node ids; empty or absent: all nodes."),
]


class RunRequest(BaseModel):
    """What to run and with which trigger payload."""

    mode: RunMode = Field(
        default="all",
        description="`all`, `stale` (only stale nodes run), `node` (this node, upstream "
        "outputs as shown) or `up_to` (this node and the ancestors it needs).",
    )
    node_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Target of `node`/`up_to`."
    )
    input: Any = Field(default=None, description="Trigger payload; null reuses the last run's.")
    auto: bool = Field(default=False, description="Auto-run: side-effect nodes stay stale.")


class StaleNodes(BaseModel):
    """Which nodes need a run, and which nodes act outside the run when they run."""

    stale: list[str] = Field(description="Stale node ids (edited, downstream, failed, new).")
    side_effects: list[str] = Field(description="Nodes auto-run leaves for an explicit run.")


class PinRequest(BaseModel):
    """The output to freeze on a node."""

    output: Any = Field(description="The pinned output (not null).")


@router.post(
    "/{workflow_id}/runs",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a reactive run",
)
async def start_run(
    workflow_id: WorkflowIdPath, request: Annotated[RunRequest | None, Body()] = None
) -> ExecutionStarted:
    """Queue a run that reuses cached outputs; poll the execution for progress."""
    request = request or RunRequest()
    # Async on purpose: the in-process runner needs this event loop to schedule the run
    # (the database work runs on the services' database threads).
    execution = await reactive_runs.start_reactive_run_async(
        workflow_id=workflow_id,
        mode=request.mode,
        node_id=request.node_id,
        input=request.input,
        auto=request.auto,
    )
    return ExecutionStarted(
        execution_id=execution.id, workflow_id=execution.workflow_id, status=execution.status
    )


@router.get(
    "/{workflow_id}/node-states",
    response_model=dict[str, NodeState],
    summary="Latest state of every node",
)
def node_states(workflow_id: WorkflowIdPath) -> dict[str, NodeState]:
    """Each node's latest status, output, error, attempts, and whether it is stale."""
    with session_scope(read_only=True) as session:
        return reactive_runs.workflow_node_states(session, workflow_id=workflow_id)


@router.get("/{workflow_id}/stale", response_model=StaleNodes, summary="Stale nodes")
def stale_nodes(workflow_id: WorkflowIdPath) -> StaleNodes:
    """Nodes a "Run stale" would run, and the side-effect nodes auto-run skips."""
    with session_scope(read_only=True) as session:
        stale = reactive_runs.stale_node_ids(session, workflow_id=workflow_id)
        side_effects = reactive_runs.side_effect_nodes(session, workflow_id=workflow_id)
    return StaleNodes(stale=sorted(stale), side_effects=side_effects)


@router.get(
    "/{workflow_id}/cost-estimate",
    response_model=WorkflowCostEstimate,
    summary="Estimated cost of the LLM nodes",
)
def cost_estimate(
    workflow_id: WorkflowIdPath, node_ids: NodeIdsQuery = None
) -> WorkflowCostEstimate:
    """What the agent and orchestration nodes would likely cost on an explicit run (an
    estimate: prompts as written, outputs at their cap, the provider a call would use now)."""
    wanted = {n.strip() for n in (node_ids or "").split(",") if n.strip()}
    with session_scope(read_only=True) as session:
        return estimate_workflow_cost(session, workflow_id=workflow_id, node_ids=wanted or None)


@router.post(
    "/{workflow_id}/nodes/{node_id}/pin",
    response_model=WorkflowPublic,
    summary="Pin a node's output",
)
def pin_output(
    workflow_id: WorkflowIdPath, node_id: NodeIdPath, request: Annotated[PinRequest, Body()]
) -> WorkflowPublic:
    """Freeze a node's output (a definition edit: the node and its downstream turn stale)."""
    with session_scope() as session:
        return workflow_service.pin_node_output(
            session, workflow_id=workflow_id, node_id=node_id, output=request.output
        )


@router.delete(
    "/{workflow_id}/nodes/{node_id}/pin",
    response_model=WorkflowPublic,
    summary="Unpin a node's output",
)
def unpin_output(workflow_id: WorkflowIdPath, node_id: NodeIdPath) -> WorkflowPublic:
    """Let the node run again."""
    with session_scope() as session:
        return workflow_service.unpin_node_output(session, workflow_id=workflow_id, node_id=node_id)
