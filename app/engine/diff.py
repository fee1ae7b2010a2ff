"""Semantic diff of workflow documents: `diff`, `apply`, `invert` and `summary`.

Both documents are first normalised by a `WorkflowSpec` round trip (`normalize`), so a
field left out and the same field at its default are equal; `apply` returns a normalised
document, and `apply(a, diff(a, b)) == normalize(b)`. Documents saved by the services are
already normal. Values are compared as JSON (`true`, `1` and `1.0` differ).

Nodes are matched by id. Edges are matched by id, then the rest by their endpoints
(source, source handle, target, target handle): an edge drawn again with a new id is
`recreated`, which `summary` does not count. The document holds no name, description or
viewport (those live on the workflow row or in the browser), so besides nodes and edges
only `schema` and `settings` are compared.
"""

from __future__ import annotations

import copy
from collections import defaultdict, deque
from typing import Any

from app.engine.diff_fields import (
    ChangeKind,
    FieldChange,
    PatchError,
    apply_field_changes,
    field_changes,
    same,
)
from app.engine.diff_model import EdgeChange, NodeChange, OrderChange, WorkflowDiff, summary
from app.engine.spec import WorkflowSpec

__all__ = ["DuplicateIdError", "PatchError", "apply", "diff", "invert", "normalize", "summary"]

_ELEMENT_LISTS = ("nodes", "edges")


class DuplicateIdError(ValueError):
    """Two nodes (or two edges) of one document share an id, so they cannot be matched."""


def normalize(document: dict[str, Any]) -> dict[str, Any]:
    """The document as `WorkflowSpec` writes it: defaults filled in, coordinates as floats.

    Raises:
        pydantic.ValidationError: the document is not a workflow document.
    """
    return WorkflowSpec.from_document(document).to_document()


def by_id(elements: list[dict[str, Any]], what: str) -> dict[str, dict[str, Any]]:
    """The elements keyed by id, in document order.

    Raises:
        DuplicateIdError: two elements share an id.
    """
    keyed = {element["id"]: element for element in elements}
    if len(keyed) != len(elements):
        raise DuplicateIdError(f"two {what}s share an id; fix the document before comparing")
    return keyed


def endpoints(edge: dict[str, Any]) -> tuple[str, str, str, str]:
    """What an edge connects: (source, source handle, target, target handle)."""
    return edge["source"], edge["source_handle"], edge["target"], edge["target_handle"]


def diff(a: dict[str, Any], b: dict[str, Any], *, normalized: bool = False) -> WorkflowDiff:
    """What changed from document `a` to document `b`.

    Args:
        a: The older document.
        b: The newer document.
        normalized: True skips `normalize` for documents that are already normal (stored
            ones are); the diff may then share values with them.

    Raises:
        pydantic.ValidationError: a document is not a workflow document.
        DuplicateIdError: a document repeats a node or edge id.
    """
    if not normalized:
        a, b = normalize(a), normalize(b)
    a_nodes, b_nodes = by_id(a["nodes"], "node"), by_id(b["nodes"], "node")
    a_edges, b_edges = by_id(a["edges"], "edge"), by_id(b["edges"], "edge")
    return WorkflowDiff(
        nodes=_node_changes(a_nodes, b_nodes),
        edges=_edge_changes(a_edges, b_edges),
        document=_document_changes(a, b),
        node_order=_order(a_nodes, b_nodes),
        edge_order=_order(a_edges, b_edges),
    )


def invert(changes: WorkflowDiff) -> WorkflowDiff:
    """The diff that undoes `changes`: `invert(diff(a, b)) == diff(b, a)`."""
    return changes.inverted()


def _node_changes(
    a_nodes: dict[str, dict[str, Any]], b_nodes: dict[str, dict[str, Any]]
) -> tuple[NodeChange, ...]:
    changes = []
    for node_id in sorted(a_nodes.keys() | b_nodes.keys()):
        old, new = a_nodes.get(node_id), b_nodes.get(node_id)
        if new is None:
            changes.append(NodeChange(node_id, ChangeKind.REMOVED, before=old))
        elif old is None:
            changes.append(NodeChange(node_id, ChangeKind.ADDED, after=new))
        elif not same(old, new):
            changes.append(
                NodeChange(node_id, ChangeKind.MODIFIED, fields=_element_fields(old, new))
            )
    return tuple(changes)


def _element_fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Field changes of a node or edge: config by path, everything else but the id whole."""
    changes = []
    for key in old.keys() | new.keys():
        if key == "id":
            continue
        old_value, new_value = old.get(key), new.get(key)
        if key == "config" and isinstance(old_value, dict) and isinstance(new_value, dict):
            changes.extend(field_changes(old_value, new_value, ("config",)))
        elif key not in new:
            changes.append(FieldChange((key,), ChangeKind.REMOVED, old=old_value))
        elif key not in old:
            changes.append(FieldChange((key,), ChangeKind.ADDED, new=new_value))
        elif not same(old_value, new_value):
            changes.append(FieldChange((key,), ChangeKind.MODIFIED, old=old_value, new=new_value))
    return tuple(sorted(changes, key=lambda change: change.path))


def _edge_changes(
    a_edges: dict[str, dict[str, Any]], b_edges: dict[str, dict[str, Any]]
) -> tuple[EdgeChange, ...]:
    pairs = [(edge, b_edges[edge_id]) for edge_id, edge in a_edges.items() if edge_id in b_edges]
    unmatched: defaultdict[tuple[str, ...], deque[dict[str, Any]]] = defaultdict(deque)
    for edge_id, edge in b_edges.items():
        if edge_id not in a_edges:
            unmatched[endpoints(edge)].append(edge)
    changes = []
    for edge_id, edge in a_edges.items():
        if edge_id in b_edges:
            continue
        candidates = unmatched.get(endpoints(edge))
        if candidates:
            pairs.append((edge, candidates.popleft()))
        else:
            changes.append(EdgeChange(ChangeKind.REMOVED, before=edge))
    changes.extend(
        EdgeChange(ChangeKind.ADDED, after=edge) for queue in unmatched.values() for edge in queue
    )
    for old, new in pairs:
        if fields := _element_fields(old, new):
            changes.append(EdgeChange(ChangeKind.MODIFIED, before=old, after=new, fields=fields))
        elif old["id"] != new["id"]:
            changes.append(EdgeChange(ChangeKind.RECREATED, before=old, after=new))
    return tuple(sorted(changes, key=lambda change: change.sort_key))


def _document_changes(a: dict[str, Any], b: dict[str, Any]) -> tuple[FieldChange, ...]:
    old = {key: value for key, value in a.items() if key not in _ELEMENT_LISTS}
    new = {key: value for key, value in b.items() if key not in _ELEMENT_LISTS}
    return tuple(sorted(field_changes(old, new, ()), key=lambda change: change.path))


def _order(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> OrderChange | None:
    old, new = tuple(a), tuple(b)
    return None if old == new else OrderChange(old, new)


def apply(document: dict[str, Any], changes: WorkflowDiff) -> dict[str, Any]:
    """Document `document` with `changes` applied; `apply(a, diff(a, b)) == normalize(b)`.

    Raises:
        pydantic.ValidationError: the document is not a workflow document.
        DuplicateIdError: the document repeats a node or edge id.
        PatchError: the diff was not made from this document (an element or value it
            changes is missing or different).
    """
    result = normalize(document)
    nodes = by_id(result["nodes"], "node")
    for node in changes.nodes:
        _apply_node(nodes, node)
    edges = by_id(result["edges"], "edge")
    for edge in changes.edges:
        _apply_edge(edges, edge)
    apply_field_changes(result, changes.document)
    result["nodes"] = reorder(nodes, changes.node_order)
    result["edges"] = reorder(edges, changes.edge_order)
    return result


def _apply_node(nodes: dict[str, dict[str, Any]], change: NodeChange) -> None:
    if change.after is not None:
        if change.id in nodes:
            raise PatchError(f"node {change.id!r} already exists")
        nodes[change.id] = copy.deepcopy(change.after)
        return
    if change.id not in nodes:
        raise PatchError(f"node {change.id!r} does not exist")
    if change.kind is ChangeKind.REMOVED:
        if not same(nodes[change.id], change.before):
            raise PatchError(f"node {change.id!r} is not the node the diff removes")
        del nodes[change.id]
    else:
        apply_field_changes(nodes[change.id], change.fields)


def _apply_edge(edges: dict[str, dict[str, Any]], change: EdgeChange) -> None:
    before, after = change.before, change.after
    if before is not None:
        if not same(edges.get(before["id"]), before):
            raise PatchError(f"edge {before['id']!r} is not the edge the diff changes")
        if after is not None and after["id"] == before["id"]:
            edges[after["id"]] = copy.deepcopy(after)  # in place: the order stays
            return
        del edges[before["id"]]
    if after is not None:
        if after["id"] in edges:
            raise PatchError(f"edge {after['id']!r} already exists")
        edges[after["id"]] = copy.deepcopy(after)


def reorder(elements: dict[str, dict[str, Any]], order: OrderChange | None) -> list[dict[str, Any]]:
    """The elements as a list, in the new order when there is one.

    Raises:
        PatchError: the order names other ids than the elements have.
    """
    if order is None:
        return list(elements.values())
    if set(order.new) != elements.keys():
        raise PatchError("the diff's order names other ids than the document has")
    return [elements[element_id] for element_id in order.new]
