"""Checks on the shape of JSON values that the rest of the code cannot safely walk or store.

Python's json module accepts nesting ~1000 levels deep, escapes like "\\ud800", `NaN`,
`1e999` (read as infinity) and integers of any size, but the recursive code behind it
(validation, expressions, pydantic serialisation) gives out near 250 levels, lone surrogates
cannot be encoded as UTF-8 by the database or a response, non-finite numbers are not JSON,
and SQLite stores a bare integer outside the 64-bit range as a lossy REAL.

Every check here is iterative on purpose: it must not recurse on the very values it guards.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

MAX_JSON_DEPTH = 64
# Integers are kept exact within the signed 64-bit range (what both databases store as an
# integer); beyond it SQLite would round them to a float, so they are refused instead.
MAX_JSON_INT = 2**63 - 1
DEPTH_MARKER = f"[truncated: nested deeper than {MAX_JSON_DEPTH} levels]"
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRING_LITERAL = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_SCALARS = (bool, type(None))


def _scalar_flaw(item: Any) -> str | None:
    if isinstance(item, str):
        if _SURROGATE.search(item):
            return "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
        return None
    if isinstance(item, _SCALARS):
        return None
    if isinstance(item, int):
        if -MAX_JSON_INT - 1 <= item <= MAX_JSON_INT:
            return None
        return "an integer is outside the 64-bit range (-2**63 .. 2**63-1)"
    if isinstance(item, float):
        return None if math.isfinite(item) else "a number is not finite (NaN or Infinity)"
    return f"a value of type {type(item).__name__} is not JSON"


def json_flaw(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON value must be refused, or None when it is fine.

    Args:
        value: a JSON-like value (dicts with string keys, lists or tuples, strings,
            numbers, booleans, None).
        max_depth: the deepest nesting of objects and arrays allowed.

    Returns:
        A short reason ("nested deeper than 64 levels", "a number is not finite (NaN or
        Infinity)", "a string holds a lone UTF-16 surrogate ...", "a value of type set is
        not JSON", ...), or None.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            if any(not isinstance(key, str) for key in item):
                return "an object has a key that is not a string"
            item = [*item.keys(), *item.values()]
        elif isinstance(item, tuple):
            item = list(item)
        if isinstance(item, list):
            if level >= max_depth:
                return f"nested deeper than {max_depth} levels"
            stack.extend((child, level + 1) for child in item)
            continue
        flaw = _scalar_flaw(item)
        if flaw is not None:
            return flaw
    return None


def json_text_flaw(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why JSON text (as `json.dumps(..., ensure_ascii=False)` writes it) must be refused:
    lone surrogates or nesting deeper than `max_depth`; None when it is fine.

    Regular expressions (C code) instead of a walk in Python: checking a large node output
    costs about as much as serialising it once.
    """
    if _SURROGATE.search(text):
        return "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
    if json_text_depth_exceeds(text, max_depth=max_depth):
        return f"nested deeper than {max_depth} levels"
    return None


def json_text_depth_exceeds(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether the objects and arrays of JSON text nest deeper than `max_depth` levels."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    brackets = _NOT_A_BRACKET.sub("", _STRING_LITERAL.sub("", text))
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        if depth > max_depth:
            return True
    return False


def _find(value: Any, wanted: Callable[[Any, int], bool]) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if wanted(item, level):
            return True
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((child, level + 1) for child in item)
    return False


def _rebuild(value: Any, replace: Callable[[Any, int], Any]) -> Any:
    """A copy of the value where `replace(item, level)` decides each item: it returns the
    item itself to keep (and descend into) it, anything else to put in its place."""
    root: list[Any] = [None]
    # (source item, level, target container, key in target)
    stack: list[tuple[Any, int, Any, Any]] = [(value, 0, root, 0)]
    while stack:
        item, level, target, key = stack.pop()
        replacement = replace(item, level)
        if replacement is not item or not isinstance(item, dict | list | tuple):
            target[key] = replacement
            continue
        copy: Any = dict.fromkeys(item) if isinstance(item, dict) else [None] * len(item)
        target[key] = copy
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        stack.extend((child, level + 1, copy, child_key) for child_key, child in pairs)
    return root[0]


def _too_deep(max_depth: int) -> Callable[[Any, int], bool]:
    return lambda item, level: isinstance(item, dict | list | tuple) and level >= max_depth


def _non_finite(item: Any, level: int) -> bool:
    return isinstance(item, float) and not math.isfinite(item)


def clip_depth(value: Any, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The value with every object or array nested deeper than `max_depth` levels
    replaced by `DEPTH_MARKER`; the value itself when nothing is that deep.

    For reading values stored before depth was checked on write: they must still serialise.
    """
    too_deep = _too_deep(max_depth)
    if not _find(value, too_deep):
        return value
    return _rebuild(value, lambda item, level: DEPTH_MARKER if too_deep(item, level) else item)


def null_non_finite(value: Any) -> Any:
    """The value with NaN and ±Infinity replaced by None; the value itself when it has none."""
    if not _find(value, _non_finite):
        return value
    return _rebuild(value, lambda item, level: None if _non_finite(item, level) else item)
