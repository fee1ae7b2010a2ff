"""Auto-layout: a left-to-right layered layout from the longest paths, wrapped into bands."""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from typing import Any

LAYER_GAP_X = 300.0
ROW_GAP_Y = 220.0
BAND_GAP_Y = 100.0  # room between bands for the edges running back to a band's start
MIN_LAYERS_PER_BAND = 8
TARGET_ASPECT = 1.6  # width / height of the whole layout, about a landscape screen


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


def _layers_per_band(columns: dict[int, list[str]]) -> int:
    """How many layers one band holds so the whole layout is about TARGET_ASPECT wide."""
    depth = len(columns)
    tallest = max((len(c) for c in columns.values()), default=1)
    band_height = tallest * ROW_GAP_Y + BAND_GAP_Y
    ideal = math.sqrt(depth * band_height * TARGET_ASPECT / LAYER_GAP_X)
    return max(MIN_LAYERS_PER_BAND, math.ceil(ideal))


def auto_layout(document: dict[str, Any]) -> dict[str, Any]:
    """Place nodes in columns by their depth from the triggers, ordered to limit crossings.

    Each column is sorted by the mean row of a node's upstream nodes (the barycenter
    heuristic), and columns are centred vertically on one another. A long graph wraps into
    bands read like lines of text, each band left to right below the previous one: the
    handles sit on the cards' left and right sides, so a band running right to left
    (a snake) would draw every edge backwards across its cards.
    """
    layer = _layers(document)
    upstream: dict[str, list[str]] = defaultdict(list)
    for edge in document.get("edges", []):
        upstream[str(edge.get("target"))].append(str(edge.get("source")))
    columns: dict[int, list[str]] = defaultdict(list)
    for node in document.get("nodes", []):
        columns[layer[str(node.get("id"))]].append(str(node.get("id")))
    per_band = _layers_per_band(columns)
    band_tallest: dict[int, int] = defaultdict(int)
    for depth, members in columns.items():
        band = depth // per_band
        band_tallest[band] = max(band_tallest[band], len(members))
    band_top: dict[int, float] = {}
    top = 0.0
    for band in sorted(band_tallest):
        band_top[band] = top
        top += band_tallest[band] * ROW_GAP_Y + BAND_GAP_Y
    row: dict[str, float] = {}
    for depth in sorted(columns):
        members = columns[depth]
        members.sort(
            key=lambda n: (
                sum(row[u] for u in upstream[n] if u in row)
                / max(1, sum(1 for u in upstream[n] if u in row))
            )
        )
        offset = (band_tallest[depth // per_band] - len(members)) / 2
        for index, node_id in enumerate(members):
            row[node_id] = index + offset
    new = copy.deepcopy(document)
    for node in new.get("nodes", []):
        depth = layer[str(node.get("id"))]
        band = depth // per_band
        node["position"] = {
            "x": (depth - band * per_band) * LAYER_GAP_X,
            "y": round(band_top[band] + row[str(node.get("id"))] * ROW_GAP_Y),
        }
    return new
