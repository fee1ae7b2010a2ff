"""Rendering a node's expressions without blocking the event loop, and stopping them.

`render_config_value` renders every template of one node config under one budget:

1. Inline first. Most templates (`{{ input.x + 1 }}`) take microseconds, so they render on
   the calling thread, watched (see `app.engine.expression_budget`) with a slice of
   `INLINE_SLICE_S`: the event loop is never held longer than that slice plus one size-checked
   step.
2. A render still going when its slice is used up is stopped and started over on a worker
   thread, with the rest of the node's time limit; the event loop awaits it. Rendering is
   pure (the sandbox is immutable), so starting over changes nothing but the time spent.
3. Cancelling the awaiting task sets the budget's stop flag, which the worker's watch checks
   on every call, and the cancellation waits (up to `STOP_WAIT_S`) for the worker to let go.

A worker that somehow outlives its deadline (a single long C-level step the size checks
missed) is given up on `STOP_WAIT_S` after the deadline: the node fails with the time limit
error and the flag stops the worker at its next step.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.engine.expression_budget import (
    ExpressionLimits,
    IterationLimitExceeded,
    RenderBudget,
    RenderCancelled,
    SizeLimitExceeded,
    SliceUsedUp,
    TimeLimitExceeded,
    run_watched,
)
from app.engine.expressions import (
    DEFAULT_LIMITS,
    ExpressionError,
    ExpressionLimitError,
    limit_error,
    render_in_budget,
)

INLINE_SLICE_S = 0.005
STOP_WAIT_S = 1.0
# Rendering is CPU-bound and holds the GIL: more threads would not render faster, and each
# one busy makes the event loop wait longer for the GIL.
WORKER_THREADS = 2

_LIMITS_REACHED = (TimeLimitExceeded, SizeLimitExceeded, IterationLimitExceeded)
_workers: ThreadPoolExecutor | None = None
_workers_lock = threading.Lock()


async def render_config_value(
    value: Any,
    scope: dict[str, Any],
    *,
    limits: ExpressionLimits = DEFAULT_LIMITS,
    upstream: Callable[[], Iterable[Any]] | None = None,
) -> Any:
    """Render every template inside `value` with one budget, off the loop when slow.

    Args:
        value: a node config (strings, dicts and lists nesting them).
        scope: the names expressions can use.
        limits: the node's budget.
        upstream: gives the upstream values in the scope, bounded where they were
            produced; passing one on unchanged is not measured again.

    Returns:
        The rendered value.

    Raises:
        ExpressionError: a template failed; `ExpressionLimitError` for a limit.
        asyncio.CancelledError: the task was cancelled (the render is stopped first).
    """
    budget = RenderBudget(limits)
    if upstream is not None:
        budget.trust(upstream)
    if sys.getprofile() is None:  # a profiler of someone else's: leave this thread alone
        budget.start_slice(INLINE_SLICE_S)
        try:
            return run_watched(budget, lambda: render_in_budget(value, scope, budget))
        except SliceUsedUp:
            budget.start_over()
        except _LIMITS_REACHED as exc:
            raise limit_error(exc) from None
    return await _render_on_worker(value, scope, budget)


def _worker_pool() -> ThreadPoolExecutor:
    global _workers
    with _workers_lock:
        if _workers is None:
            _workers = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="flowbook-expr")
        return _workers


async def _render_on_worker(value: Any, scope: dict[str, Any], budget: RenderBudget) -> Any:
    future: Future[Any] = _worker_pool().submit(_render_watched, value, scope, budget)
    waiter = asyncio.wrap_future(future)
    give_up_in = budget.deadline - time.monotonic() + STOP_WAIT_S
    try:
        return await asyncio.wait_for(asyncio.shield(waiter), give_up_in)
    except TimeoutError:
        budget.stop()
        limit = budget.limits.max_seconds
        raise ExpressionLimitError(
            f"exceeded its time limit: took longer than {limit:g}s"
        ) from None
    except asyncio.CancelledError:
        budget.stop()
        await asyncio.wait({waiter}, timeout=STOP_WAIT_S)
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # retrieved: it only says the render was cancelled
        raise


def _render_watched(value: Any, scope: dict[str, Any], budget: RenderBudget) -> Any:
    """The worker's side: render under the watch, starting with a deadline check (a render
    that waited for a free worker past its deadline does not start)."""

    def render() -> Any:
        budget.check_time()
        return render_in_budget(value, scope, budget)

    try:
        return run_watched(budget, render, share_gil=True)
    except RenderCancelled:
        raise ExpressionError("the run was cancelled") from None
    except _LIMITS_REACHED as exc:
        raise limit_error(exc) from None
