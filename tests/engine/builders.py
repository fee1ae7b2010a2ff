"""Test node types, workflow builders and recording hooks for engine tests.

The node types here are deliberately tiny so executor tests do not depend on the built-in
nodes: a trigger, a pass-through, a sleeper, a failer, routers,
collectors and a variable setter.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.context import NodeContext
from app.engine.events import ExecutionHooks, ExecutionResult, NodeRunRecord, NodeStarted
from app.engine.registry import NodeCategory, NodeOutput, NodeRegistry, NodeType
from app.engine.spec import WorkflowSpec


class Empty(BaseModel):
    """No config."""

    model_config = ConfigDict(extra="forbid")


class PassConfig(BaseModel):
    """`value` replaces the primary input when set."""

    model_config = ConfigDict(extra="forbid")

    value: Any = None


class SleepConfig(BaseModel):
    """How long to sleep."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(default=0.1, ge=0)


class FailConfig(BaseModel):
    """The first `fail_times` attempts fail."""

    model_config = ConfigDict(extra="forbid")

    fail_times: int = Field(default=1_000, ge=0)


class RouteConfig(BaseModel):
    """The handles to take."""

    model_config = ConfigDict(extra="forbid")

    take: list[str] = Field(default_factory=lambda: ["yes"])


class CasesConfig(BaseModel):
    """Number of dynamic output handles."""

    model_config = ConfigDict(extra="forbid")

    cases: int = Field(default=2, ge=1)


class SetVarConfig(BaseModel):
    """One run variable to set."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: Any = None


def _primary(ctx: NodeContext, inputs: dict[str, Any]) -> Any:
    return next(iter(inputs.values())) if inputs else ctx.trigger


async def _trigger(ctx: NodeContext, inputs: dict[str, Any], config: Empty) -> Any:
    return ctx.trigger


async def _pass(ctx: NodeContext, inputs: dict[str, Any], config: PassConfig) -> Any:
    return config.value if config.value is not None else _primary(ctx, inputs)


async def _sleep(ctx: NodeContext, inputs: dict[str, Any], config: SleepConfig) -> Any:
    await asyncio.sleep(config.seconds)
    return _primary(ctx, inputs)


async def _fail(ctx: NodeContext, inputs: dict[str, Any], config: FailConfig) -> Any:
    if ctx.attempt <= config.fail_times:
        raise RuntimeError(f"boom on attempt {ctx.attempt}")
    return f"ok on attempt {ctx.attempt}"


async def _route(ctx: NodeContext, inputs: dict[str, Any], config: RouteConfig) -> NodeOutput:
    return NodeOutput(_primary(ctx, inputs), frozenset(config.take))


async def _collect(ctx: NodeContext, inputs: dict[str, Any], config: Empty) -> Any:
    return dict(inputs)


async def _set_var(ctx: NodeContext, inputs: dict[str, Any], config: SetVarConfig) -> Any:
    ctx.variables[config.name] = config.value
    return {"execution_id": ctx.execution_id, "variables": dict(ctx.variables)}


def _case_handles(config: CasesConfig) -> tuple[str, ...]:
    return tuple(f"case_{i}" for i in range(1, config.cases + 1))


def build_registry() -> NodeRegistry:
    """A registry of the test node types."""
    registry = NodeRegistry()

    def add(type_id: str, model: type[BaseModel], run: Any, **extra: Any) -> None:
        category = extra.pop("category", NodeCategory.ACTION)
        registry.register(NodeType(type_id, type_id, category, type_id, model, run, **extra))

    add("manual_trigger", Empty, _trigger, category=NodeCategory.TRIGGER, inputs=())
    add("other_trigger", Empty, _trigger, category=NodeCategory.TRIGGER, inputs=())
    add("pass", PassConfig, _pass)
    add("sleep", SleepConfig, _sleep)
    add("fail", FailConfig, _fail)
    add("route", RouteConfig, _route, outputs=("yes", "no"))
    add("switch", CasesConfig, _route, outputs=_case_handles)
    add("collect", Empty, _collect)
    add("first", Empty, _collect, wait_for="first")
    add("set_var", SetVarConfig, _set_var)
    add("output", PassConfig, _pass, outputs=())
    return registry


def make_spec(
    nodes: list[tuple[str, str] | tuple[str, str, dict[str, Any]] | dict[str, Any]],
    edges: list[tuple[str, str] | tuple[str, str, str]],
) -> WorkflowSpec:
    """Build a spec from short forms.

    Args:
        nodes: `(id, type)`, `(id, type, config)` or a full node dict.
        edges: `(source, target)` or `(source, target, source_handle)`.
    """
    node_docs = []
    for item in nodes:
        if isinstance(item, dict):
            node_docs.append(item)
        else:
            node_docs.append(
                {"id": item[0], "type": item[1], "config": item[2] if len(item) > 2 else {}}
            )
    edge_docs = [
        {
            "id": f"{e[0]}->{e[1]}" + (f":{e[2]}" if len(e) > 2 else ""),
            "source": e[0],
            "target": e[1],
            "source_handle": e[2] if len(e) > 2 else "out",
        }
        for e in edges
    ]
    return WorkflowSpec.from_document({"schema": 1, "nodes": node_docs, "edges": edge_docs})


class RecordingHooks(ExecutionHooks):
    """Remembers every hook call in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.records: list[NodeRunRecord] = []
        self.results: list[ExecutionResult] = []

    async def before_node(self, event: NodeStarted) -> None:
        """Remember the start."""
        self.calls.append(("before", event.node_id, event.attempt))

    async def after_node(self, record: NodeRunRecord) -> None:
        """Remember the record."""
        self.calls.append(("after", record.node_id, record.attempt, record.status.value))
        self.records.append(record)

    async def on_finish(self, result: ExecutionResult) -> None:
        """Remember the result."""
        self.calls.append(("finish", result.status.value))
        self.results.append(result)

    def records_of(self, node_id: str) -> list[NodeRunRecord]:
        """Records of one node, in order."""
        return [r for r in self.records if r.node_id == node_id]
