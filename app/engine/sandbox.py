"""The Jinja2 sandbox expressions run in: immutable, no `str.format`, and with limits.

On top of Jinja's `ImmutableSandboxedEnvironment`:
- every `{% for %}` loop counts its iterations against the node's budget;
- `*`, `+`, `**` and `%`, the string methods and the filters that can build big results
  (`join`, `replace`, `center`, `indent`, `wordwrap`, `format`, `tojson` ...), `~` and
  printing check the size of their result *before* building it;
- printing (and `~`, `join`, `|string` ...) refuses anything that is not data, so Python
  reprs such as `<built-in method items of dict object at 0x7f...>` never show;
- the names the sandbox adds for itself cannot be used by templates;
- nothing is evaluated at compile time (no constant folding), so every value is built
  under the budget.
The deadline is enforced by the watch of `app.engine.expression_budget`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app.engine.expression_budget import current_budget
from app.engine.expression_filters import limited_filters, timed
from app.engine.expression_sizes import check_binop, check_method_call, text_size

_RESERVED_PREFIX = "__flowbook"
_LOOP_GUARD = "__flowbook_loop_guard"
_CONCAT = "__flowbook_concat"
_TRUSTED_TYPES = (dict, list)


def printable_text(value: Any) -> str:
    """`str(value)` once it is known to be data of a size within the limit.

    Raises:
        InternalsRefused: the value is not data (a method, a function, a generator ...).
        SizeLimitExceeded: its text would be over the size limit.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined):
        return str(value)
    budget = current_budget()
    limit = budget.limits.max_output_chars
    budget.check_size(text_size(value, limit), "the printed value")
    return str(value)


@pass_context
def _finalize(context: Context, value: Any) -> str:
    # Taking the context keeps Jinja from printing constants at compile time.
    return printable_text(value)


def _concatenated(*parts: Any) -> str:
    """`a ~ b ~ c`: every part printed and the total measured before joining."""
    return _joined([printable_text(part) for part in parts])


def _joined(parts: list[str]) -> str:
    current_budget().check_size(sum(map(len, parts)), "the joined text")
    return "".join(parts)


def _guarded_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = current_budget()
    for item in iterable:
        budget.count_iteration()
        yield item


class _Guards(NodeTransformer):
    """Route `{% for %}` iterables through the loop guard and `~` through `_concatenated`."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        guard = nodes.Name(_LOOP_GUARD, "load", lineno=node.lineno)
        node.iter = nodes.Call(guard, [node.iter], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        join = nodes.Name(_CONCAT, "load", lineno=node.lineno)
        return nodes.Call(join, list(node.nodes), [], None, None, lineno=node.lineno)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with `str.format` refused and render limits enforced."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self) -> None:
        super().__init__(
            autoescape=False, keep_trailing_newline=True, optimized=False, finalize=_finalize
        )
        self.globals.pop("lipsum", None)
        self.globals[_LOOP_GUARD] = _guarded_loop
        self.globals[_CONCAT] = _concatenated
        self.filters.update(limited_filters(self.filters))
        self.filters.update(timed(self.filters))
        self.tests.update(timed(self.tests))
        # Macros, `{% set %}` blocks and filter blocks join their output with this.
        self.concat = _joined  # type: ignore[assignment]

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        """Refuse the sandbox's own names, then add the loop and `~` guards."""
        for used in source.find_all(nodes.Name):
            if used.name.startswith(_RESERVED_PREFIX):
                raise SecurityError(f"the name {used.name!r} is reserved")
        guarded = _Guards().visit(source)
        return super()._generate(guarded, name, filename, defer_init)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A plain dict (not Jinja's ChainMap): copying it into each render's context is one
        C-level step instead of a Python call per name. Globals never change after set-up."""
        return {**self.globals, **(d or {})}

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
        """Attribute lookup; a dict's keys win over its methods.

        Workflow data is JSON, so `body.items` means the key "items", not `dict.items`.
        """
        if isinstance(obj, dict) and attribute in obj:
            value = obj[attribute]
        else:
            value = super().getattr(obj, attribute)
        _trust_part(obj, value)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Subscription (part of an upstream value stays trusted, see `RenderBudget`)."""
        value = super().getitem(obj, argument)
        _trust_part(obj, value)
        return value

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call with the deadline and size-driving arguments checked."""
        budget = current_budget()
        budget.check_time()
        args = check_method_call(__obj, args, budget)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `+`, `**` and `%` with the size of the result checked first."""
        check_binop(operator, left, right, current_budget())
        return super().call_binop(context, operator, left, right)


def _trust_part(container: Any, part: Any) -> None:
    """A dict or list read out of a trusted value is trusted too (it is stored inside it)."""
    if isinstance(part, _TRUSTED_TYPES):
        trusted = current_budget().trusted
        if id(container) in trusted:
            trusted.add(id(part))
