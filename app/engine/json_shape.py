"""Checks on the shape of JSON values that the rest of the code cannot safely walk.

Python's json module accepts nesting ~1000 levels deep and escapes like "\\ud800", but the
recursive code behind it (validation, expressions, pydantic serialisation) gives out near
250 levels, and lone surrogates cannot be encoded as UTF-8 by the database or a response.
"""

from __future__ import annotations

import re
from typing import Any

MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_flaw(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON value must be refused, or None when it is fine.

    Iterative on purpose: it must not recurse on the very values it guards against.

    Args:
        value: a parsed JSON value (dicts, lists, strings, numbers, booleans, None).
        max_depth: the deepest nesting of objects and arrays allowed.

    Returns:
        A short reason ("nested deeper than 64 levels", "a string holds a lone UTF-16
        surrogate ..."), or None.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
            continue
        if isinstance(item, dict):
            item = [*item.keys(), *item.values()]
        if isinstance(item, list):
            if level >= max_depth:
                return f"nested deeper than {max_depth} levels"
            stack.extend((child, level + 1) for child in item)
    return None
