"""What the canvas draws: React Flow nodes and edges from a document, node status entries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.engine.nodes import default_registry
from app.engine.validation import Problem
from app.ui.state.editor_document import node_handles
from app.ui.state.editor_models import InlineView, NodeStatus

CATEGORY_COLORS = {
    "trigger": "#f97316",
    "action": "#3b82f6",
    "logic": "#8b5cf6",
    "ai": "#ec4899",
}
CATEGORY_TITLES = (("trigger", "Triggers"), ("action", "Actions"), ("logic", "Logic"), ("ai", "AI"))
PREVIEW_CHARS = 90
INLINE_CHARS = 360
INLINE_LINES = 7
TABLE_ROWS = 4
TABLE_COLUMNS = 4
CELL_CHARS = 40
SUMMARY_KEYS = 4


@dataclass
class PaletteItem:
    """One node type in the palette."""

    type: str
    label: str
    description: str
    icon: str
    color: str
    available: bool = True
    not_yet_available: str = ""  # why it cannot be used yet, as a sentence


@dataclass
class PaletteGroup:
    """A palette section (Triggers, Actions, Logic, AI)."""

    title: str
    node_types: list[PaletteItem] = field(default_factory=list)


@dataclass
class ProblemView:
    """One row of the problems list."""

    message: str
    node_id: str
    node_name: str
    code: str


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def palette_groups(search: str) -> list[PaletteGroup]:
    """Node types grouped by category, filtered by a search over label, type and description."""
    needle = search.strip().lower()
    groups = []
    for category, title in CATEGORY_TITLES:
        items = [
            PaletteItem(
                d["type"],
                d["label"],
                d["description"],
                d["icon"],
                CATEGORY_COLORS[category],
                available=d["available"],
                not_yet_available=_sentence(d["not_yet_available"] or ""),
            )
            for d in default_registry().describe()
            if d["category"] == category
            and (not needle or needle in f"{d['label']} {d['type']} {d['description']}".lower())
        ]
        if items:
            groups.append(PaletteGroup(title, items))
    return groups


def _has_side_effect(node: dict[str, Any]) -> bool:
    node_type = default_registry().get(str(node.get("type", "")))
    if node_type is None:
        return False
    try:
        config = node_type.parse_config(node.get("config") or {})
    except ValidationError:
        config = None
    return node_type.has_side_effect(config)


def canvas_nodes(
    document: dict[str, Any], problems: list[Problem], selected: list[str]
) -> list[dict[str, Any]]:
    """React Flow nodes (type "fb") with what the card shows in `data`."""
    by_node: dict[str, list[str]] = {}
    for problem in problems:
        if problem.node_id:
            by_node.setdefault(problem.node_id, []).append(problem.message)
    registry = default_registry()
    result = []
    for node in document.get("nodes", []):
        node_id = str(node.get("id"))
        node_type = registry.get(str(node.get("type", "")))
        category = node_type.category.value if node_type else "action"
        inputs, outputs = node_handles(node)
        messages = by_node.get(node_id, [])
        position = node.get("position") or {}
        result.append(
            {
                "id": node_id,
                "type": "fb",
                "position": {"x": position.get("x", 0), "y": position.get("y", 0)},
                "selected": node_id in selected,
                "data": {
                    "label": node.get("name") or node_id,
                    "typeLabel": node_type.label if node_type else str(node.get("type")),
                    "icon": node_type.icon if node_type else "box",
                    "color": CATEGORY_COLORS[category],
                    "inputs": inputs,
                    "outputs": outputs,
                    "problem": "\n".join(messages),
                    "problemShort": (
                        f"{len(messages)} problems" if len(messages) > 1 else "problem"
                    ),
                    "disabled": bool(node.get("disabled")),
                    "pinned": node.get("pinned_output") is not None,
                    "sideEffect": _has_side_effect(node),
                },
            }
        )
    return result


def canvas_edges(document: dict[str, Any], problems: list[Problem]) -> list[dict[str, Any]]:
    """React Flow edges; edges with a problem get the `fb-edge-problem` class."""
    bad = {p.edge_id for p in problems if p.edge_id}
    return [
        {
            "id": str(edge.get("id")),
            "source": str(edge.get("source")),
            "sourceHandle": str(edge.get("source_handle", "out")),
            "target": str(edge.get("target")),
            "targetHandle": str(edge.get("target_handle", "in")),
            "className": "fb-edge-problem" if edge.get("id") in bad else "",
        }
        for edge in document.get("edges", [])
    ]


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _clip_lines(text: str) -> str:
    lines = text.splitlines()
    clipped = "\n".join(lines[:INLINE_LINES])
    if len(clipped) > INLINE_CHARS:
        clipped = clipped[:INLINE_CHARS] + "…"
    elif len(lines) > INLINE_LINES:
        clipped += "\n…"
    return clipped


def inline_output(value: Any) -> tuple[str, dict[str, Any] | None]:
    """A one-line preview of an output and the small inline view under the card (or None).

    Lists of records become a compact table, other objects indented JSON, long text text.
    """
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        columns: list[str] = []
        for record in value[:TABLE_ROWS]:
            columns.extend(k for k in record if k not in columns)
        columns = columns[:TABLE_COLUMNS]
        rows = [[_cell(record.get(c, "")) for c in columns] for record in value[:TABLE_ROWS]]
        inline = {"kind": "table", "columns": columns, "rows": rows, "more": len(value) - len(rows)}
        return f"{len(value)} records", inline
    if isinstance(value, dict | list):
        pretty = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        inline = {"kind": "json", "text": _clip_lines(pretty)}
        if isinstance(value, list):
            return f"{len(value)} item{'' if len(value) == 1 else 's'}", inline
        keys = ", ".join(str(k) for k in list(value)[:SUMMARY_KEYS])
        more = ", …" if len(value) > SUMMARY_KEYS else ""
        return f"{{{keys}{more}}}"[:PREVIEW_CHARS], inline
    if isinstance(value, str):
        first = value.strip().splitlines()[0] if value.strip() else '""'
        long_text = len(value) > PREVIEW_CHARS or "\n" in value.strip()
        inline = {"kind": "text", "text": _clip_lines(value)} if long_text else None
        return first[:PREVIEW_CHARS], inline
    return json.dumps(value, default=str), None


def status_entry(
    status: str, output: Any, error: str | None, *, stale: bool, has_output: bool
) -> NodeStatus:
    """What one node card shows about its latest run."""
    entry = NodeStatus(status=status, stale=stale)
    if error:
        entry.error = error.splitlines()[0][:PREVIEW_CHARS]
    elif has_output:
        entry.preview, inline = inline_output(output)
        entry.inline = InlineView(**inline) if inline else None
    return entry


def problem_views(document: dict[str, Any], problems: list[Problem]) -> list[ProblemView]:
    """The problems list, each with the name of the node it is about."""
    names = {str(n.get("id")): str(n.get("name") or n.get("id")) for n in document["nodes"]}
    return [
        ProblemView(p.message, p.node_id or "", names.get(p.node_id or "", ""), p.code)
        for p in problems
    ]
