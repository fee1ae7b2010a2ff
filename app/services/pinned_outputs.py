"""Pinned outputs: a node whose output is frozen, so runs use it instead of running the node."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models.workflow import WorkflowPublic, WorkflowUpdate
from app.services.access import Action
from app.services.errors import InvalidInputError, NotFoundError
from app.services.principal import Principal
from app.services.workflows import authorized_workflow, update_workflow


def pin_node_output(
    session: Session, *, principal: Principal, workflow_id: int, node_id: str, output: Any
) -> WorkflowPublic:
    """Freeze a node's output: runs use `output` as it is instead of running the node.

    Raises:
        NotFoundError: no such workflow or node.
        InvalidInputError: `output` is None (which would mean "not pinned").
    """
    if output is None:
        raise InvalidInputError("a pinned output cannot be null; unpin the node instead")
    return _set_pinned(session, principal, workflow_id, node_id, output)


def unpin_node_output(
    session: Session, *, principal: Principal, workflow_id: int, node_id: str
) -> WorkflowPublic:
    """Let a pinned node run again (a no-op edit when it is not pinned).

    Raises:
        NotFoundError: no such workflow or node.
    """
    return _set_pinned(session, principal, workflow_id, node_id, None)


def _set_pinned(
    session: Session, principal: Principal, workflow_id: int, node_id: str, output: Any
) -> WorkflowPublic:
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    definition = dict(workflow.definition)
    nodes = [dict(n) for n in definition.get("nodes", [])]
    node = next((n for n in nodes if n.get("id") == node_id), None)
    if node is None:
        raise NotFoundError(f"Node {node_id!r} not found in workflow {workflow_id}")
    node["pinned_output"] = output
    definition["nodes"] = nodes
    return update_workflow(
        session,
        principal=principal,
        workflow_id=workflow_id,
        data=WorkflowUpdate(definition=definition),
    )
