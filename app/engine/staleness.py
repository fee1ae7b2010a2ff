"""Which nodes an edit makes stale: the edited nodes and everything downstream of them.

Used on every canvas edit, so it only compares node fields and walks the graph once (no
hashing, no validation). A node's own definition is what decides its output or how it runs:
type, config, pinned output, disabled, timeout, retries, backoff, on_error, and its incoming
edges (source, handles, order). Its name, position and breakpoint do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.engine.graph import WorkflowGraph
from app.engine.spec import NodeSpec, WorkflowSpec


def stale_nodes(old_spec: WorkflowSpec, new_spec: WorkflowSpec) -> set[str]:
    """Nodes of `new_spec` whose results `old_spec`'s run no longer stands for.

    Args:
        old_spec: the workflow as it was when its outputs were produced.
        new_spec: the workflow now.

    Returns:
        Ids of new nodes, of nodes whose own definition changed, and of every node
        downstream of those in `new_spec`. Deleted nodes are not in it (their former
        downstream nodes are, since their incoming edges changed).
    """
    old_graph = WorkflowGraph.from_spec(old_spec)
    new_graph = WorkflowGraph.from_spec(new_spec)
    edited = []
    for node_id, node in new_graph.nodes.items():
        old = old_graph.nodes.get(node_id)
        if (
            old is None
            or _definition(old) != _definition(node)
            or _incoming(old_graph, node_id) != _incoming(new_graph, node_id)
        ):
            edited.append(node_id)
    return new_graph.reachable_from(edited)


def stale_after_edit(spec: WorkflowSpec, edited_node_ids: Iterable[str]) -> set[str]:
    """The edited nodes that exist in `spec` and everything downstream of them."""
    graph = WorkflowGraph.from_spec(spec)
    return graph.reachable_from(n for n in edited_node_ids if n in graph.nodes)


def _definition(node: NodeSpec) -> tuple[Any, ...]:
    return (
        node.type,
        node.config,
        node.pinned_output,
        node.disabled,
        node.timeout_s,
        node.retries,
        node.retry_backoff_s,
        node.on_error,
    )


def _incoming(graph: WorkflowGraph, node_id: str) -> list[tuple[str, str, str]]:
    return [(e.source, e.source_handle, e.target_handle) for e in graph.incoming_edges(node_id)]
