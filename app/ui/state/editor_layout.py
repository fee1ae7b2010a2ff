"""Auto-layout: a left-to-right layered layout from the workflow graph's longest paths."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

LAYER_GAP_X = 300.0
ROW_GAP_Y = 220.0


def _layers(document: dict[str, Any]) -> dict[str, int]:
    node_ids = [str(n.get("id")) for n in document.get("nodes", [])]
    known = set(node_ids)
    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in document.get("edges", []):
        source, target = edge.get("source"), edge.get("target")
        if source in known and target in known:
            incoming[target].append(source)
            outgoing[source].append(target)
    remaining = {n: len(incoming[n]) for n in node_ids}
    ready = [n for n in node_ids if remaining[n] == 0]
    layer = dict.fromkeys(node_ids, 0)
    while ready:
        current = ready.pop(0)
        for target in outgoing[current]:
            layer[target] = max(layer[target], layer[current] + 1)
            remaining[target] -= 1
            if remaining[target] == 0:
                ready.append(target)
    return layer  # nodes on a cycle keep layer 0 (validation reports the cycle)


def auto_layout(document: dict[str, Any]) -> dict[str, Any]:
    """Place nodes in columns by their depth from the triggers, ordered to limit crossings.

    Each column is sorted by the mean row of a node's upstream nodes (the barycenter
    heuristic), and columns are centred vertically on one another.
    """
    layer = _layers(document)
    upstream: dict[str, list[str]] = defaultdict(list)
    for edge in document.get("edges", []):
        upstream[str(edge.get("target"))].append(str(edge.get("source")))
    columns: dict[int, list[str]] = defaultdict(list)
    for node in document.get("nodes", []):
        columns[layer[str(node.get("id"))]].append(str(node.get("id")))
    row: dict[str, float] = {}
    tallest = max((len(c) for c in columns.values()), default=0)
    for depth in sorted(columns):
        members = columns[depth]
        members.sort(
            key=lambda n: (
                sum(row[u] for u in upstream[n] if u in row)
                / max(1, sum(1 for u in upstream[n] if u in row))
            )
        )
        offset = (tallest - len(members)) / 2
        for index, node_id in enumerate(members):
            row[node_id] = index + offset
    new = copy.deepcopy(document)
    for node in new.get("nodes", []):
        node_id = str(node.get("id"))
        node["position"] = {"x": layer[node_id] * LAYER_GAP_X, "y": round(row[node_id] * ROW_GAP_Y)}
    return new
