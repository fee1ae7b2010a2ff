"""The node registry: every node type is registered once with its schema, handles and runner."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from app.engine.context import NodeContext


class NodeCategory(StrEnum):
    """Palette groups."""

    TRIGGER = "trigger"
    ACTION = "action"
    LOGIC = "logic"
    AI = "ai"


@dataclass(frozen=True)
class NodeOutput:
    """What a node run returns when it needs more than a plain value.

    Attributes:
        value: the node's output, passed to every taken output handle.
        taken_handles: the output handles that carry the value on; `None` means all of them.
            Edges from handles not taken are dead, and nodes reached only by dead edges
            end `skipped` (this is how conditions and switches route).
    """

    value: Any
    taken_handles: frozenset[str] | None = None


NodeRunner = Callable[["NodeContext", dict[str, Any], Any], Awaitable[Any]]


@dataclass(frozen=True)
class NodeType:
    """A registered node type.

    Attributes:
        type: the id used in documents (`http_request`).
        label: the name shown in the palette.
        category: palette group.
        description: one line for the palette and docs.
        config_model: pydantic model of the config; drives the inspector form and validation.
        run: `async run(ctx, inputs, config)`: `inputs` maps each live upstream node id to its
            output, `config` is the validated `config_model` instance (expressions already
            rendered). Returns a plain value or a `NodeOutput`.
        inputs: input handle names; empty for triggers.
        outputs: output handle names, or a function of the config for dynamic outputs.
        side_effect: whether a run sends, writes or spends money; a bool or a function of
            the config (an HTTP GET has none, a POST has).
        icon: lucide icon name for the canvas.
        wait_for: "all" (default) runs when every upstream has settled; "first" runs as soon
            as one live input arrives (merge in first mode).
        not_yet_available: why the node type cannot be used yet, e.g. "schedules do not
            fire yet" (the palette and validation show it), or None when it works.
        check_written: checks of the config as written, before expressions are rendered
            (e.g. an empty condition): returns {field: message} for each problem. Run by
            validation only, so a value that renders empty at run time is not refused.
    """

    type: str
    label: str
    category: NodeCategory
    description: str
    config_model: builtins.type[BaseModel]
    run: NodeRunner
    inputs: tuple[str, ...] = ("in",)
    outputs: tuple[str, ...] | Callable[[Any], tuple[str, ...]] = ("out",)
    side_effect: bool | Callable[[Any], bool] = False
    icon: str = "box"
    wait_for: str | Callable[[Any], str] = "all"
    check_written: Callable[[dict[str, Any]], dict[str, str]] | None = None
    not_yet_available: str | None = None

    @property
    def is_trigger(self) -> bool:
        """Triggers start a run and have no inputs."""
        return self.category is NodeCategory.TRIGGER

    def parse_config(self, config: dict[str, Any]) -> BaseModel:
        """Validate a raw config; raises `pydantic.ValidationError`."""
        return self.config_model.model_validate(config)

    def output_handles(self, config: BaseModel | None) -> tuple[str, ...]:
        """The output handles for this config (dynamic for switch nodes)."""
        if callable(self.outputs):
            return tuple(self.outputs(config)) if config is not None else ()
        return self.outputs

    def has_side_effect(self, config: BaseModel | None) -> bool:
        """Whether running with this config has effects outside the run."""
        if callable(self.side_effect):
            return bool(self.side_effect(config)) if config is not None else True
        return self.side_effect

    def waits_for(self, config: BaseModel | None) -> str:
        """'all' or 'first'."""
        if callable(self.wait_for):
            return self.wait_for(config) if config is not None else "all"
        return self.wait_for


@dataclass
class NodeRegistry:
    """A set of node types keyed by type id."""

    types: dict[str, NodeType] = field(default_factory=dict)

    def register(self, node_type: NodeType) -> NodeType:
        """Add a node type; raises ValueError on a duplicate id."""
        if node_type.type in self.types:
            raise ValueError(f"node type {node_type.type!r} is already registered")
        self.types[node_type.type] = node_type
        return node_type

    def get(self, type_id: str) -> NodeType | None:
        """The node type, or None when unknown."""
        return self.types.get(type_id)

    def __contains__(self, type_id: object) -> bool:
        return type_id in self.types

    def __iter__(self) -> Iterator[NodeType]:
        return iter(self.types.values())

    def describe(self) -> list[dict[str, Any]]:
        """JSON-ready catalogue of node types (for the palette and the API)."""
        return [
            {
                "type": t.type,
                "label": t.label,
                "category": t.category.value,
                "description": t.description,
                "icon": t.icon,
                "available": t.not_yet_available is None,
                "not_yet_available": t.not_yet_available,
                "inputs": list(t.inputs),
                "outputs": list(t.outputs) if not callable(t.outputs) else None,
                "config_schema": t.config_model.model_json_schema(),
            }
            for t in self.types.values()
        ]
