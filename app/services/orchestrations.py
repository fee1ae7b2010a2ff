"""Orchestration use cases: create, edit, list, delete and run multi-agent orchestrations.

An orchestration is a workflow row of kind "orchestration" whose definition is
manual_trigger -> orchestration node -> output (the winning or final answer), so it runs,
persists and shows up in the execution history like any workflow. Its runs, each agent's
answer side by side, are read by `app.services.orchestration_runs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.models.execution import ExecutionPublic
from app.models.orchestration import (
    AgentSpec,
    OrchestrationCreate,
    OrchestrationPublic,
    OrchestrationsPage,
    OrchestrationSummary,
    OrchestrationUpdate,
    error_messages,
)
from app.models.workflow import (
    Workflow,
    WorkflowCreate,
    WorkflowKind,
    WorkflowPublic,
    WorkflowUpdate,
)
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import ConflictError, InvalidInputError, NotFoundError
from app.services.executions import start_execution, start_loaded_execution_async
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import Principal
from app.services.runnable_workflows import runnable
from app.services.unit_of_work import session_scope
from app.services.workflow_list import list_workflows
from app.services.workflows import (
    authorized_workflow,
    create_workflow,
    delete_workflow,
    update_workflow,
)

TRIGGER_NODE = "input"
ORCHESTRATION_NODE = "agents"
OUTPUT_NODE = "answer"
ORCHESTRATION_TYPE = "orchestration"
KIND = WorkflowKind.ORCHESTRATION


def orchestration_definition(data: OrchestrationCreate) -> dict[str, Any]:
    """The workflow document of an orchestration: trigger -> orchestration -> output."""
    nodes = [
        (TRIGGER_NODE, "manual_trigger", "Input", {}),
        (ORCHESTRATION_NODE, ORCHESTRATION_TYPE, "Agents", data.node_config()),
        (OUTPUT_NODE, "output", "answer", {"value": "{{ input.answer }}"}),
    ]
    return {
        "schema": 1,
        "nodes": [
            {
                "id": node_id,
                "type": node_type,
                "name": name,
                "position": {"x": 300 * index, "y": 0},
                "config": config,
            }
            for index, (node_id, node_type, name, config) in enumerate(nodes)
        ],
        "edges": [
            {"id": "e-input-agents", "source": TRIGGER_NODE, "target": ORCHESTRATION_NODE},
            {"id": "e-agents-answer", "source": ORCHESTRATION_NODE, "target": OUTPUT_NODE},
        ],
    }


def _orchestration_node(workflow: Workflow | WorkflowPublic) -> dict[str, Any]:
    node = next(
        (n for n in workflow.definition.get("nodes", []) if n.get("type") == ORCHESTRATION_TYPE),
        None,
    )
    if node is None:
        raise ConflictError(
            f"Orchestration {workflow.id} has no orchestration node: it was edited as a workflow"
        )
    return node


def _public(workflow: Workflow | WorkflowPublic, access: Iterable[str]) -> OrchestrationPublic:
    config = _orchestration_node(workflow).get("config") or {}
    assert workflow.id is not None
    return OrchestrationPublic(
        id=workflow.id,
        workflow_id=workflow.id,
        name=workflow.name,
        description=workflow.description,
        strategy=config.get("strategy", "consensus"),
        voting=config.get("voting", "majority"),
        judge_model=config.get("judge_model", ""),
        agents=[AgentSpec.model_validate(agent) for agent in config.get("agents", [])],
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
        access=sorted(access),
    )


def load_orchestration(
    session: Session, principal: Principal, orchestration_id: int, action: Action
) -> tuple[Workflow, frozenset[Action]]:
    """The workflow row of an orchestration and what the caller may do with it.

    Raises:
        NotFoundError: absent, deleted, a workflow, or not visible to the caller.
        PermissionDeniedError: the caller may see it but not do `action`.
    """
    try:
        workflow, access = authorized_workflow(session, principal, orchestration_id, action)
    except NotFoundError:
        workflow = None
    if workflow is None or workflow.kind != KIND.value:
        raise NotFoundError(f"Orchestration {orchestration_id} not found")
    return workflow, access


def create_orchestration(
    session: Session, *, principal: Principal, data: OrchestrationCreate
) -> OrchestrationPublic:
    """Create an orchestration (already validated by `OrchestrationCreate`), the caller's."""
    created = create_workflow(
        session,
        principal=principal,
        data=WorkflowCreate(
            name=data.name, description=data.description, definition=orchestration_definition(data)
        ),
        kind=KIND,
    )
    return _public(created, created.access)


def get_orchestration(
    session: Session, *, principal: Principal, orchestration_id: int
) -> OrchestrationPublic:
    """One orchestration; NotFoundError when absent, deleted or not visible to the caller."""
    return _public(*load_orchestration(session, principal, orchestration_id, Action.READ))


def update_orchestration(
    session: Session, *, principal: Principal, orchestration_id: int, data: OrchestrationUpdate
) -> OrchestrationPublic:
    """Change the fields given (None keeps a field); the result is validated as a whole.

    Raises:
        NotFoundError: no such orchestration, or the caller may not see it.
        PermissionDeniedError: the caller may not change it.
        InvalidInputError: the changed orchestration is not valid (e.g. consensus with one
            agent, two agents with one name).
    """
    workflow, access = load_orchestration(session, principal, orchestration_id, Action.CHANGE)
    current = _public(workflow, access).model_dump(include=set(OrchestrationCreate.model_fields))
    changes = data.model_dump(exclude_none=True)
    try:
        merged = OrchestrationCreate.model_validate(current | changes)
    except ValidationError as exc:
        raise InvalidInputError("Invalid orchestration: " + "; ".join(error_messages(exc))) from exc
    definition = dict(workflow.definition)
    nodes = [dict(n) for n in definition.get("nodes", [])]
    node = next(n for n in nodes if n.get("type") == ORCHESTRATION_TYPE)
    prompt = (node.get("config") or {}).get("prompt", "{{ input }}")
    node["config"] = merged.node_config(prompt)
    definition["nodes"] = nodes
    updated = update_workflow(
        session,
        principal=principal,
        workflow_id=orchestration_id,
        data=WorkflowUpdate(
            name=merged.name, description=merged.description, definition=definition
        ),
    )
    return _public(updated, updated.access)


def delete_orchestration(
    session: Session, *, principal: Principal, orchestration_id: int
) -> OrchestrationSummary:
    """Soft-delete an orchestration (its runs are kept).

    Raises:
        NotFoundError: no such orchestration, or the caller may not see it.
        PermissionDeniedError: the caller is neither its owner nor an admin.
    """
    workflow, access = load_orchestration(session, principal, orchestration_id, Action.DELETE)
    delete_workflow(session, principal=principal, workflow_id=orchestration_id)
    return _summary(workflow, access)


def list_orchestrations(
    session: Session,
    *,
    principal: Principal,
    search: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> OrchestrationsPage:
    """The orchestrations the caller may see, most recently updated first, optionally
    filtered by name/description."""
    page = list_workflows(
        session, principal=principal, search=search, kind=KIND, offset=offset, limit=limit
    )
    ids = [item.id for item in page.items]
    rows = {row.id: row for row in session.exec(select(Workflow).where(col(Workflow.id).in_(ids)))}
    return OrchestrationsPage(
        items=[_summary(rows[item.id], item.access) for item in page.items], total=page.total
    )


def _summary(workflow: Workflow, access: Iterable[str]) -> OrchestrationSummary:
    try:
        public = _public(workflow, access)
    except ConflictError:  # edited as a workflow: still listed, so it can be deleted
        agents: list[AgentSpec] = []
        strategy = voting = "invalid"
    else:
        agents, strategy, voting = public.agents, public.strategy, public.voting
    return OrchestrationSummary(
        id=workflow.id or 0,
        name=workflow.name,
        description=workflow.description,
        strategy=strategy,
        voting=voting,
        agent_count=len(agents),
        models=list(dict.fromkeys(agent.model for agent in agents)),
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
        access=sorted(access),
    )


def run_orchestration(
    session: Session, *, principal: Principal, orchestration_id: int, input: Any
) -> ExecutionPublic:
    """Queue a run of the orchestration with `input` as the agents' question.

    Needs a running event loop (the in-process runner runs it). A string input is sent to
    the agents as it is; other JSON values are sent as JSON text.

    Raises:
        NotFoundError: no such orchestration, or the caller may not see it.
        PermissionDeniedError: the caller may not run it.
        InvalidWorkflowError: its workflow has problems (it was edited as a workflow).
    """
    load_orchestration(session, principal, orchestration_id, Action.RUN)
    return start_execution(
        session, principal=principal, workflow_id=orchestration_id, trigger="manual", input=input
    )


def _read_runnable_orchestration(
    orchestration_id: int, principal: Principal
) -> tuple[Any, PreparedWorkflow]:
    with session_scope(read_only=True) as session:
        load_orchestration(session, principal, orchestration_id, Action.RUN)
        return runnable(session.get_bind(), session.connection(), orchestration_id, principal)  # type: ignore[arg-type]


async def run_orchestration_async(
    *, principal: Principal, orchestration_id: int, input: Any
) -> ExecutionPublic:
    """`run_orchestration` for async code: the database work runs on the db threads.

    Raises:
        NotFoundError, InvalidWorkflowError: as `run_orchestration`.
    """
    loaded = await run_db(_read_runnable_orchestration, orchestration_id, principal)
    return await start_loaded_execution_async(
        loaded,
        principal=principal,
        workflow_id=orchestration_id,
        trigger="manual",
        input=input,
        options=None,
    )
