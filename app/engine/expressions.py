"""Expressions in node configs: `{{ nodes.fetch.output.body.items[0] }}`, rendered safely.

Every string in a config that contains `{{` or `{%` is a Jinja2 template rendered in
`LimitedSandbox` (Jinja2's immutable sandbox plus time, iteration and size limits). A
string that is exactly one `{{ expression }}` gives the expression's native value (a
number, list, dict ...); any other template gives a string. Nothing is ever `eval`-ed.

All the templates of one config share one `RenderBudget` (time, loops, output size); a
limit reached raises `ExpressionLimitError` ("exceeded its time limit ...").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Template
from jinja2.exceptions import TemplateSyntaxError
from jinja2.lexer import TokenStream
from jinja2.parser import Parser

from app.engine.expression_budget import (
    ExpressionInterrupt,
    ExpressionLimits,
    IterationLimitExceeded,
    RenderBudget,
    RenderCancelled,
    SizeLimitExceeded,
    SliceUsedUp,
    TimeLimitExceeded,
    run_watched,
)
from app.engine.expression_sizes import refuse_internals, text_size
from app.engine.sandbox import LimitedSandbox

__all__ = [
    "DEFAULT_LIMITS",
    "ExpressionError",
    "ExpressionLimitError",
    "ExpressionLimits",
    "TemplateSyntaxIssue",
    "contains_expression",
    "is_expression",
    "limit_error",
    "render_in_budget",
    "render_string",
    "render_value",
    "template_syntax_issue",
]

DEFAULT_LIMITS = ExpressionLimits()
_SINGLE_EXPRESSION = re.compile(r"\A\s*\{\{(?P<expr>.*?)\}\}\s*\Z", re.DOTALL)
_ENVIRONMENT = LimitedSandbox()
_LEXER_OFFSET = re.compile(r" at \d+\Z")
_COMPILED: dict[str, tuple[bool, Any]] = {}
_COMPILED_MAX = 2048
_COMPILED_LOCK = threading.Lock()
_LIMIT_NAMES: dict[type[ExpressionInterrupt], str] = {
    TimeLimitExceeded: "time",
    SizeLimitExceeded: "size",
    IterationLimitExceeded: "loop",
}
_DATA = (str, int, float, bool, type(None), list, tuple, dict)
# Bounded on their own: integers are built under the bit limit.
_SCALARS = frozenset({int, float, bool, type(None)})


class ExpressionError(Exception):
    """An expression could not be rendered: bad syntax, unsafe access, an error or a limit."""


class ExpressionLimitError(ExpressionError):
    """An expression exceeded its time, size or loop limit (and was stopped)."""


def is_expression(text: str) -> bool:
    """Whether a string is a template (contains `{{` or `{%`)."""
    return "{{" in text or "{%" in text


def contains_expression(value: Any) -> bool:
    """Whether any string in a (nested) value is a template."""
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(contains_expression(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_expression(v) for v in value)
    return False


def render_value(
    value: Any, scope: dict[str, Any], *, limits: ExpressionLimits = DEFAULT_LIMITS
) -> Any:
    """Render every template string inside a value, on this thread, with one budget.

    The engine renders node configs through `app.engine.expression_runner` (off the event
    loop); this is the same render for callers that are not async.

    Args:
        value: a string, or dicts and lists nesting strings, numbers and so on.
        scope: the names expressions can use (see `app.engine.scope.expression_scope`).
        limits: bounds shared by every template in `value`.

    Returns:
        A new value of the same shape with templates replaced by what they render to.

    Raises:
        ExpressionError: when any template fails (`ExpressionLimitError` for a limit).
    """
    budget = RenderBudget(limits)
    return _watched(budget, lambda: render_in_budget(value, scope, budget))


def render_string(
    text: str, scope: dict[str, Any], *, limits: ExpressionLimits = DEFAULT_LIMITS
) -> Any:
    """Render one template string (native value for a single `{{ expression }}`).

    Raises:
        ExpressionError: bad syntax, unsafe access, a runtime error or a limit reached.
    """
    budget = RenderBudget(limits)
    return _watched(budget, lambda: _render_template(text, scope, budget))


def _watched(budget: RenderBudget, render: Callable[[], Any]) -> Any:
    try:
        return run_watched(budget, render)
    except (TimeLimitExceeded, SizeLimitExceeded, IterationLimitExceeded) as exc:
        raise limit_error(exc) from None


def limit_error(exc: ExpressionInterrupt) -> ExpressionLimitError:
    """The error for a limit reached outside any one template (between two of them)."""
    return ExpressionLimitError(f"exceeded its {_LIMIT_NAMES[type(exc)]} limit: {exc}")


def render_in_budget(value: Any, scope: dict[str, Any], budget: RenderBudget) -> Any:
    """`render_value` under a budget that the caller is already watching (`run_watched`).

    Raises:
        ExpressionError: when any template fails.
        SliceUsedUp, RenderCancelled: the render must move to a worker, or stop.
    """
    if isinstance(value, str):
        return _render_template(value, scope, budget) if is_expression(value) else value
    if isinstance(value, dict):
        return {k: render_in_budget(v, scope, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [render_in_budget(v, scope, budget) for v in value]
    return value


def _render_template(text: str, scope: dict[str, Any], budget: RenderBudget) -> Any:
    limits = budget.limits
    if len(text) > limits.max_template_chars:
        raise ExpressionError(f"expression is longer than {limits.max_template_chars} characters")
    try:
        single, compiled = _COMPILED.get(text) or _compile(text, budget)
        if single:
            return _checked_result(compiled(**scope), budget)
        chunks = []
        template: Template = compiled
        for chunk in template.generate(scope):
            budget.spend_output(len(chunk))
            chunks.append(chunk)
        return "".join(chunks)
    except (SliceUsedUp, RenderCancelled):
        raise
    except ExpressionInterrupt as exc:
        raise ExpressionLimitError(_describe(text, limit_error(exc))) from None
    except RecursionError as exc:
        raise ExpressionError(_describe(text, "recursion is too deep")) from exc
    except Exception as exc:  # syntax, security, or an error inside the expression
        raise ExpressionError(_describe(text, exc)) from exc


def _checked_result(result: Any, budget: RenderBudget) -> Any:
    """A single expression's value, once it is known to be data within the size limit.

    Iterators (what `map`, `select` ... give) become lists; an upstream value passed on
    unchanged is not measured again.
    """
    if type(result) in _SCALARS:
        return result
    if isinstance(result, Iterator | range):
        result = list(result)
    if isinstance(result, str):
        budget.spend_output(len(result))
    elif not isinstance(result, _DATA):
        raise refuse_internals(result)
    elif id(result) not in budget.trusted:
        budget.spend_output(text_size(result, budget.limits.max_output_chars))
    return result


@dataclass(frozen=True)
class TemplateSyntaxIssue:
    """Why a template does not parse, and where (1-based line and column)."""

    message: str
    line: int
    column: int

    def describe(self) -> str:
        """The issue for people: 'template syntax error at line 1, column 12: ...'."""
        return f"template syntax error at line {self.line}, column {self.column}: {self.message}"


@lru_cache(maxsize=2048)
def template_syntax_issue(text: str) -> TemplateSyntaxIssue | None:
    """Parse a template with the sandbox's parser, without rendering it.

    Returns:
        None when the template parses; else the parser's message and the position of the
        token it stopped at (Jinja reports only the line, so the column is tracked here).
    """
    offset = 0

    def tracked_tokens() -> Iterator[tuple[int, str, str]]:
        nonlocal offset
        for lineno, kind, value in _ENVIRONMENT.lexer.tokeniter(text, None):
            yield lineno, kind, value
            # Resumed: the parser has moved past this token, or the lexer fails right after it.
            offset += len(value)

    try:
        parser = Parser(_ENVIRONMENT, "")
        parser.stream = TokenStream(_ENVIRONMENT.lexer.wrap(tracked_tokens()), None, None)
        parser.parse()
    except TemplateSyntaxError as exc:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        # The lexer appends its own 0-based offset ("unexpected char '!' at 7"): drop it.
        message = _LEXER_OFFSET.sub("", exc.message or "invalid syntax")
        return TemplateSyntaxIssue(message, line, column)
    return None


def _describe(text: str, error: object) -> str:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f"{error} (in {shown!r})"


def _compile(text: str, budget: RenderBudget) -> tuple[bool, Any]:
    """Compile a template once: `(True, expression)` for a single `{{ expression }}` (whose
    native value is the result), else `(False, template)`.

    Compiling ends in one call of Python's compiler, which no watch can interrupt (about
    0.1 s for a long template): an inline render that meets a new template moves to a
    worker at once, so compiling never holds the event loop.
    """
    if budget.in_slice:
        raise SliceUsedUp
    single = _SINGLE_EXPRESSION.match(text)
    entry: tuple[bool, Any]
    if single and not is_expression(single["expr"]) and "}}" not in single["expr"]:
        entry = True, _ENVIRONMENT.compile_expression(single["expr"], undefined_to_none=True)
    else:
        entry = False, _ENVIRONMENT.from_string(text)
    with _COMPILED_LOCK:  # workers compile concurrently
        if len(_COMPILED) >= _COMPILED_MAX:
            del _COMPILED[next(iter(_COMPILED))]  # the oldest
        _COMPILED[text] = entry
    return entry
