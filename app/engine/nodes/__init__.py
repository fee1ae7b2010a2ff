"""Built-in node types and the default registry."""

from __future__ import annotations

from functools import cache

from app.engine.nodes.agent import AGENT
from app.engine.nodes.condition import CONDITION
from app.engine.nodes.delay import DELAY
from app.engine.nodes.http_request import HTTP_REQUEST
from app.engine.nodes.merge import MERGE
from app.engine.nodes.noop import NOOP
from app.engine.nodes.orchestration import ORCHESTRATION
from app.engine.nodes.output import OUTPUT
from app.engine.nodes.set_variables import SET_VARIABLES
from app.engine.nodes.transform import TRANSFORM
from app.engine.nodes.triggers import MANUAL_TRIGGER, SCHEDULE_TRIGGER, WEBHOOK_TRIGGER
from app.engine.registry import NodeRegistry, NodeType

BUILTIN_NODE_TYPES: tuple[NodeType, ...] = (
    MANUAL_TRIGGER,
    WEBHOOK_TRIGGER,
    SCHEDULE_TRIGGER,
    HTTP_REQUEST,
    TRANSFORM,
    CONDITION,
    MERGE,
    DELAY,
    NOOP,
    SET_VARIABLES,
    AGENT,
    ORCHESTRATION,
    OUTPUT,
)


@cache
def default_registry() -> NodeRegistry:
    """The registry of every built-in node type (built once, shared; do not mutate)."""
    registry = NodeRegistry()
    for node_type in BUILTIN_NODE_TYPES:
        registry.register(node_type)
    return registry
