"""Running one node: config rendering, timeout, retries with backoff, and its run records."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError

from app.engine.context import NodeContext, RunServices
from app.engine.events import ExecutionHooks, NodeRunRecord, NodeStarted, NodeStatus
from app.engine.expression_runner import render_config_value
from app.engine.expressions import ExpressionError, ExpressionLimitError
from app.engine.node_cache import RecordingVariables
from app.engine.output_limits import OutputRefused, checked_output
from app.engine.registry import NodeOutput, NodeType
from app.engine.scope import expression_scope, upstream_values
from app.engine.spec import NodeSpec


@dataclass
class RunShared:
    """What every node of one run shares."""

    services: RunServices
    hooks: ExecutionHooks
    execution_id: int | None
    trigger: Any
    default_timeout_s: float
    node_names: dict[str, str]
    outputs: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeOutcome:
    """How a node ended (cancellation is not an outcome: it propagates)."""

    status: NodeStatus
    output: Any = None
    taken_handles: frozenset[str] | None = None
    error: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


class ConfigFailed(Exception):
    """The config could not be rendered or parsed; retrying cannot help."""


def make_record(
    node: NodeSpec,
    *,
    attempt: int,
    status: NodeStatus,
    inputs: dict[str, Any],
    started_at: Any,
    started: float,
    services: RunServices,
    output: Any = None,
    error: str | None = None,
    pinned: bool = False,
    taken_handles: frozenset[str] | None = None,
    cached: bool = False,
    cache_key: str | None = None,
) -> NodeRunRecord:
    """A run record ending now."""
    return NodeRunRecord(
        node_id=node.id,
        node_type=node.type,
        node_name=node.label,
        attempt=attempt,
        status=status,
        inputs=inputs,
        output=output,
        error=error,
        started_at=started_at,
        finished_at=services.clock(),
        duration_ms=(time.perf_counter() - started) * 1000,
        pinned=pinned,
        taken_handles=taken_handles,
        cached=cached,
        cache_key=cache_key,
    )


async def run_node(
    shared: RunShared,
    node: NodeSpec,
    node_type: NodeType,
    inputs: dict[str, Any],
    *,
    config: BaseModel | None,
    template: dict[str, Any] | None,
    cache_key: str | None = None,
    config_error: str | None = None,
) -> NodeOutcome:
    """Run a node's attempts until one succeeds or the retries are used up.

    Args:
        shared: the run's shared state.
        node: the node.
        node_type: its registered type.
        inputs: live upstream outputs keyed by node id.
        config: the parsed config when it has no expressions.
        template: the raw config to render and parse when it has expressions.
        cache_key: the run's cache key, put on its records; when set, the variables the
            succeeding attempt writes are captured in the outcome (for the cache).
        config_error: why rendering `template` already failed (the attempt fails with it
            rather than spending the expression budget again).

    Returns:
        The outcome of the last attempt. Each attempt is reported to `before_node` and
        `after_node`; a cancelled attempt is reported and the cancellation re-raised.
    """
    services, hooks = shared.services, shared.hooks
    timeout = node.timeout_s or shared.default_timeout_s
    attempts = node.retries + 1
    error = ""
    for attempt in range(1, attempts + 1):
        started_at, started = services.clock(), time.perf_counter()
        await hooks.before_node(NodeStarted(node.id, node.type, attempt, inputs, started_at))
        ctx = NodeContext(
            node=node,
            execution_id=shared.execution_id,
            trigger=shared.trigger,
            outputs=shared.outputs,
            variables=shared.variables,
            services=services,
            attempt=attempt,
        )
        record = partial(
            make_record,
            node,
            attempt=attempt,
            inputs=inputs,
            started_at=started_at,
            started=started,
            services=services,
            cache_key=cache_key,
        )
        retryable = True
        deadline = asyncio.timeout(timeout)
        try:
            if config_error is not None:
                raise ConfigFailed(config_error)
            parsed = (
                config
                if template is None
                else await render_config(ctx, node_type, inputs, template, shared.node_names)
            )
            if cache_key is not None:
                ctx.variables = RecordingVariables(shared.variables)
            async with deadline:
                result = await node_type.run(ctx, inputs, parsed)
            output = checked_output(result.value if isinstance(result, NodeOutput) else result)
        except asyncio.CancelledError:
            await hooks.after_node(record(status=NodeStatus.CANCELLED, error="cancelled"))
            raise
        except (ConfigFailed, OutputRefused) as exc:
            error, retryable = str(exc), False
        except TimeoutError as exc:
            error = f"timed out after {timeout:g}s" if deadline.expired() else _message(exc)
        except Exception as exc:
            error = _message(exc)
        else:
            taken = result.taken_handles if isinstance(result, NodeOutput) else None
            await hooks.after_node(
                record(status=NodeStatus.SUCCEEDED, output=output, taken_handles=taken)
            )
            written = ctx.variables.written if isinstance(ctx.variables, RecordingVariables) else {}
            return NodeOutcome(NodeStatus.SUCCEEDED, output, taken, variables=written)
        await hooks.after_node(record(status=NodeStatus.FAILED, error=error))
        if not retryable:
            break
        if attempt < attempts:
            await services.sleep(node.retry_backoff_s * 2 ** (attempt - 1))
    return NodeOutcome(NodeStatus.FAILED, error=error)


async def render_config(
    ctx: NodeContext,
    node_type: NodeType,
    inputs: dict[str, Any],
    template: dict[str, Any],
    node_names: dict[str, str],
) -> BaseModel:
    """Render a config's expressions (one budget for all of them, off the loop) and parse it.

    Raises:
        ConfigFailed: an expression failed, or the rendered config is invalid; the message
            names the node.
    """
    scope = expression_scope(ctx, inputs, node_names=node_names)
    where = f"expression in node {ctx.node.label!r}"
    try:
        rendered = await render_config_value(
            template,
            scope,
            limits=ctx.services.expression_limits,
            upstream=partial(upstream_values, scope),
        )
        return node_type.parse_config(rendered)
    except ExpressionLimitError as exc:
        raise ConfigFailed(f"{where} {exc}") from exc
    except ExpressionError as exc:
        raise ConfigFailed(f"{where} failed: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigFailed(f"invalid config after rendering expressions: {problems}") from exc


def _message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
