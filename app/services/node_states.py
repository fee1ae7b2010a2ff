"""Every node's latest state on the canvas: status, output, and whether it is stale.

A node's latest state comes from the newest finished execution of the workflow that covered
it (`executions.node_states`); runs of part of a workflow ("this node", "up to here") leave
the other nodes' older states standing, and outputs a run was merely given (seeds) do not
count as a state. A node is stale when it, or anything upstream of it, changed since the run
its state comes from, never ran, or last ended failed, cancelled or stale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlmodel import Session

from app.engine.spec import WorkflowSpec
from app.engine.staleness import stale_after_edit, stale_nodes
from app.models.execution import FINISHED_STATUSES
from app.models.node_cache import NodeState
from app.services import execution_store as store
from app.services.access import Action
from app.services.node_cache_store import cached_outputs
from app.services.principal import Principal
from app.services.runnable_workflows import workflow_row

# Statuses whose output stands for the node (given the definition it ran with).
DONE_STATUSES = frozenset({"succeeded", "cached"})
# A node that last ended otherwise (failed, cancelled, stale) needs a run.
_SETTLED = DONE_STATUSES | {"skipped"}
_PAGE = 20
_MAX_SCANNED = 500


@dataclass(frozen=True)
class _Latest:
    """Where each node's latest state is: execution id -> definition, node id -> state."""

    definitions: dict[int, dict[str, Any]]
    states: dict[str, tuple[int, dict[str, Any]]]


def current_spec(session: Session, *, principal: Principal, workflow_id: int) -> WorkflowSpec:
    """The workflow's saved definition, parsed (it may still have graph problems).

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
    """
    row = workflow_row(session.connection(), workflow_id, principal, Action.READ)
    return WorkflowSpec.from_document(row.definition)


def _is_state(state: dict[str, Any]) -> bool:
    # A reused output without a key was given to the run ("this node" seeds): not a state.
    return not (state.get("cached") and not state.get("cache_key"))


def _latest(connection: Connection, workflow_id: int, node_ids: set[str]) -> _Latest:
    table = store.EXECUTIONS
    query = (
        select(table.c.id, table.c.node_states)
        .where(
            table.c.workflow_id == workflow_id,
            table.c.node_states.is_not(None),
            table.c.status.in_([s.value for s in FINISHED_STATUSES]),
        )
        .order_by(table.c.id.desc())
        .limit(_PAGE)
    )
    states: dict[str, tuple[int, dict[str, Any]]] = {}
    missing = set(node_ids)
    offset = 0
    while missing and offset < _MAX_SCANNED:
        rows = connection.execute(query.offset(offset)).all()
        for row in rows:
            for node_id, state in row.node_states.items():
                if node_id in missing and _is_state(state):
                    states[node_id] = (row.id, state)
                    missing.discard(node_id)
        if len(rows) < _PAGE:
            break
        offset += _PAGE
    used = sorted({execution_id for execution_id, _ in states.values()})
    definitions = {
        row.id: row.definition
        for row in connection.execute(
            select(table.c.id, table.c.definition).where(table.c.id.in_(used))
        )
    }
    return _Latest(definitions, states)


def _stale(spec: WorkflowSpec, latest: _Latest) -> set[str]:
    by_execution: dict[int, set[str]] = defaultdict(set)
    changed: set[str] = set()
    for node in spec.nodes:
        found = latest.states.get(node.id)
        if found is None or found[1]["status"] not in _SETTLED:
            changed.add(node.id)
        else:
            by_execution[found[0]].add(node.id)
    for execution_id, nodes in by_execution.items():
        try:
            old = WorkflowSpec.from_document(latest.definitions[execution_id])
        except ValidationError:
            changed |= nodes
            continue
        changed |= nodes & stale_nodes(old, spec)
    return stale_after_edit(spec, changed)


def stale_node_ids(session: Session, *, principal: Principal, workflow_id: int) -> set[str]:
    """Nodes whose latest output no longer stands for the workflow as it is saved now.

    That is every node that changed (or whose inputs' wiring changed) since the run its
    latest state comes from, every node that never ran or last ended failed, cancelled or
    stale, and everything downstream of those.

    Raises:
        NotFoundError: no such workflow, or it is deleted.
    """
    spec = current_spec(session, principal=principal, workflow_id=workflow_id)
    return stale_ids_of(session, spec, workflow_id=workflow_id)


def stale_ids_of(session: Session, spec: WorkflowSpec, *, workflow_id: int) -> set[str]:
    """`stale_node_ids` for a spec the caller already parsed (the workflow as saved)."""
    latest = _latest(session.connection(), workflow_id, {n.id for n in spec.nodes})
    return _stale(spec, latest)


def workflow_node_states(
    session: Session, *, principal: Principal, workflow_id: int
) -> dict[str, NodeState]:
    """The latest state of every node of the workflow, for the canvas.

    Nodes that never ran are `pending` and stale. Outputs come from the node's last attempt
    in that run, from the cache entry it reused, or from the pin it ran with.

    Raises:
        NotFoundError: no such workflow, or it is deleted.
    """
    spec = current_spec(session, principal=principal, workflow_id=workflow_id)
    return node_states_of(session, spec, workflow_id=workflow_id)


def node_states_of(
    session: Session, spec: WorkflowSpec, *, workflow_id: int
) -> dict[str, NodeState]:
    """`workflow_node_states` for a spec the caller already parsed (the workflow as saved)."""
    connection = session.connection()
    latest = _latest(connection, workflow_id, {n.id for n in spec.nodes})
    stale = _stale(spec, latest)
    attempts = _attempts(connection, latest)
    keys = {s["cache_key"] for _, s in latest.states.values() if s.get("cached")}
    from_cache = cached_outputs(connection, {k for k in keys if k})
    result: dict[str, NodeState] = {}
    for node in spec.nodes:
        found = latest.states.get(node.id)
        if found is None:
            result[node.id] = NodeState(status="pending", stale=True)
            continue
        execution_id, state = found
        rows = attempts.get((execution_id, node.id), [])
        last = rows[-1] if rows else None
        state_output = last.output if last is not None else None
        if state.get("cached"):
            state_output = from_cache.get(state.get("cache_key") or "")
        elif state.get("pinned"):
            state_output = _pinned(latest.definitions[execution_id], node.id)
        result[node.id] = NodeState(
            status=state["status"],
            output=state_output,
            error=last.error if last is not None else None,
            duration_ms=last.duration_ms if last is not None else None,
            attempts=max((r.attempt for r in rows if r.status != "skipped"), default=0),
            cached=bool(state.get("cached")),
            pinned=bool(state.get("pinned")),
            stale=node.id in stale,
            execution_id=execution_id,
        )
    return result


def get_node_outputs(session: Session, *, principal: Principal, workflow_id: int) -> dict[str, Any]:
    """The latest output of every node whose latest state succeeded (or reused an output).

    Raises:
        NotFoundError: no such workflow, or it is deleted.
    """
    states = workflow_node_states(session, principal=principal, workflow_id=workflow_id)
    return {n: s.output for n, s in states.items() if s.status in DONE_STATUSES}


def _attempts(connection: Connection, latest: _Latest) -> dict[tuple[int, str], list[Any]]:
    if not latest.states:
        return {}
    runs = store.NODE_RUNS
    wanted = {(execution_id, node_id) for node_id, (execution_id, _) in latest.states.items()}
    rows = connection.execute(
        select(
            runs.c.execution_id,
            runs.c.node_id,
            runs.c.status,
            runs.c.attempt,
            runs.c.output,
            runs.c.error,
            runs.c.duration_ms,
        )
        .where(runs.c.execution_id.in_(sorted(latest.definitions)))
        .order_by(runs.c.id)
    )
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in rows:
        if (row.execution_id, row.node_id) in wanted:
            found[(row.execution_id, row.node_id)].append(row)
    return found


def _pinned(definition: dict[str, Any], node_id: str) -> Any:
    node = next((n for n in definition.get("nodes", []) if n.get("id") == node_id), None)
    return None if node is None else node.get("pinned_output")
