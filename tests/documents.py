"""Small builders of workflow documents shared by the API, CLI and crash tests."""

from __future__ import annotations

from itertools import pairwise
from typing import Any


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    """A node of a workflow document, named after its id."""
    return {"id": node_id, "type": node_type, "name": node_id, "config": config}


def edge(source: str, target: str, source_handle: str = "out") -> dict[str, Any]:
    """An edge of a workflow document."""
    return {
        "id": f"{source}-{target}",
        "source": source,
        "source_handle": source_handle,
        "target": target,
    }


def chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    """A document whose nodes are connected one after the other."""
    edges = [edge(a["id"], b["id"]) for a, b in pairwise(nodes)]
    return {"schema": 1, "nodes": list(nodes), "edges": edges}


def greeting() -> dict[str, Any]:
    """trigger -> transform (greets `trigger.name`) -> output."""
    return chain(
        node("start", "manual_trigger"),
        node("greet", "transform", template="Hello {{ trigger.name }}"),
        node("result", "output", value="{{ input }}"),
    )


def slow(seconds: float = 30) -> dict[str, Any]:
    """trigger -> transform -> delay -> output: stays running for `seconds`."""
    return chain(
        node("start", "manual_trigger"),
        node("prepare", "transform", template="prepared"),
        node("wait", "delay", seconds=seconds),
        node("result", "output"),
    )
