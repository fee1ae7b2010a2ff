"""Edits of a workflow document on the canvas, as pure functions (document in, document out).

Documents are plain JSON dicts (`{"schema": 1, "nodes": [...], "edges": [...]}`); every
function returns a new document and leaves its argument untouched.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from app.engine.nodes import default_registry
from app.engine.spec import OnError
from app.engine.validation import ERROR_HANDLE

PASTE_OFFSET = 40.0
NEAR_OFFSET_X = 300.0
NODE_FIELDS = ("name", "disabled", "timeout_s", "retries", "retry_backoff_s", "on_error")


class EditRefused(ValueError):
    """An edit that would break the workflow (a cycle, an unknown handle, ...)."""


def empty_document() -> dict[str, Any]:
    """A workflow with no nodes."""
    return {"schema": 1, "nodes": [], "edges": []}


def node_by_id(document: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    """The node dict with this id, or None."""
    return next((n for n in document.get("nodes", []) if n.get("id") == node_id), None)


def node_handles(node: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A node's input and output handles, from its type and config (switch cases, on_error)."""
    node_type = default_registry().get(str(node.get("type", "")))
    if node_type is None:
        return ["in"], ["out"]
    try:
        config = node_type.parse_config(node.get("config") or {})
    except ValidationError:
        config = None
    if config is not None:
        outputs = list(node_type.output_handles(config))
    elif callable(node_type.outputs):
        outputs = ["out"]  # dynamic handles need a valid config; show one until it is fixed
    else:
        outputs = list(node_type.outputs)
    if node.get("on_error") == OnError.ERROR_OUTPUT.value:
        outputs.append(ERROR_HANDLE)
    return list(node_type.inputs), outputs


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "node"


def _unique_id(document: dict[str, Any], base: str) -> str:
    taken = {n.get("id") for n in document.get("nodes", [])}
    index = 1
    while f"{base}_{index}" in taken:
        index += 1
    return f"{base}_{index}"


def _unique_name(document: dict[str, Any], base: str) -> str:
    taken = {n.get("name") for n in document.get("nodes", [])}
    if base not in taken:
        return base
    stem = re.sub(r" \d+$", "", base)
    index = 2
    while f"{stem} {index}" in taken:
        index += 1
    return f"{stem} {index}"


def _edge_id(document: dict[str, Any]) -> str:
    taken = {e.get("id") for e in document.get("edges", [])}
    index = len(taken) + 1
    while f"e{index}" in taken:
        index += 1
    return f"e{index}"


def add_node(document: dict[str, Any], type_id: str, x: float, y: float) -> tuple[dict, str]:
    """Add a node of a registered type at (x, y), with the type's default name.

    Raises:
        EditRefused: the type is unknown.
    """
    node_type = default_registry().get(type_id)
    if node_type is None:
        raise EditRefused(f"Unknown node type {type_id!r}")
    new = copy.deepcopy(document)
    node_id = _unique_id(new, _slug(type_id.removesuffix("_trigger")))
    new.setdefault("nodes", []).append(
        {
            "id": node_id,
            "type": type_id,
            "name": _unique_name(new, node_type.label),
            "position": {"x": round(x), "y": round(y)},
            "config": {},
        }
    )
    return new, node_id


def add_node_near(
    document: dict[str, Any], type_id: str, anchor_id: str | None
) -> tuple[dict[str, Any], str]:
    """Add a node to the right of the anchor (connected to it when both allow it)."""
    anchor = node_by_id(document, anchor_id) if anchor_id else None
    if anchor is None:
        nodes = document.get("nodes", [])
        right = max((n.get("position", {}).get("x", 0) for n in nodes), default=-NEAR_OFFSET_X)
        return add_node(document, type_id, right + NEAR_OFFSET_X, 200)
    position = anchor.get("position", {})
    new, node_id = add_node(
        document, type_id, position.get("x", 0) + NEAR_OFFSET_X, position.get("y", 0)
    )
    _, outputs = node_handles(anchor)
    inputs, _ = node_handles(node_by_id(new, node_id) or {})
    if outputs and inputs:
        new = connect(new, anchor["id"], outputs[0], node_id, inputs[0])
    return new, node_id


def add_node_linked(
    document: dict[str, Any],
    type_id: str,
    x: float,
    y: float,
    *,
    source: tuple[str, str] | None = None,
    target: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Add a node at (x, y), fed by a (node, output handle) or feeding a (node, input handle).

    Raises:
        EditRefused: the type is unknown, has no input (output) for the link, or the link is
            refused by `connect`.
    """
    new, node_id = add_node(document, type_id, x, y)
    node = node_by_id(new, node_id) or {}
    inputs, outputs = node_handles(node)
    if source is not None:
        if not inputs:
            raise EditRefused(f"{node.get('name')} takes no input, so nothing can feed it")
        new = connect(new, source[0], source[1], node_id, inputs[0])
    if target is not None:
        if not outputs:
            raise EditRefused(f"{node.get('name')} has no output to connect")
        new = connect(new, node_id, outputs[0], target[0], target[1])
    return new, node_id


def _reaches(document: dict[str, Any], start: str, goal: str) -> bool:
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(e["target"] for e in document.get("edges", []) if e.get("source") == current)
    return False


def connect(
    document: dict[str, Any], source: str, source_handle: str, target: str, target_handle: str
) -> dict[str, Any]:
    """Add an edge after checking its handles exist and it closes no cycle.

    Raises:
        EditRefused: self loop, unknown node or handle, duplicate edge or a cycle.
    """
    source_node, target_node = node_by_id(document, source), node_by_id(document, target)
    if source_node is None or target_node is None:
        raise EditRefused("Both ends of a connection must be nodes of this workflow")
    if source == target:
        raise EditRefused("A node cannot feed itself")
    if source_handle not in node_handles(source_node)[1]:
        raise EditRefused(f"{source_node.get('name') or source} has no output {source_handle!r}")
    if target_handle not in node_handles(target_node)[0]:
        raise EditRefused(f"{target_node.get('name') or target} takes no input here")
    for edge in document.get("edges", []):
        if (edge.get("source"), edge.get("source_handle", "out"), edge.get("target")) == (
            source,
            source_handle,
            target,
        ):
            raise EditRefused("These nodes are already connected")
    if _reaches(document, target, source):
        source_name = source_node.get("name") or source
        target_name = target_node.get("name") or target
        raise EditRefused(
            f"Not connected: {target_name} already leads to {source_name}, so this connection "
            "would create a cycle (a workflow runs one way, from its trigger onwards)"
        )
    new = copy.deepcopy(document)
    new.setdefault("edges", []).append(
        {
            "id": _edge_id(new),
            "source": source,
            "source_handle": source_handle,
            "target": target,
            "target_handle": target_handle,
        }
    )
    return new


def remove_items(
    document: dict[str, Any], node_ids: Iterable[str], edge_ids: Iterable[str]
) -> dict[str, Any]:
    """Remove nodes (with their edges) and edges."""
    nodes, edges = set(node_ids), set(edge_ids)
    new = copy.deepcopy(document)
    new["nodes"] = [n for n in new.get("nodes", []) if n.get("id") not in nodes]
    new["edges"] = [
        e
        for e in new.get("edges", [])
        if e.get("id") not in edges
        and e.get("source") not in nodes
        and e.get("target") not in nodes
    ]
    return new


def move_nodes(document: dict[str, Any], moves: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Set the positions of moved nodes (`{"id", "x", "y"}` each)."""
    positions = {str(m["id"]): {"x": float(m["x"]), "y": float(m["y"])} for m in moves}
    new = copy.deepcopy(document)
    for node in new.get("nodes", []):
        if node.get("id") in positions:
            node["position"] = positions[node["id"]]
    return new


def copy_items(document: dict[str, Any], node_ids: Iterable[str]) -> dict[str, Any]:
    """The chosen nodes and the edges between them, as a clipboard document."""
    chosen = set(node_ids)
    return {
        "nodes": [copy.deepcopy(n) for n in document.get("nodes", []) if n.get("id") in chosen],
        "edges": [
            copy.deepcopy(e)
            for e in document.get("edges", [])
            if e.get("source") in chosen and e.get("target") in chosen
        ],
    }


def paste_items(
    document: dict[str, Any], clipboard: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Add copies of the clipboard's nodes (new ids and names, shifted) and their edges."""
    new = copy.deepcopy(document)
    renamed: dict[str, str] = {}
    for node in clipboard.get("nodes", []):
        clone = copy.deepcopy(node)
        clone["id"] = _unique_id(new, _slug(str(node.get("type", "node")).removesuffix("_trigger")))
        clone["name"] = _unique_name(new, str(node.get("name") or node.get("id")))
        position = node.get("position") or {}
        clone["position"] = {
            "x": float(position.get("x", 0)) + PASTE_OFFSET,
            "y": float(position.get("y", 0)) + PASTE_OFFSET,
        }
        renamed[str(node.get("id"))] = clone["id"]
        new.setdefault("nodes", []).append(clone)
    for edge in clipboard.get("edges", []):
        clone = copy.deepcopy(edge)
        clone["id"] = _edge_id(new)
        clone["source"], clone["target"] = renamed[edge["source"]], renamed[edge["target"]]
        new.setdefault("edges", []).append(clone)
    return new, list(renamed.values())


def update_node(document: dict[str, Any], node_id: str, **fields: Any) -> dict[str, Any]:
    """Set node-level fields (name, disabled, timeout_s, retries, on_error, pinned_output)."""
    new = copy.deepcopy(document)
    node = node_by_id(new, node_id)
    if node is not None:
        for key, value in fields.items():
            if value is None and key != "pinned_output":
                node.pop(key, None)
            else:
                node[key] = value
    return new


def set_config_value(
    document: dict[str, Any], node_id: str, field: str, value: Any, *, remove: bool = False
) -> dict[str, Any]:
    """Set (or remove, falling back to the default) one config field of a node."""
    new = copy.deepcopy(document)
    node = node_by_id(new, node_id)
    if node is not None:
        config = dict(node.get("config") or {})
        if remove:
            config.pop(field, None)
        else:
            config[field] = value
        node["config"] = config
    return new
