"""Expressions in node configs: `{{ nodes.fetch.output.body.items[0] }}`, rendered safely.

Every string in a config that contains `{{` or `{%` is a Jinja2 template rendered in
`LimitedSandbox` (Jinja2's immutable sandbox plus time, iteration and size limits). A
string that is exactly one `{{ expression }}` gives the expression's native value (a
number, list, dict ...); any other template gives a string. Nothing is ever `eval`-ed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Template
from jinja2.exceptions import TemplateSyntaxError
from jinja2.lexer import TokenStream
from jinja2.parser import Parser

from app.engine.sandbox import CURRENT_BUDGET, ExpressionLimits, LimitedSandbox, RenderBudget

__all__ = [
    "DEFAULT_LIMITS",
    "ExpressionError",
    "ExpressionLimits",
    "TemplateSyntaxIssue",
    "contains_expression",
    "is_expression",
    "render_string",
    "render_value",
    "template_syntax_issue",
]

DEFAULT_LIMITS = ExpressionLimits()
_SINGLE_EXPRESSION = re.compile(r"\A\s*\{\{(?P<expr>.*?)\}\}\s*\Z", re.DOTALL)
_ENVIRONMENT = LimitedSandbox()
_LEXER_OFFSET = re.compile(r" at \d+\Z")


class ExpressionError(Exception):
    """An expression could not be rendered: bad syntax, unsafe access, an error or a limit."""


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
    """Render every template string inside a value; other values are returned unchanged.

    Args:
        value: a string, or dicts and lists nesting strings, numbers and so on.
        scope: the names expressions can use (see `app.engine.scope.expression_scope`).
        limits: bounds for each string rendered.

    Returns:
        A new value of the same shape with templates replaced by what they render to.

    Raises:
        ExpressionError: when any template fails.
    """
    if isinstance(value, str):
        return render_string(value, scope, limits=limits) if is_expression(value) else value
    if isinstance(value, dict):
        return {k: render_value(v, scope, limits=limits) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, scope, limits=limits) for v in value]
    return value


def render_string(
    text: str, scope: dict[str, Any], *, limits: ExpressionLimits = DEFAULT_LIMITS
) -> Any:
    """Render one template string (native value for a single `{{ expression }}`).

    Raises:
        ExpressionError: bad syntax, unsafe access, a runtime error or a limit reached.
    """
    if len(text) > limits.max_template_chars:
        raise ExpressionError(f"expression is longer than {limits.max_template_chars} characters")
    budget = RenderBudget(limits)
    token = CURRENT_BUDGET.set(budget)
    try:
        single = _SINGLE_EXPRESSION.match(text)
        if single and not is_expression(single["expr"]) and "}}" not in single["expr"]:
            result = _compile_expression(single["expr"])(**scope)
            if isinstance(result, str):
                budget.check_size(len(result))
            return result
        size = 0
        chunks = []
        for chunk in _compile_template(text).generate(scope):
            size += len(chunk)
            budget.check_size(size)
            chunks.append(chunk)
        return "".join(chunks)
    except RecursionError as exc:
        raise ExpressionError(_describe(text, "recursion is too deep")) from exc
    except Exception as exc:  # syntax, security, limit, or an error inside the expression
        raise ExpressionError(_describe(text, exc)) from exc
    finally:
        CURRENT_BUDGET.reset(token)


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


@lru_cache(maxsize=2048)
def _compile_template(source: str) -> Template:
    return _ENVIRONMENT.from_string(source)


@lru_cache(maxsize=2048)
def _compile_expression(source: str) -> Any:
    return _ENVIRONMENT.compile_expression(source, undefined_to_none=True)
