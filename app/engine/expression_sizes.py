"""Sizes of values an expression is about to build, measured before they are built.

Everything here answers "how big would this be?" cheaply (lengths, counts, bit lengths,
one bounded walk of a value) so that the sandbox can refuse `'a' * 10**9`,
`(['a' * 999999] * 2000) | join` or `'%(a)999999999s' % {...}` before Python allocates
anything. Estimates are upper bounds: the real result is never larger.

Only data can be printed: text, numbers, booleans, null, lists and objects. Anything else
(a method, a function, a generator ...) would print a Python repr such as
`<built-in method items of dict object at 0x7f...>`, and is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import Undefined

from app.engine.expression_budget import RenderBudget, SizeLimitExceeded

MAX_NESTING = 200
_SEQUENCES = (str, bytes, list, tuple)
_CONTAINERS: tuple[type[Collection[Any]], ...] = (
    list,
    tuple,
    dict,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)
_FORMAT_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?"
    r"[hlL]?(?P<conversion>[a-zA-Z%])?"
)
_FLOAT_DIGITS = 320  # '%f' % 1e308 has 309 digits before the point
_LOG10_2 = math.log10(2)


class InternalsRefused(SecurityError):
    """An expression tried to print or pass on something that is not data."""


def refuse_internals(value: Any) -> InternalsRefused:
    """The error for printing `value`, which is not data."""
    kind = type(value).__name__
    return InternalsRefused(
        f"a {kind} cannot be printed or returned by an expression (only text, numbers, "
        "booleans, null, lists and objects can)"
    )


def text_size(value: Any, limit: int, *, json: bool = False, indent: int = 1) -> int:
    """An upper bound of the length of `str(value)`, `repr(value)` or `pprint` of it.

    Args:
        value: the value about to be turned into text.
        limit: stop measuring once the size passes this (the result is then > limit).
        json: bound the length of its JSON text instead (escapes such as \\u003c).
        indent: characters of indentation per level when printed over several lines.

    Raises:
        InternalsRefused: the value holds something that is not data.
        SizeLimitExceeded: it is nested more than MAX_NESTING levels deep.
    """
    if isinstance(value, str):
        return _quoted_size(value, json) if json else len(value)
    return _size(value, limit, 0, {}, json, indent)


def _quoted_size(text: str, json: bool) -> int:
    size = len(text)
    if json:
        if text.isascii() and text.isprintable():
            specials = sum(text.count(c) for c in "<>&'")
            return size + 2 + 5 * specials + text.count('"') + text.count("\\")
        return 12 * size + 2  # \uXXXX, or a surrogate pair for characters past U+FFFF
    if text.isprintable():
        # Quotes and backslashes are escaped; pprint splits long strings into pieces.
        return size + 2 + text.count("'") + text.count('"') + text.count("\\") + size // 8
    return 10 * size + 2  # \x.., \u.... or \U........


def _size(value: Any, limit: int, depth: int, seen: dict[int, int], json: bool, indent: int) -> int:
    if isinstance(value, str):
        return _quoted_size(value, json)
    if value is None or isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return int(value.bit_length() * _LOG10_2) + 2
    if isinstance(value, float):
        return 24
    if isinstance(value, Undefined | range):
        return 40
    if isinstance(value, bytes):
        return 4 * len(value) + 3
    if not isinstance(value, _CONTAINERS):
        raise refuse_internals(value)
    known = seen.get(id(value))
    if known is not None:
        return known
    if depth >= MAX_NESTING:
        raise SizeLimitExceeded(f"a value nested more than {MAX_NESTING} levels deep")
    # Each item: a separator, and a line's indentation when pretty-printed.
    overhead = 2 + depth * indent
    total = 14
    if isinstance(value, dict):
        for key, item in value.items():
            total += overhead + 2 + _size(key, limit, depth + 1, seen, json, indent)
            total += _size(item, limit, depth + 1, seen, json, indent)
            if total > limit:
                return total
    else:
        for item in value:
            total += overhead + _size(item, limit, depth + 1, seen, json, indent)
            if total > limit:
                return total
    seen[id(value)] = total
    return total


def format_size(template: str | bytes, args: Any, limit: int) -> int:
    """An upper bound of the length of `template % args`.

    Raises:
        SecurityError: a `*` width or precision (taken from the arguments) is used.
        InternalsRefused: an argument printed with %s or %r is not data.
    """
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    positional = args if isinstance(args, tuple) else (args,)
    index = 0
    total = len(text)
    for spec in _FORMAT_SPEC.finditer(text):
        width, precision, conversion = spec["width"], spec["precision"], spec["conversion"]
        if "*" in (width, precision):
            raise SecurityError("'*' widths are not allowed in % formatting")
        if conversion == "%" or conversion is None:
            continue
        if spec["key"] is not None and isinstance(args, Mapping):
            value = args.get(spec["key"])
        else:
            value = positional[index] if index < len(positional) else None
            index += 1
        if len(width or "") > 9 or len(precision or "") > 9:
            return limit + 1
        size = _converted_size(value, conversion, int(precision or 0), limit)
        total += max(int(width or 0), size)
        if total > limit:
            break
    return total


def _converted_size(value: Any, conversion: str, precision: int, limit: int) -> int:
    if conversion in "sra":
        return (
            text_size(value, limit) if conversion == "s" else _size(value, limit, 0, {}, False, 1)
        )
    if conversion in "eEfFgG%":
        return _FLOAT_DIGITS + precision
    if isinstance(value, int):
        return max(int(value.bit_length() * _LOG10_2) + 3, precision + 3)
    return _FLOAT_DIGITS + precision


def check_binop(operator: str, left: Any, right: Any, budget: RenderBudget) -> None:
    """Refuse `left <operator> right` when its result would be over a limit."""
    limits = budget.limits
    if operator == "*":
        if isinstance(left, int) and isinstance(right, int):
            budget.check_int_bits(left.bit_length() + right.bit_length(), "the product")
        elif isinstance(left, _SEQUENCES) and isinstance(right, int):
            budget.check_size(len(left) * right, f"a {type(left).__name__} times {right}")
        elif isinstance(right, _SEQUENCES) and isinstance(left, int):
            budget.check_size(len(right) * left, f"a {type(right).__name__} times {left}")
    elif operator == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            budget.check_size(len(left) + len(right), f"a {type(left).__name__} + ...")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            budget.check_int_bits(right * math.log2(abs(left)), "the power")
    elif operator == "%" and isinstance(left, str | bytes):
        size = format_size(left, right, limits.max_output_chars)
        budget.check_size(size, "the % formatted text")


def check_method_call(method: Any, args: tuple[Any, ...], budget: RenderBudget) -> tuple[Any, ...]:
    """Check a call of a `str`, `bytes` or `int` method that can build a large result.

    Returns:
        The arguments to call it with (`join` gets its items as a list, measured).
    """
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if isinstance(owner, int) and not isinstance(owner, bool) and name == "to_bytes":
        length = args[0] if args else 1
        if isinstance(length, int):
            budget.check_size(length, f"to_bytes({length})")
        return args
    if not isinstance(owner, str | bytes) or not args:
        return args
    if name in ("center", "ljust", "rjust", "zfill") and isinstance(args[0], int):
        budget.check_size(args[0], f"{name}({args[0]})")
    elif name == "expandtabs" and isinstance(args[0], int):
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        budget.check_size(len(owner) + tabs * args[0], f"expandtabs({args[0]})")
    elif name == "replace" and len(args) >= 2:
        budget.check_size(replaced_size(owner, *args[:3]), "the replaced text")
    elif name == "join":
        items = list(args[0])
        size = sum(len(item) for item in items if isinstance(item, str | bytes))
        budget.check_size(size + len(owner) * max(len(items) - 1, 0), "the joined text")
        return (items, *args[1:])
    elif name == "translate" and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        budget.check_size(len(owner) * max(longest, 1), "the translated text")
    return args


def replaced_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    """An upper bound of the length of `text.replace(old, new, count)`."""
    kind = str if isinstance(text, str) else bytes
    if not (isinstance(old, kind) and isinstance(new, kind)):
        return len(text)  # Python refuses mixed types itself
    if len(new) <= len(old):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))
