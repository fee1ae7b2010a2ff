"""What a workflow diff holds: node, edge, order and document-field changes, and its counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine.diff_fields import ChangeKind, FieldChange


@dataclass(frozen=True)
class NodeChange:
    """A node added, removed or modified.

    `before` is the whole node when it was removed, `after` the whole node when it was
    added; a modified node lists its `fields` instead (config keys by path, and `name`,
    `type`, `disabled`, `pinned_output`, `position`, ... as whole values).
    """

    id: str
    kind: ChangeKind
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[FieldChange, ...] = ()

    def inverted(self) -> NodeChange:
        """The change that undoes this one."""
        return NodeChange(
            self.id,
            self.kind.inverse,
            before=self.after,
            after=self.before,
            fields=tuple(change.inverted() for change in self.fields),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "before": self.before,
            "after": self.after,
            "fields": [change.to_json() for change in self.fields],
        }


@dataclass(frozen=True)
class EdgeChange:
    """An edge added, removed, modified (an endpoint moved) or recreated (new id only).

    `before` and `after` are the whole edges (None when added or removed); `fields` lists
    what differs apart from the id.
    """

    kind: ChangeKind
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[FieldChange, ...] = ()

    @property
    def id(self) -> str:
        """The edge's id in the newer document, or in the older one when it was removed."""
        edge = self.after if self.after is not None else self.before
        assert edge is not None
        return str(edge["id"])

    @property
    def sort_key(self) -> tuple[str, ...]:
        """The same for a change and its inverse, so diffs list edges in one order."""
        return tuple(sorted({str(e["id"]) for e in (self.before, self.after) if e is not None}))

    def inverted(self) -> EdgeChange:
        """The change that undoes this one."""
        return EdgeChange(
            self.kind.inverse,
            before=self.after,
            after=self.before,
            fields=tuple(change.inverted() for change in self.fields),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "before": self.before,
            "after": self.after,
            "fields": [change.to_json() for change in self.fields],
        }


@dataclass(frozen=True)
class OrderChange:
    """The ids of the nodes (or edges) in document order, before and after."""

    old: tuple[str, ...]
    new: tuple[str, ...]

    def inverted(self) -> OrderChange:
        """The change that undoes this one."""
        return OrderChange(self.new, self.old)


@dataclass(frozen=True)
class DiffCounts:
    """How many nodes and edges changed in each way, and which document sections changed.

    Recreated edges and a new order of nodes or edges change nothing people see and are
    not counted.
    """

    nodes_modified: int = 0
    nodes_added: int = 0
    nodes_removed: int = 0
    edges_modified: int = 0
    edges_added: int = 0
    edges_removed: int = 0
    sections: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Nodes, edges and document sections that changed."""
        nodes = self.nodes_modified + self.nodes_added + self.nodes_removed
        return (
            nodes + self.edges_modified + self.edges_added + self.edges_removed + len(self.sections)
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "nodes": {
                "modified": self.nodes_modified,
                "added": self.nodes_added,
                "removed": self.nodes_removed,
            },
            "edges": {
                "modified": self.edges_modified,
                "added": self.edges_added,
                "removed": self.edges_removed,
            },
            "sections": list(self.sections),
        }


@dataclass(frozen=True)
class WorkflowDiff:
    """Everything that differs between two workflow documents.

    `document` holds changes to top-level fields other than nodes and edges (`settings`
    by key, `schema`); their paths start with the top-level key. `node_order` and
    `edge_order` are set whenever the list of ids differs, so `apply` rebuilds the exact
    order of the newer document.
    """

    nodes: tuple[NodeChange, ...] = ()
    edges: tuple[EdgeChange, ...] = ()
    document: tuple[FieldChange, ...] = ()
    node_order: OrderChange | None = None
    edge_order: OrderChange | None = None

    @property
    def is_empty(self) -> bool:
        """True when the two documents are identical."""
        return not (self.nodes or self.edges or self.document or self.node_order or self.edge_order)

    @property
    def counts(self) -> DiffCounts:
        """The counts behind `summary`."""

        def count(changes: tuple[NodeChange, ...] | tuple[EdgeChange, ...], kind: str) -> int:
            return sum(1 for change in changes if change.kind == kind)

        sections = dict.fromkeys(change.path[0] for change in self.document)
        return DiffCounts(
            nodes_modified=count(self.nodes, ChangeKind.MODIFIED),
            nodes_added=count(self.nodes, ChangeKind.ADDED),
            nodes_removed=count(self.nodes, ChangeKind.REMOVED),
            edges_modified=count(self.edges, ChangeKind.MODIFIED),
            edges_added=count(self.edges, ChangeKind.ADDED),
            edges_removed=count(self.edges, ChangeKind.REMOVED),
            sections=tuple(sections),
        )

    def inverted(self) -> WorkflowDiff:
        """The diff that takes the newer document back to the older one."""
        return WorkflowDiff(
            nodes=tuple(change.inverted() for change in self.nodes),
            edges=tuple(change.inverted() for change in self.edges),
            document=tuple(change.inverted() for change in self.document),
            node_order=self.node_order.inverted() if self.node_order else None,
            edge_order=self.edge_order.inverted() if self.edge_order else None,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, with the counts and the summary sentence."""
        return {
            "summary": summary(self),
            "counts": self.counts.to_json(),
            "nodes": [change.to_json() for change in self.nodes],
            "edges": [change.to_json() for change in self.edges],
            "document": [change.to_json() for change in self.document],
            "node_order": _order_json(self.node_order),
            "edge_order": _order_json(self.edge_order),
        }


def _order_json(order: OrderChange | None) -> dict[str, list[str]] | None:
    return None if order is None else {"old": list(order.old), "new": list(order.new)}


def summary(changes: WorkflowDiff) -> str:
    """One sentence: "3 nodes changed, 1 added, 2 edges removed", or "No changes".

    The noun goes with the first count of its group; "settings changed" names each
    document section that changed.
    """
    counts = changes.counts
    parts = [
        *_group("node", counts.nodes_modified, counts.nodes_added, counts.nodes_removed),
        *_group("edge", counts.edges_modified, counts.edges_added, counts.edges_removed),
        *(f"{section} changed" for section in counts.sections),
    ]
    if not parts:
        return "No changes"
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:]


def _group(noun: str, modified: int, added: int, removed: int) -> list[str]:
    parts: list[str] = []
    for number, verb in ((modified, "changed"), (added, "added"), (removed, "removed")):
        if not number:
            continue
        if parts:
            parts.append(f"{number} {verb}")
        else:
            parts.append(f"{number} {noun}{'' if number == 1 else 's'} {verb}")
    return parts
