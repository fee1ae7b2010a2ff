"""What the A/B table shows: per node each side's status, output, duration and cost, and
the totals. Pure functions: the A/B state calls them and tests check them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.models.version_run import ExecutionComparison, NodeSide, VersionRef
from app.ui.state.display import format_ms

# Outputs longer than this show cut, with the whole text behind "expand".
OUTPUT_CHARS = 80


@dataclass
class AbCell:
    """One side of one row: `full` is set only when `output` was cut."""

    status: str = "—"
    output: str = ""
    full: str = ""
    duration: str = "—"
    cost: str = "—"


@dataclass
class AbRow:
    """One node on both sides; `differs` when the statuses or outputs are not equal."""

    name: str
    a: AbCell
    b: AbCell
    differs: bool = False


def version_ref(label: str) -> VersionRef:
    """A picked side: `v3` names version 3, anything else a tag.

    Raises:
        ValueError: an empty label or a version number out of range.
    """
    label = label.strip()
    if len(label) > 1 and label[0] == "v" and label[1:].isdigit():
        return VersionRef(version=int(label[1:]))
    return VersionRef(tag=label)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _cost(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"


def cell(status: str | None, output: Any, duration_ms: float | None, cost: float | None) -> AbCell:
    """One side of a row (or of the totals)."""
    text = _text(output)
    cut = len(text) > OUTPUT_CHARS
    return AbCell(
        status=status or "—",
        output=text[: OUTPUT_CHARS - 1] + "…" if cut else text,
        full=text if cut else "",
        duration=format_ms(duration_ms),
        cost=_cost(cost),
    )


def _side(side: NodeSide | None) -> AbCell:
    if side is None:
        return AbCell(status="not in this version")
    return cell(side.status, side.output, side.duration_ms, side.cost_usd)


def ab_rows(compared: ExecutionComparison) -> tuple[list[AbRow], AbRow]:
    """The table's rows, node by node, and its totals row (the executions' own figures)."""
    rows = [
        AbRow(name=node.node_name, a=_side(node.a), b=_side(node.b), differs=node.differs)
        for node in compared.nodes
    ]
    a, b = compared.a, compared.b
    totals = AbRow(
        name="Total",
        a=cell(a.status, a.output, a.duration_ms, a.cost_usd),
        b=cell(b.status, b.output, b.duration_ms, b.cost_usd),
        differs=compared.output_differs,
    )
    return rows, totals
