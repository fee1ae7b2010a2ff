"""What the history panel shows: version rows, the changed-field list and the canvas diff.

Pure functions (no state, no database): the versions state calls them and tests check them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.models.version import FieldRow, VersionPublic
from app.models.version_run import VersionStats
from app.ui.state.editor_views import canvas_edges, canvas_nodes

# Old and new values longer than this are cut in the field list (long text has line rows).
VALUE_CHARS = 160
# A card's footprint on the canvas, with a gap (assets/flow_canvas.jsx draws 240 wide).
CARD_W, CARD_H = 260, 110


@dataclass
class VersionRow:
    """One version in the history list."""

    number: int
    kind: str
    message: str
    author: str
    created: str
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    # How its runs went ("" before any): "4 runs · 75% succeeded · avg 1.2 s · p95 2.0 s".
    stats: str = ""


@dataclass
class LineView:
    """One row of a long text's line diff: `kind` is equal, added, removed or changed."""

    kind: str
    old: str = ""
    new: str = ""


@dataclass
class FieldView:
    """One changed value in the side-by-side list."""

    element: str
    name: str
    path: str
    change: str
    old: str = ""
    new: str = ""
    lines: list[LineView] = field(default_factory=list)


def stats_line(stats: VersionStats | None) -> str:
    """A version's runs in a line: count, success rate, durations, cost ("" without runs)."""
    if stats is None or not stats.runs:
        return ""
    parts = [f"{stats.runs} run{'s' if stats.runs != 1 else ''}"]
    if stats.success_rate is not None:
        parts.append(f"{stats.success_rate:.0%} succeeded")
    if stats.avg_duration_ms is not None:
        parts.append(f"avg {stats.avg_duration_ms / 1000:.2f} s")
    if stats.p95_duration_ms is not None:
        parts.append(f"p95 {stats.p95_duration_ms / 1000:.2f} s")
    if stats.avg_cost_usd:
        parts.append(f"avg ${stats.avg_cost_usd:.4f}")
    return " · ".join(parts)


def version_row(version: VersionPublic, stats: VersionStats | None = None) -> VersionRow:
    """A history list row of a version (with how its runs went, when it has any)."""
    return VersionRow(
        number=version.number,
        kind=str(version.kind.value if hasattr(version.kind, "value") else version.kind),
        message=version.message,
        author=version.author_name or version.author_email or "system",
        created=version.created_at.strftime("%Y-%m-%d %H:%M"),
        tags=list(version.tags),
        summary=version.summary,
        stats=stats_line(stats),
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def field_view(row: FieldRow) -> FieldView:
    """A row of the changed-field list: whole elements added or removed say so."""
    name = row.element_name or row.element_id or ("settings" if row.element == "document" else "")
    return FieldView(
        element=row.element,
        name=name,
        path=row.path or f"({row.element} {row.change})",
        change=row.kind if row.path else row.change,
        old=_shown(row.old) if row.path else "",
        new=_shown(row.new) if row.path else "",
        lines=[
            LineView(kind=line.kind, old=line.old_text or "", new=line.new_text or "")
            for line in row.lines or []
        ],
    )


def _field_paths(change: dict[str, Any]) -> list[str]:
    return [".".join(str(part) for part in item["path"]) for item in change.get("fields", [])]


def _clear_of(ghosts: list[dict[str, Any]], cards: list[dict[str, Any]]) -> None:
    """Move each removed ghost down until it covers no card of the newer document (a new
    node is often placed where a removed one was)."""
    taken = [card["position"] for card in cards]
    for ghost in ghosts:
        spot = ghost["position"]
        while any(
            abs(spot["x"] - other["x"]) < CARD_W and abs(spot["y"] - other["y"]) < CARD_H
            for other in taken
        ):
            spot["y"] += CARD_H
        taken.append(spot)


def diff_canvas(
    old: dict[str, Any], new: dict[str, Any], changes: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The canvas of document `new` with each node's diff status against `old`.

    Nodes carry `data.diff` (added, removed, modified, unchanged) and, when modified,
    `data.diffTip` naming the changed fields; nodes only in `old` come back as removed
    ghosts. Edges added or removed get the `fb-edge-added` / `fb-edge-removed` class.
    """
    status: dict[str, str] = {}
    tips: dict[str, str] = {}
    for change in changes.get("nodes", []):
        status[str(change["id"])] = change["kind"]
        if change["kind"] == "modified":
            tips[str(change["id"])] = "Changed: " + ", ".join(_field_paths(change))
    new_ids = {str(node.get("id")) for node in new.get("nodes", [])}
    removed = [n for n in old.get("nodes", []) if str(n.get("id")) not in new_ids]
    ghosts = canvas_nodes({"nodes": removed}, [], [])
    _clear_of(ghosts, canvas_nodes(new, [], []))
    nodes = canvas_nodes(new, [], []) + ghosts
    for item in nodes:
        kind = status.get(item["id"], "unchanged")
        item["data"] = {**item["data"], "diff": kind, "diffTip": tips.get(item["id"], "")}
    edge_kind = {str(change["id"]): change["kind"] for change in changes.get("edges", [])}
    new_edge_ids = {str(edge.get("id")) for edge in new.get("edges", [])}
    removed_edges = [e for e in old.get("edges", []) if str(e.get("id")) not in new_edge_ids]
    edges = canvas_edges(new, []) + canvas_edges({"edges": removed_edges}, [])
    for edge in edges:
        kind = edge_kind.get(edge["id"], "")
        if edge["id"] not in new_edge_ids:
            kind = "removed"
        edge["className"] = f"fb-edge-{kind}" if kind in ("added", "removed") else ""
    return nodes, edges
