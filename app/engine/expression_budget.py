"""The budget of one node's expressions: a deadline, a loop budget, a size limit, a stop flag.

One `RenderBudget` covers every template string of a node's config, so a config holding
60 templates gets one second, not 60. While templates render, `run_watched(budget, ...)` installs a
profile hook (`sys.setprofile`) on the rendering thread: it runs on every Python and C call,
so the deadline and the stop flag are checked between the small steps of everything a
template runs (filters, sort keys, loops), not only where the sandbox intercepts. A single
C-level step stays short because sizes are checked before anything big is built
(`app.engine.expression_sizes`).

The interrupts are `BaseException`s on purpose: code that catches `Exception` (Jinja folds
constants that way) cannot swallow them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

from jinja2.exceptions import SecurityError

T = TypeVar("T")

GIL_SHARE_EVERY_S = 0.002
GIL_PAUSE_S = 0.0002


@dataclass(frozen=True)
class ExpressionLimits:
    """Bounds on the expressions of one node.

    Attributes:
        max_template_chars: longest template source accepted.
        max_output_chars: the size limit: the most characters (or items) any string, list or
            printed value may have, and the most characters a node's templates render to.
        max_seconds: wall time for all of a node's templates.
        max_iterations: total `{% for %}` iterations of a node's templates.
        max_int_bits: the largest integer `*` and `**` may build.
        max_sorted_items: the most items `sort`, `dictsort`, `groupby` and `unique` take:
            a sort compares its keys in one C call that holds the GIL (and so the event
            loop) throughout, about 25 ms for 20,000 items.
    """

    max_template_chars: int = 20_000
    max_output_chars: int = 1_000_000
    max_seconds: float = 1.0
    max_iterations: int = 1_000_000
    max_int_bits: int = 4096
    max_sorted_items: int = 20_000


class ExpressionInterrupt(BaseException):
    """A render was stopped by its budget (see the subclasses)."""


class TimeLimitExceeded(ExpressionInterrupt):
    """The node's expressions ran past their deadline."""


class SizeLimitExceeded(ExpressionInterrupt):
    """A value would be larger than the size limit; it was not built."""


class IterationLimitExceeded(ExpressionInterrupt):
    """Loops ran more times than the node's iteration budget."""


class RenderCancelled(ExpressionInterrupt):
    """The run was cancelled while its expressions rendered."""


class SliceUsedUp(ExpressionInterrupt):
    """An inline render used up its short slice; it moves to a worker thread."""


class RenderBudget:
    """What is left of a node's limits while its templates render.

    Attributes:
        limits: the limits.
        deadline: `time.monotonic()` value after which the render stops; during an inline
            slice, the end of the slice.
        iterations_left: loop iterations left.
        output_left: characters the node's templates may still render to.
        stopped: set (from any thread) to stop the render at its next step.
        trusted: ids of the upstream dicts and lists the render reads (see `trust`).
    """

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.deadline = self.started + limits.max_seconds
        self.in_slice = False
        self.iterations_left = limits.max_iterations
        self.output_left = limits.max_output_chars
        self.stopped = False
        self._trusted: set[int] | None = None
        self._upstream: Callable[[], Iterable[Any]] = tuple
        self.watch: Callable[[FrameType, str, Any], None] | None = None

    def trust(self, upstream: Callable[[], Iterable[Any]]) -> None:
        """Values from upstream (already bounded where they were made): an expression that
        passes one of them, or a dict or list inside one, on unchanged is not measured.

        Args:
            upstream: gives those values, when a render first needs them (most never do).
        """
        self._upstream = upstream
        self._trusted = None

    @property
    def trusted(self) -> set[int]:
        """Ids of the upstream dicts and lists, and of those read out of them."""
        if self._trusted is None:
            values = self._upstream()
            self._trusted = {id(v) for v in values if isinstance(v, dict | list)}
        return self._trusted

    def start_slice(self, seconds: float) -> None:
        """Render inline for at most `seconds`, then stop with `SliceUsedUp`."""
        self.in_slice = True
        self.deadline = min(self.started + self.limits.max_seconds, time.monotonic() + seconds)

    def start_over(self) -> None:
        """Start a new render of the same node: the full deadline, a fresh loop budget."""
        self.in_slice = False
        self.deadline = self.started + self.limits.max_seconds
        self.iterations_left = self.limits.max_iterations
        self.output_left = self.limits.max_output_chars

    def stop(self) -> None:
        """Ask the render to stop at its next step (thread-safe: one attribute write)."""
        self.stopped = True

    def check_time(self) -> None:
        """Raise the right interrupt when the render must stop now.

        Also puts the watch back if it is gone: the interpreter removes a profile hook that
        raised, and an interrupt raised inside a finalizer (`__del__` during a garbage
        collection) is swallowed, so the sandbox's own checks re-arm it.
        """
        if self.watch is not None and sys.getprofile() is not self.watch:
            sys.setprofile(self.watch)
        if self.stopped or time.monotonic() > self.deadline:
            self.interrupt()

    def interrupt(self) -> None:
        """Raise why the render stops: cancelled, slice used up, or time limit."""
        if self.stopped:
            raise RenderCancelled("the run was cancelled")
        if self.in_slice and time.monotonic() < self.started + self.limits.max_seconds:
            raise SliceUsedUp
        raise TimeLimitExceeded(f"took longer than {self.limits.max_seconds:g}s")

    def check_size(self, size: int, what: str = "a value") -> None:
        """Refuse to build `what` when it would have `size` characters (or items) or more
        than the limit."""
        if size > self.limits.max_output_chars:
            raise SizeLimitExceeded(
                f"{what} would be larger than {self.limits.max_output_chars} characters"
            )

    def check_int_bits(self, bits: float, what: str) -> None:
        """Refuse to build an integer of `bits` bits or more than the limit."""
        if bits > self.limits.max_int_bits:
            raise SizeLimitExceeded(f"{what} would be larger than {self.limits.max_int_bits} bits")

    def check_sorted_items(self, count: int, what: str) -> None:
        """Refuse to sort (or group, or deduplicate) more than `max_sorted_items` items."""
        if count > self.limits.max_sorted_items:
            raise SizeLimitExceeded(
                f"{what} would sort {count} items, more than {self.limits.max_sorted_items}"
            )

    def spend_output(self, size: int) -> None:
        """Count `size` rendered characters against what the node may render in all."""
        self.output_left -= size
        if self.output_left < 0:
            raise SizeLimitExceeded(
                f"the rendered values would be larger than {self.limits.max_output_chars} "
                "characters"
            )

    def count_iteration(self) -> None:
        """Count one loop iteration and check the clock."""
        self.iterations_left -= 1
        if self.iterations_left < 0:
            raise IterationLimitExceeded(f"loops ran more than {self.limits.max_iterations} times")
        self.check_time()


CURRENT_BUDGET: ContextVar[RenderBudget | None] = ContextVar("flowbook_budget", default=None)


def current_budget() -> RenderBudget:
    """The budget of the render running in this context.

    Raises:
        SecurityError: nothing is rendering (a sandbox function was called from outside).
    """
    budget = CURRENT_BUDGET.get()
    if budget is None:
        raise SecurityError("expressions must be rendered through app.engine.expressions")
    return budget


def run_watched(budget: RenderBudget, render: Callable[[], T], *, share_gil: bool = False) -> T:
    """Call `render` with `budget` current and checked on every call this thread makes.

    Not a context manager on purpose: entering or leaving one is a Python call the hook
    could interrupt half-way.

    Args:
        budget: the node's budget.
        render: what to run.
        share_gil: pause for `GIL_PAUSE_S` every `GIL_SHARE_EVERY_S` (on a worker thread):
            a thread waiting for the GIL otherwise waits up to the 5 ms switch interval each
            time, and the event loop needs it many times to answer one request.

    Raises:
        ExpressionInterrupt: when the budget says stop.
    """
    monotonic = time.monotonic
    pause_at = monotonic() + GIL_SHARE_EVERY_S

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        # A finalizer run by the garbage collector cannot pass an interrupt on: wait for the
        # next call outside it.
        if (budget.stopped or monotonic() > budget.deadline) and frame.f_code.co_name != "__del__":
            budget.interrupt()

    def watch_and_share(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal pause_at
        now = monotonic()
        if (budget.stopped or now > budget.deadline) and frame.f_code.co_name != "__del__":
            budget.interrupt()
        if now > pause_at:
            time.sleep(GIL_PAUSE_S)
            pause_at = now + GIL_SHARE_EVERY_S

    token = CURRENT_BUDGET.set(budget)
    budget.watch = watch_and_share if share_gil else watch
    sys.setprofile(budget.watch)
    try:
        return render()
    finally:
        budget.watch = None
        try:
            sys.setprofile(None)
        except ExpressionInterrupt:
            # The hook fired on this very call; a hook that raises is removed for good.
            sys.setprofile(None)
        CURRENT_BUDGET.reset(token)
