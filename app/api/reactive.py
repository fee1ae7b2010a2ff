"""Reactive-run routes: run all/stale/this node/up to here, node states, stale nodes, pins,
and the estimated cost of the LLM nodes an explicit run would call."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag

from app.api.authorization import Caller
from app.api.params import WorkflowIdPath
from app.api.schemas import ErrorResponse, ExecutionStarted
from app.api.strict_json import StrictJSONRoute
from app.models.cost_estimate import WorkflowCostEstimate
from app.models.node_cache import NodeState
from app.models.workflow import WorkflowPublic
from app.services import pinned_outputs, reactive_runs
from app.services.cost_estimates import estimate_workflow_cost
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


class RunAll(BaseModel):
    """Run every node (`all`) or only the stale ones (`stale`), reusing cached outputs."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["all", "stale"] = Field(
        default="all", description="`all`, or `stale` (only stale nodes run)."
    )
    input: Any = Field(default=None, description="Trigger payload; null reuses the last run's.")
    auto: StrictBool = Field(default=False, description="Auto-run: side-effect nodes stay stale.")


class RunTarget(BaseModel):
    """Run one node (`node`, upstream outputs as shown) or it and the ancestors it needs
    (`up_to`)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["node", "up_to"]
    node_id: str = Field(min_length=1, max_length=64, description="The node to run.")
    input: Any = Field(default=None, description="Trigger payload; null reuses the last run's.")
    auto: StrictBool = Field(default=False, description="Auto-run: side-effect nodes stay stale.")


def _run_kind(value: Any) -> str:
    mode = value.get("mode", "all") if isinstance(value, dict) else getattr(value, "mode", "")
    return "target" if mode in ("node", "up_to") else "all"


# The mode picks the shape, so a `node` run without `node_id` is told exactly that.
RunRequest = Annotated[
    Annotated[RunAll, Tag("all")] | Annotated[RunTarget, Tag("target")],
    Discriminator(_run_kind),
]


class StaleNodes(BaseModel):
    """Which nodes need a run, and which nodes act outside the run when they run."""

    stale: list[str] = Field(description="Stale node ids (edited, downstream, failed, new).")
    side_effects: list[str] = Field(description="Nodes auto-run leaves for an explicit run.")


class PinRequest(BaseModel):
    """The output to freeze on a node."""

    model_config = ConfigDict(extra="forbid")

    output: Any = Field(
        description="The pinned output (not null).", json_schema_extra={"not": {"type": "null"}}
    )


@router.post(
    "/{workflow_id}/runs",
    response_model=ExecutionStarted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a reactive run",
)
async def start_run(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    request: Annotated[RunRequest | None, Body()] = None,
) -> ExecutionStarted:
    """Queue a run that reuses cached outputs; poll the execution for progress."""
    request = request or RunAll()
    # Async on purpose: the in-process runner needs this event loop to schedule the run
    # (the database work runs on the services' database threads).
    execution = await reactive_runs.start_reactive_run_async(
        principal=caller,
        workflow_id=workflow_id,
        mode=request.mode,
        node_id=request.node_id if isinstance(request, RunTarget) else None,
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
def node_states(caller: Caller, workflow_id: WorkflowIdPath) -> dict[str, NodeState]:
    """Each node's latest status, output, error, attempts, and whether it is stale."""
    with session_scope(read_only=True) as session:
        return reactive_runs.workflow_node_states(
            session, principal=caller, workflow_id=workflow_id
        )


@router.get("/{workflow_id}/stale", response_model=StaleNodes, summary="Stale nodes")
def stale_nodes(caller: Caller, workflow_id: WorkflowIdPath) -> StaleNodes:
    """Nodes a "Run stale" would run, and the side-effect nodes auto-run skips."""
    with session_scope(read_only=True) as session:
        stale = reactive_runs.stale_node_ids(session, principal=caller, workflow_id=workflow_id)
        side_effects = reactive_runs.side_effect_nodes(
            session, principal=caller, workflow_id=workflow_id
        )
    return StaleNodes(stale=sorted(stale), side_effects=side_effects)


@router.get(
    "/{workflow_id}/cost-estimate",
    response_model=WorkflowCostEstimate,
    summary="Estimated cost of the LLM nodes",
)
def cost_estimate(
    caller: Caller, workflow_id: WorkflowIdPath, node_ids: NodeIdsQuery = None
) -> WorkflowCostEstimate:
    """What the agent and orchestration nodes would likely cost on an explicit run (an
    estimate: prompts as written, outputs at their cap, the provider a call would use now)."""
    wanted = {n.strip() for n in (node_ids or "").split(",") if n.strip()}
    with session_scope(read_only=True) as session:
        return estimate_workflow_cost(
            session, principal=caller, workflow_id=workflow_id, node_ids=wanted or None
        )


@router.post(
    "/{workflow_id}/nodes/{node_id}/pin",
    response_model=WorkflowPublic,
    summary="Pin a node's output",
)
def pin_output(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    node_id: NodeIdPath,
    request: Annotated[PinRequest, Body()],
) -> WorkflowPublic:
    """Freeze a node's output (a definition edit: the node and its downstream turn stale)."""
    with session_scope() as session:
        return pinned_outputs.pin_node_output(
            session,
            principal=caller,
            workflow_id=workflow_id,
            node_id=node_id,
            output=request.output,
        )


@router.delete(
    "/{workflow_id}/nodes/{node_id}/pin",
    response_model=WorkflowPublic,
    summary="Unpin a node's output",
)
def unpin_output(
    caller: Caller, workflow_id: WorkflowIdPath, node_id: NodeIdPath
) -> WorkflowPublic:
    """Let the node run again."""
    with session_scope() as session:
        return pinned_outputs.unpin_node_output(
            session, principal=caller, workflow_id=workflow_id, node_id=node_id
        )
