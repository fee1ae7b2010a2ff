"""Jinja filters that can build large text, with the size of the result checked first.

Each replacement measures what the original filter would build (see
`app.engine.expression_sizes`), refuses it over the size limit, and otherwise calls the
original. Filters that print their input (`upper`, `string`, `escape` ...) also refuse input
that is not data, so they cannot show Python internals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from functools import wraps
from typing import Any

from jinja2 import pass_environment, pass_eval_context
from jinja2.environment import Environment
from jinja2.filters import make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.runtime import Undefined
from jinja2.utils import _PassArg

from app.engine.expression_budget import RenderBudget, current_budget
from app.engine.expression_sizes import format_size, replaced_size, text_size

Filter = Callable[..., Any]

# Filters that turn their input into text, and how much longer than it the result can be.
_TEXT_FILTERS = {
    "capitalize": 3,  # 'ß'.upper() == 'SS', 'ŉ' grows to 2 characters ...
    "forceescape": 5,  # '&' -> '&amp;'
    "e": 5,
    "escape": 5,
    "lower": 3,
    "pprint": 1,
    "safe": 1,
    "string": 1,
    "striptags": 1,
    "title": 3,
    "trim": 1,
    "truncate": 1,
    "upper": 3,
    "urlencode": 12,  # a 4-byte UTF-8 character becomes %XX%XX%XX%XX
    "wordcount": 1,
}


def timed(functions: Mapping[str, Any]) -> dict[str, Filter]:
    """Filters (or tests) that check the clock first, so that a watch removed by a
    swallowed interrupt is put back and the deadline holds between two filters."""
    return {name: _timed(function) for name, function in functions.items()}


def _timed(original: Filter) -> Filter:
    @wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        current_budget().check_time()
        return original(*args, **kwargs)

    return checked


def limited_filters(filters: Mapping[str, Filter]) -> dict[str, Filter]:
    """Checked replacements for the filters in `filters` that can build large results."""
    replaced = {name: _text_input(filters[name], growth) for name, growth in _TEXT_FILTERS.items()}
    replaced.update(
        center=_checked(filters["center"], _center),
        indent=_checked(filters["indent"], _indent),
        wordwrap=_checked(filters["wordwrap"], _wordwrap),
        format=_checked(filters["format"], _format),
        replace=_checked(filters["replace"], _replace),
        urlize=_checked(filters["urlize"], _urlize),
        xmlattr=_checked(filters["xmlattr"], _xmlattr),
        tojson=_checked(filters["tojson"], _tojson),
        batch=_checked(filters["batch"], _batch),
        slice=_checked(filters["slice"], _slice),
        **{
            name: _sorting(filters[name], name)
            for name in ("sort", "dictsort", "groupby", "unique")
        },
        join=_join(filters["join"]),
        sum=_sum(filters["sum"]),
    )
    return replaced


def _measured_text(value: Any, budget: RenderBudget, growth: int = 1) -> int:
    """The length of `value` as text (checked: data only, within the limit / growth)."""
    if isinstance(value, Undefined):
        return 0
    size = text_size(value, budget.limits.max_output_chars)
    budget.check_size(size * growth, "the filtered text")
    return size


def _text_input(original: Filter, growth: int) -> Filter:
    skip = 0 if _PassArg.from_obj(original) is None else 1

    @wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _measured_text(args[skip], current_budget(), growth)
        return original(*args, **kwargs)

    return checked


Check = Callable[[RenderBudget, Any, tuple[Any, ...], dict[str, Any]], None]


def _checked(original: Filter, check: Check) -> Filter:
    """`original`, after `check(budget, value, other args, kwargs)` accepts its arguments."""
    skip = 0 if _PassArg.from_obj(original) is None else 1

    @wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check(current_budget(), args[skip], args[skip + 1 :], kwargs)
        return original(*args, **kwargs)

    return checked


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _center(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    size = _measured_text(value, budget)
    width = _argument(args, kwargs, 0, "width")
    budget.check_size(max(size, width if isinstance(width, int) else 80), f"center({width})")


def _indent(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    size = _measured_text(value, budget)
    width = _argument(args, kwargs, 0, "width")
    step = width if isinstance(width, int) else len(width) if isinstance(width, str) else 4
    budget.check_size(step, f"indent({width})")
    lines = str(value).count("\n") + 1 if not isinstance(value, Undefined) else 1
    budget.check_size(size + lines * step, "the indented text")


def _wordwrap(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    size = _measured_text(value, budget)
    text = value if isinstance(value, str) else ""
    width = _argument(args, kwargs, 0, "width")
    wrapstring = _argument(args, kwargs, 2, "wrapstring")
    separator = len(wrapstring) if isinstance(wrapstring, str) else 2
    # A line break can only come at a space, a tab, a hyphen, a newline, or every `width`.
    breaks = sum(text.count(c) for c in " \t-\n") + size // max(width or 1, 1) + 1
    budget.check_size(size + min(breaks, size + 1) * separator, "the wrapped text")


def _format(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    if isinstance(value, str):
        arguments = kwargs or args
        size = format_size(value, arguments, budget.limits.max_output_chars)
        budget.check_size(size, "the formatted text")


def _replace(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    _measured_text(value, budget)
    text = value if isinstance(value, str) else str(value)
    old, new = _argument(args, kwargs, 0, "old"), _argument(args, kwargs, 1, "new")
    count = _argument(args, kwargs, 2, "count")
    size = replaced_size(text, str(old), str(new), -1 if count is None else count)
    budget.check_size(size, "the replaced text")


def _urlize(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    size = _measured_text(value, budget)
    text = value if isinstance(value, str) else ""
    extras = sum(len(str(kwargs.get(k) or "")) for k in ("target", "rel"))
    links = text.count(".") + text.count("@") + text.count(":") + 1
    budget.check_size(6 * size + links * (80 + extras), "the urlized text")


def _xmlattr(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    _measured_text(value, budget, growth=6)


def _tojson(
    budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    indent = _argument(args, kwargs, 0, "indent")
    step = indent if isinstance(indent, int) else 1
    limit = budget.limits.max_output_chars
    budget.check_size(step, f"tojson(indent={indent})")
    budget.check_size(text_size(value, limit, json=True, indent=max(step, 1)), "the JSON text")


def _batch(budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    count = _argument(args, kwargs, 0, "linecount")
    if isinstance(count, int):
        budget.check_size(count, f"batch({count})")


def _slice(budget: RenderBudget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    count = _argument(args, kwargs, 0, "slices")
    if isinstance(count, int):
        budget.check_size(count, f"slice({count})")


def _sorting(original: Filter, name: str) -> Filter:
    """`original` (a filter that sorts its input), refusing inputs with too many items."""
    skip = 0 if _PassArg.from_obj(original) is None else 1

    @wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        value = args[skip]
        if not isinstance(value, Sized):
            value = list(value)
            args = (*args[:skip], value, *args[skip + 1 :])
        current_budget().check_sorted_items(len(value), name)
        return original(*args, **kwargs)

    return checked


def _join(original: Filter) -> Filter:
    @pass_eval_context
    @wraps(original)
    def join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> Any:
        budget = current_budget()
        limit = budget.limits.max_output_chars
        items = list(value)
        if attribute is not None:
            items = list(map(make_attrgetter(eval_ctx.environment, attribute), items))
        total = len(str(d)) * max(len(items) - 1, 0)
        for item in items:
            total += text_size(item, limit)
            budget.check_size(total, "the joined text")
        return original(eval_ctx, items, d)

    return join


def _sum(original: Filter) -> Filter:
    @pass_environment
    @wraps(original)
    def total(
        environment: Environment, iterable: Any, attribute: Any = None, start: Any = 0
    ) -> Any:
        budget = current_budget()
        items = list(iterable)
        if attribute is not None:
            items = list(map(make_attrgetter(environment, attribute), items))
        # Summing lists concatenates them: measure the result first.
        size = sum(len(item) for item in (start, *items) if isinstance(item, list | tuple | str))
        budget.check_size(size, "the sum")
        return original(environment, items, start=start)

    return total
