"""Comparing executions of a workflow node by node: A/B runs of two versions on the same
inputs, side by side, and each side summed up over every pair."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session

from app.models.execution import FINISHED_STATUSES, ExecutionStatus
from app.models.version_run import (
    AB_INPUTS_MAX,
    AbComparison,
    ExecutionComparison,
    ExecutionSide,
    NodeComparison,
    NodeSide,
    SideSummary,
)
from app.services import execution_store as store
from app.services.access import Action
from app.services.errors import InvalidInputError, NotFoundError
from app.services.execution_reads import authorized_execution, execution_workflow_id
from app.services.principal import Principal
from app.services.runnable_workflows import workflow_row

_FINISHED = frozenset(status.value for status in FINISHED_STATUSES)

__all__ = ["compare_ab", "compare_executions"]


@dataclass
class _Node:
    """A node's attempts in one execution, summed up as they are read."""

    status: str | None = None
    output: Any = None
    duration_ms: float | None = None
    cost_usd: float | None = None
    attempts: int = 0

    def add(self, run: Any) -> None:
        self.status, self.output = run.status, run.output
        self.attempts += 1
        if run.duration_ms is not None:
            self.duration_ms = (self.duration_ms or 0.0) + run.duration_ms
        if run.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + run.cost_usd


@dataclass
class _Execution:
    row: Any
    nodes: dict[str, _Node] = field(default_factory=dict)

    def node_names(self) -> dict[str, str]:
        return {
            node["id"]: node.get("name") or node["id"]
            for node in self.row.definition.get("nodes", [])
            if isinstance(node, dict) and "id" in node
        }

    def side(self, node_id: str) -> NodeSide:
        node = self.nodes.get(node_id)
        if node is None:
            state = (self.row.node_states or {}).get(node_id) or {}
            return NodeSide(status=state.get("status"))
        return NodeSide(**vars(node))

    def total(self) -> ExecutionSide:
        row = self.row
        duration = None
        if row.started_at is not None and row.finished_at is not None:
            duration = (row.finished_at - row.started_at).total_seconds() * 1000
        return ExecutionSide(
            execution_id=row.id,
            version_number=row.version_number,
            status=row.status,
            output=row.output,
            duration_ms=duration,
            cost_usd=sum(node.cost_usd or 0.0 for node in self.nodes.values()),
        )


def _load(connection: Connection, ids: list[int]) -> dict[int, _Execution]:
    executions, node_runs = store.EXECUTIONS, store.NODE_RUNS
    loaded = {
        row.id: _Execution(row)
        for row in connection.execute(
            select(
                executions.c.id,
                executions.c.workflow_id,
                executions.c.version_number,
                executions.c.status,
                executions.c.output,
                executions.c.started_at,
                executions.c.finished_at,
                executions.c.definition,
                executions.c.node_states,
            ).where(executions.c.id.in_(ids))
        )
    }
    for run in connection.execute(
        select(
            node_runs.c.execution_id,
            node_runs.c.node_id,
            node_runs.c.status,
            node_runs.c.output,
            node_runs.c.duration_ms,
            node_runs.c.cost_usd,
        )
        .where(node_runs.c.execution_id.in_(ids))
        .order_by(node_runs.c.execution_id, node_runs.c.id)
    ):
        loaded[run.execution_id].nodes.setdefault(run.node_id, _Node()).add(run)
    return loaded


def _compare(a: _Execution, b: _Execution) -> ExecutionComparison:
    names_a, names_b = a.node_names(), b.node_names()
    # a's nodes in its document's order, then those only b has; dict keys keep that order.
    names = names_a | {node_id: name for node_id, name in names_b.items() if node_id not in names_a}
    nodes = []
    for node_id, name in names.items():
        side_a = a.side(node_id) if node_id in names_a else None
        side_b = b.side(node_id) if node_id in names_b else None
        differs = (
            side_a is None
            or side_b is None
            or side_a.status != side_b.status
            or side_a.output != side_b.output
        )
        nodes.append(
            NodeComparison(node_id=node_id, node_name=name, a=side_a, b=side_b, differs=differs)
        )
    total_a, total_b = a.total(), b.total()
    return ExecutionComparison(
        a=total_a,
        b=total_b,
        nodes=nodes,
        differing_nodes=sum(node.differs for node in nodes),
        output_differs=total_a.output != total_b.output or total_a.status != total_b.status,
        finished=total_a.status in _FINISHED and total_b.status in _FINISHED,
    )


def _summary(sides: Iterable[ExecutionSide]) -> SideSummary:
    sides = list(sides)
    numbers = {side.version_number for side in sides}
    durations = [side.duration_ms for side in sides if side.duration_ms is not None]
    return SideSummary(
        version_number=numbers.pop() if len(numbers) == 1 else None,
        runs=len(sides),
        succeeded=sum(side.status == ExecutionStatus.SUCCEEDED.value for side in sides),
        avg_duration_ms=sum(durations) / len(durations) if durations else None,
        total_cost_usd=sum(side.cost_usd for side in sides),
    )


def compare_ab(
    session: Session, *, principal: Principal, workflow_id: int, pairs: list[tuple[int, int]]
) -> AbComparison:
    """Each pair of executions (a, b) of the workflow compared node by node, and each side
    summed up over all pairs.

    Raises:
        NotFoundError: no such workflow (or the caller may not see it), or an execution that
            is not one of this workflow's.
        InvalidInputError: no pairs, or more than `AB_INPUTS_MAX`.
    """
    if not 1 <= len(pairs) <= AB_INPUTS_MAX:
        raise InvalidInputError(f"compare 1 to {AB_INPUTS_MAX} pairs of executions")
    connection = session.connection()
    workflow_row(connection, workflow_id, principal, Action.READ)
    ids = [execution_id for pair in pairs for execution_id in pair]
    loaded = _load(connection, ids)
    for execution_id in ids:
        found = loaded.get(execution_id)
        if found is None or found.row.workflow_id != workflow_id:
            raise NotFoundError(f"Execution {execution_id} not found in workflow {workflow_id}")
    compared = [_compare(loaded[a], loaded[b]) for a, b in pairs]
    return AbComparison(
        pairs=compared,
        a=_summary(item.a for item in compared),
        b=_summary(item.b for item in compared),
        outputs_differ=sum(item.output_differs for item in compared),
        finished=all(item.finished for item in compared),
    )


def compare_executions(
    session: Session, *, principal: Principal, a_execution_id: int, b_execution_id: int
) -> ExecutionComparison:
    """Two executions of one workflow compared node by node.

    Raises:
        NotFoundError: an execution does not exist, the caller may not see it, or the two
            are of different workflows.
    """
    authorized_execution(session, principal, a_execution_id, Action.READ)
    workflow_id = execution_workflow_id(session, a_execution_id)
    assert workflow_id is not None
    pairs = [(a_execution_id, b_execution_id)]
    compared = compare_ab(session, principal=principal, workflow_id=workflow_id, pairs=pairs)
    return compared.pairs[0]
