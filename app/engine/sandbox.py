"""The Jinja2 sandbox expressions run in: immutable, no `str.format`, and with limits.

Limits are enforced while a template runs, not only afterwards: every attribute lookup,
subscription and call checks the render deadline, every `{% for %}` loop counts its
iterations against a budget, and `*`, `**` and `%` refuse results that would be too big to
build (`'x' * 10**9`, `10 ** 10 ** 9`, `'%999999999d' % 1`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

_LOOP_GUARD = "__flowbook_loop_guard"
_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_MAX_POWER_BITS = 4096
_SIZED_ARGUMENT_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


class LimitExceeded(SecurityError):
    """An expression went over its time, iteration or size limit."""


@dataclass(frozen=True)
class ExpressionLimits:
    """Bounds on one render.

    Attributes:
        max_template_chars: longest template source accepted.
        max_output_chars: longest rendered string (and longest string built inside).
        max_seconds: wall time for one render.
        max_iterations: total `{% for %}` iterations in one render.
    """

    max_template_chars: int = 20_000
    max_output_chars: int = 1_000_000
    max_seconds: float = 1.0
    max_iterations: int = 1_000_000


class RenderBudget:
    """What is left of the limits during one render."""

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.iterations_left = limits.max_iterations

    def check_time(self) -> None:
        """Raise LimitExceeded when the render deadline has passed."""
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"expression took longer than {self.limits.max_seconds}s")

    def check_size(self, size: int) -> None:
        """Raise LimitExceeded when a value of `size` characters would be too big."""
        if size > self.limits.max_output_chars:
            raise LimitExceeded(
                f"expression result is larger than {self.limits.max_output_chars} characters"
            )


CURRENT_BUDGET: ContextVar[RenderBudget | None] = ContextVar("flowbook_budget", default=None)


def _budget() -> RenderBudget:
    budget = CURRENT_BUDGET.get()
    if budget is None:
        raise SecurityError("expressions must be rendered through app.engine.expressions")
    return budget


def _guarded_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _budget()
    for count, item in enumerate(iterable):
        budget.iterations_left -= 1
        if budget.iterations_left < 0:
            raise LimitExceeded(f"loops ran more than {budget.limits.max_iterations} times")
        if count % 256 == 0:
            budget.check_time()
        yield item


def _check_format_widths(template: str, budget: RenderBudget) -> None:
    for match in _FORMAT_WIDTH.finditer(template):
        for number in match.groups():
            if number == "*":
                raise SecurityError("'*' widths are not allowed in % formatting")
            if number is not None:
                budget.check_size(int(number))


def _check_binop(operator: str, left: Any, right: Any, budget: RenderBudget) -> None:
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(times, int):
                budget.check_size(len(sequence) * times)
    elif operator == "**" and _power_is_huge(left, right):
        raise LimitExceeded("the result of ** is too large")
    elif operator == "%" and isinstance(left, str):
        _check_format_widths(left, budget)


def _power_is_huge(base: Any, exponent: Any) -> bool:
    if not (isinstance(base, int) and isinstance(exponent, int)) or abs(base) <= 1:
        return False
    return exponent > 0 and exponent * math.log2(abs(base)) > _MAX_POWER_BITS


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, str) and getattr(obj, "__name__", "") in _SIZED_ARGUMENT_METHODS:
        budget = _budget()
        for value in (*args, *kwargs.values()):
            if isinstance(value, int):
                budget.check_size(value)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with `str.format` refused and render limits enforced."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True)
        self.globals.pop("lipsum", None)
        self.globals[_LOOP_GUARD] = _guarded_loop
        self.filters["center"] = _sized_filter(self.filters["center"], "width")
        self.filters["indent"] = _sized_filter(self.filters["indent"], "width")
        self.filters["format"] = _format_filter(self.filters["format"])

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.Name(_LOOP_GUARD, "load"), [loop.iter], [], None, None, lineno=loop.lineno
            )
        return tree

    def wrap_str_format(self, value: Any) -> None:
        """Refuse `str.format`/`format_map` outright (`|format` covers formatting needs)."""
        if super().wrap_str_format(value) is not None:
            raise SecurityError("str.format is not allowed in expressions; use |format")
        return None

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Fail at once instead of returning an undefined that fails only when printed."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Attribute lookup with the deadline checked; a dict's keys win over its methods.

        Workflow data is JSON, so `body.items` means the key "items", not `dict.items`.
        """
        _budget().check_time()
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Subscription with the deadline checked."""
        _budget().check_time()
        return super().getitem(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call with the deadline and size-driving arguments checked."""
        _budget().check_time()
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**` and `%` with the size of the result checked first."""
        _check_binop(operator, left, right, _budget())
        return super().call_binop(context, operator, left, right)


def _sized_filter(original: Any, argument: str) -> Any:
    def sized(*args: Any, **kwargs: Any) -> Any:
        width = kwargs.get(argument, args[1] if len(args) > 1 else None)
        if isinstance(width, int):
            _budget().check_size(width)
        return original(*args, **kwargs)

    return sized


def _format_filter(original: Any) -> Any:
    def format_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_format_widths(str(value), _budget())
        return original(value, *args, **kwargs)

    return format_filter
