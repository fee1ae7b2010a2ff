"""Three-way merge of workflow documents: combine two edits of one base, list the conflicts.

`merge(base, ours, theirs)` starts from `ours` and adds every change `theirs` made that
does not clash with one of ours. Changes to different nodes, edges or fields combine. A
clash is listed as a `Conflict` and resolved to ours: the same field changed differently
(or one side changed a field inside one the other replaced), an element deleted on one
side and modified on the other, the same id added twice with different content, and a
node deleted on one side that the other connected with a new edge. Edges both sides drew
between the same handles are kept once. `merge(a, b, a) == normalize(b)` and
`merge(a, a, c) == normalize(c)`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.engine.diff import by_id, diff, endpoints, normalize
from app.engine.diff_fields import (
    ChangeKind,
    FieldChange,
    FieldPath,
    apply_field_changes,
    overlaps,
    same,
    value_at,
)
from app.engine.diff_model import EdgeChange, NodeChange, WorkflowDiff

Elements = dict[str, dict[str, Any]]
_LISTS = ("nodes", "edges")


class ConflictKind(StrEnum):
    """Why a change of theirs could not be combined with ours."""

    FIELD = "field"
    DELETED_AND_MODIFIED = "deleted_and_modified"
    ADDED_TWICE = "added_twice"
    DELETED_AND_CONNECTED = "deleted_and_connected"


@dataclass(frozen=True)
class Conflict:
    """One clash. `base`, `ours` and `theirs` are the values at `path` inside the element
    (the whole element when `path` is empty); None where it is absent or deleted.
    """

    element: str  # "node", "edge" or "document"
    element_id: str | None
    path: FieldPath
    kind: ConflictKind
    base: Any
    ours: Any
    theirs: Any

    @property
    def what(self) -> str:
        """What clashed, as people read it: `node 'fetch' config.url`."""
        where = ".".join(self.path)
        if self.element_id is None:
            return where
        return f"{self.element} {self.element_id!r}" + (f" {where}" if where else "")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "what": self.what,
            "element": self.element,
            "element_id": self.element_id,
            "path": list(self.path),
            "kind": self.kind.value,
            "base": self.base,
            "ours": self.ours,
            "theirs": self.theirs,
        }


@dataclass(frozen=True)
class MergeResult:
    """The merged document (conflicts resolved to ours) and the conflicts."""

    document: dict[str, Any]
    conflicts: tuple[Conflict, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "document": self.document,
            "conflicts": [conflict.to_json() for conflict in self.conflicts],
        }


@dataclass(frozen=True)
class _Side:
    """One normalised document, its elements by id, and its changes from the base by id."""

    document: dict[str, Any]
    nodes: Elements
    edges: Elements
    changes: WorkflowDiff
    node_changes: dict[str, NodeChange]
    edge_changes: dict[str, EdgeChange]  # keyed by the base edge's id; added edges left out

    @classmethod
    def of(cls, base: dict[str, Any], document: dict[str, Any]) -> _Side:
        changes = WorkflowDiff() if document is base else diff(base, document, normalized=True)
        return cls(
            document,
            by_id(document["nodes"], "node"),
            by_id(document["edges"], "edge"),
            changes,
            {change.id: change for change in changes.nodes},
            {change.before["id"]: change for change in changes.edges if change.before},
        )


def merge(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], *, normalized: bool = False
) -> MergeResult:
    """Combine the changes `ours` and `theirs` each made to `base`.

    Args:
        base: The document both sides started from.
        ours: Our edit; wins every conflict.
        theirs: Their edit.
        normalized: True skips `normalize` for documents that are already normal (stored
            ones are); the merged document may then share unchanged nodes with them.

    Raises:
        pydantic.ValidationError: a document is not a workflow document.
        DuplicateIdError: a document repeats a node or edge id.
    """
    if not normalized:
        base, ours, theirs = normalize(base), normalize(ours), normalize(theirs)
    old = _Side.of(base, base)
    mine = _Side.of(base, ours)
    other = _Side.of(base, theirs)
    conflicts: list[Conflict] = []
    nodes = dict(mine.nodes)
    connected = _newly_connected(old, mine)
    for change in other.changes.nodes:
        conflicts.extend(_merge_node(nodes, change, old, mine, other, connected))
    edges = dict(mine.edges)
    for edge in other.changes.edges:
        conflicts.extend(_merge_edge(edges, nodes, edge, mine, other))
    document = {
        key: copy.deepcopy(value) for key, value in mine.document.items() if key not in _LISTS
    }
    conflicts.extend(
        _merge_fields(
            document,
            (old.document, mine.document, other.document),
            mine.changes.document,
            other.changes.document,
            ("document", None),
        )
    )
    document["nodes"] = _order(nodes, old.nodes, mine.nodes, other.nodes)
    document["edges"] = _order(edges, old.edges, mine.edges, other.edges)
    return MergeResult(document, tuple(conflicts))


def _merge_node(
    nodes: Elements,
    change: NodeChange,
    old: _Side,
    mine: _Side,
    other: _Side,
    connected: set[str],
) -> list[Conflict]:
    node_id = change.id
    ours = mine.node_changes.get(node_id)
    whole = (old.nodes.get(node_id), mine.nodes.get(node_id), other.nodes.get(node_id))
    if change.kind is ChangeKind.ADDED:
        if ours is None:
            nodes[node_id] = copy.deepcopy(other.nodes[node_id])
            return []
        if same(ours.after, change.after):
            return []
        return [Conflict("node", node_id, (), ConflictKind.ADDED_TWICE, *whole)]
    if change.kind is ChangeKind.REMOVED:
        if ours is None and node_id in connected:
            return [Conflict("node", node_id, (), ConflictKind.DELETED_AND_CONNECTED, *whole)]
        if ours is None:
            del nodes[node_id]
            return []
        if ours.kind is ChangeKind.REMOVED:
            return []
        return [Conflict("node", node_id, (), ConflictKind.DELETED_AND_MODIFIED, *whole)]
    if ours is not None and ours.kind is ChangeKind.REMOVED:
        return [Conflict("node", node_id, (), ConflictKind.DELETED_AND_MODIFIED, *whole)]
    nodes[node_id] = target = copy.deepcopy(nodes[node_id])
    ours_fields = ours.fields if ours is not None else ()
    return _merge_fields(target, whole, ours_fields, change.fields, ("node", node_id))


def _newly_connected(old: _Side, mine: _Side) -> set[str]:
    """The nodes ours connects with an edge between handles the base did not connect."""
    before = {endpoints(edge) for edge in old.edges.values()}
    return {
        node_id
        for edge in mine.edges.values()
        if endpoints(edge) not in before
        for node_id in (edge["source"], edge["target"])
    }


def _merge_fields(
    target: dict[str, Any],
    whole: tuple[Any, Any, Any],
    ours: tuple[FieldChange, ...],
    theirs: tuple[FieldChange, ...],
    element: tuple[str, str | None],
) -> list[Conflict]:
    """Apply their field changes that no change of ours overlaps; list the clashes."""
    conflicts: dict[FieldPath, Conflict] = {}
    for change in theirs:
        clashing = [mine for mine in ours if overlaps(mine.path, change.path)]
        if not clashing:
            apply_field_changes(target, (change,))
            continue
        if [mine.path for mine in clashing] == [change.path] and _alike(clashing[0], change):
            continue
        path = min((mine.path for mine in clashing), key=len)
        path = path if len(path) <= len(change.path) else change.path
        values = (value_at(side, path) for side in whole)
        conflicts.setdefault(path, Conflict(*element, path, ConflictKind.FIELD, *values))
    return list(conflicts.values())


def _alike(a: FieldChange, b: FieldChange) -> bool:
    return a.kind == b.kind and same(a.new, b.new)


def _merge_edge(
    edges: Elements, nodes: Elements, change: EdgeChange, mine: _Side, other: _Side
) -> list[Conflict]:
    before, after = change.before, change.after
    if before is None:
        assert after is not None
        if _dangling(after, nodes, other):
            kind = ConflictKind.DELETED_AND_CONNECTED
            return [Conflict("edge", after["id"], (), kind, None, None, after)]
        return _merge_added_edge(edges, after, mine)
    ours = mine.edge_changes.get(before["id"])
    if ours is not None and ours.kind is ChangeKind.REMOVED:
        if change.kind is not ChangeKind.MODIFIED:
            return []
        kind = ConflictKind.DELETED_AND_MODIFIED
        return [Conflict("edge", before["id"], (), kind, before, None, after)]
    ours_id = ours.id if ours is not None else before["id"]
    if after is None:
        if ours is None or ours.kind is ChangeKind.RECREATED:
            del edges[ours_id]
            return []
        kind = ConflictKind.DELETED_AND_MODIFIED
        return [Conflict("edge", ours_id, (), kind, before, edges[ours_id], None)]
    if change.kind is ChangeKind.MODIFIED and _dangling(after, nodes, other):
        kind = ConflictKind.DELETED_AND_CONNECTED
        return [Conflict("edge", ours_id, (), kind, before, edges[ours_id], after)]
    merged = copy.deepcopy(edges[ours_id])
    whole = (before, edges[ours_id], after)
    ours_fields = ours.fields if ours is not None else ()
    conflicts = _merge_fields(merged, whole, ours_fields, change.fields, ("edge", ours_id))
    if ours is None and after["id"] != ours_id:
        merged["id"] = after["id"]
        renamed = {(after["id"] if key == ours_id else key): edge for key, edge in edges.items()}
        edges.clear()
        edges.update(renamed)
    edges[merged["id"]] = merged
    return conflicts


def _merge_added_edge(edges: Elements, edge: dict[str, Any], mine: _Side) -> list[Conflict]:
    if edge["id"] in edges:
        if same(edges[edge["id"]], edge):
            return []
        kind = ConflictKind.ADDED_TWICE
        return [Conflict("edge", edge["id"], (), kind, None, edges[edge["id"]], edge)]
    drawn = {
        endpoints(change.after)
        for change in mine.changes.edges
        if change.kind is ChangeKind.ADDED and change.after is not None
    }
    if endpoints(edge) not in drawn:
        edges[edge["id"]] = copy.deepcopy(edge)
    return []


def _dangling(edge: dict[str, Any], nodes: Elements, other: _Side) -> bool:
    """Whether the edge ends at a node theirs has but the merge dropped (ours deleted it)."""
    ends = (edge["source"], edge["target"])
    return any(node_id in other.nodes and node_id not in nodes for node_id in ends)


def _order(
    merged: Elements, base: Elements, ours: Elements, theirs: Elements
) -> list[dict[str, Any]]:
    """The merged elements in ours' order, or theirs' when ours kept the base's order."""
    preferred, rest = (theirs, ours) if list(ours) == list(base) else (ours, theirs)
    ordered = [merged[element_id] for element_id in preferred if element_id in merged]
    rank = {element_id: index for index, element_id in enumerate(rest)}
    remaining = sorted(
        (element_id for element_id in merged if element_id not in preferred),
        key=lambda element_id: rank.get(element_id, len(rank)),
    )
    return ordered + [merged[element_id] for element_id in remaining]
