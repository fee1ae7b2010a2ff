"""Which regular expressions a JSON schema may use: small, shallow, and without a
catastrophic backtracking shape.

The `regex` engine expands counted repeats when it compiles: `(?:a{65535}b){200}` took more
than 1.4 GB and `'a{65535}' * 20` a second holding the GIL. So every pattern is bounded
before `regex` sees it: its length and how deep its groups nest (read from its text), then
its size with every counted repeat written out, on the tree of Python's own parser (which
keeps repeats as counts and parses such patterns in well under a millisecond). Only a
pattern within those bounds and without a catastrophic shape (`(a+)+`, `(a|aa)+`) is ever
given to `regex`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex

MAX_PATTERN_CHARS = 1_000
MAX_PATTERN_DEPTH = 32
MAX_PATTERN_SIZE = 10_000
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT}
_OVERLAPS_ANYTHING = object()
_SHOWN_CHARS = 120


class _TooLarge(Exception):
    """A parsed pattern writes out to more than `MAX_PATTERN_SIZE` elements."""


def shortened_repr(value: str) -> str:
    """`value` as quoted in an error message, cut after `_SHOWN_CHARS` characters."""
    return repr(value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…")


def _children(op: Any, arg: Any) -> list[Any]:
    """The bodies nested in one element of a parsed pattern."""
    if op is sre_parse.SUBPATTERN:
        return [arg[-1]]
    if op is sre_parse.BRANCH:
        return list(arg[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [arg[1]]
    if op is sre_parse.ATOMIC_GROUP:
        return [arg]
    if op is sre_parse.GROUPREF_EXISTS:
        return [body for body in arg[1:] if body is not None]
    return []


def _nesting_depth(pattern: str) -> int:
    """How deep the groups of `pattern` nest, read from its text: Python's parser keeps no
    trace of a plain `(?:...)`, but both parsers recurse once per level of it."""
    depth = deepest = 0
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            next(chars, None)
        elif char == "[":
            _skip_class(chars)
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _skip_class(chars: Iterator[str]) -> None:
    """Consume a character class up to its closing `]` (a `]` first in it is a literal)."""
    first = next(chars, "]")
    if first == "^":
        first = next(chars, "]")
    char = "" if first == "]" else first
    while char != "]":
        if char == "\\":
            next(chars, None)
        char = next(chars, "]")


def _expanded_size(items: Any) -> int:
    """How many elements `items` has with every counted repeat written out, as `regex`
    compiles it (`a{3}` is 3; an open repeat `a{5,}` counts its minimum).

    Raises:
        _TooLarge: the size passes `MAX_PATTERN_SIZE` (the walk stops there, so a huge
            product is never summed).
    """
    size = 0
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            count = low if high == sre_parse.MAXREPEAT else high
            size += max(count, 1) * _expanded_size(body)
        else:
            size += 1 + sum(_expanded_size(body) for body in _children(op, arg))
        if size > MAX_PATTERN_SIZE:
            raise _TooLarge(
                f"its counted repeats write out to more than {MAX_PATTERN_SIZE:,} elements "
                "(like a{65535}); bound a string's length with minLength/maxLength instead"
            )
    return size


def size_problem(pattern: str) -> str | None:
    """Why `pattern` is too long, too deep or too large to give to `regex`, or None.

    Cheap (Python's parser only, never `regex`), so it runs before every compile, also for
    schemas stored before the bounds existed.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"it is {len(pattern):,} characters long, more than {MAX_PATTERN_CHARS:,}"
    return _parsed_size_problem(pattern)


# Cached only for patterns within the length bound: 512 of at most 1,000 characters each.
@functools.lru_cache(maxsize=512)
def _parsed_size_problem(pattern: str) -> str | None:
    if _nesting_depth(pattern) > MAX_PATTERN_DEPTH:
        return f"its groups nest more than {MAX_PATTERN_DEPTH} deep"
    try:
        _expanded_size(sre_parse.parse(pattern))
    except re.error as exc:
        return f"it is not a valid regular expression: {exc}"
    except _TooLarge as exc:
        return str(exc)
    return None


def _first_chars(items: Any) -> set[int] | object:
    """The characters a parsed pattern can start with: a set of code points when it starts
    with a literal, else a marker that it may overlap with anything."""
    for op, arg in items:
        if op is sre_parse.LITERAL:
            return {arg}
        if op is sre_parse.SUBPATTERN:
            return _first_chars(arg[-1])
        if op is sre_parse.AT:
            continue
        return _OVERLAPS_ANYTHING
    return _OVERLAPS_ANYTHING  # an empty branch matches anywhere


def _branches_overlap(branches: list[Any]) -> bool:
    seen: set[int] = set()
    for branch in branches:
        first = _first_chars(branch)
        if not isinstance(first, set) or first & seen:
            return True
        seen |= first
    return False


def _sequence(items: Any) -> Iterator[tuple[Any, Any]]:
    """The elements of a body in order, looking through groups (`(a|aa)` parses as `a` then
    the alternation `(|a)`)."""
    for op, arg in items:
        if op is sre_parse.SUBPATTERN:
            yield from _sequence(arg[-1])
        else:
            yield op, arg


def _only_item(items: Any) -> tuple[Any, Any] | None:
    """The single element of a body, looking through groups; None when there are several."""
    while len(items) == 1:
        op, arg = items[0]
        if op is not sre_parse.SUBPATTERN:
            return op, arg
        items = arg[-1]
    return None


def _catastrophic(items: Any) -> str | None:
    """Why a parsed pattern can backtrack catastrophically, or None."""
    for op, arg in items:
        if op in _REPEATS:
            high, body = arg[1], arg[2]
            if high > 1:
                only = _only_item(body)
                if only is not None and only[0] in _REPEATS and only[1][1] > 1:
                    return "a quantifier applied to a quantified group, like (a+)+"
                if any(
                    kind is sre_parse.BRANCH and _branches_overlap(value[1])
                    for kind, value in _sequence(body)
                ):
                    return "a quantified alternation whose branches can start alike, like (a|aa)+"
            reason = _catastrophic(body)
        elif op is sre_parse.SUBPATTERN:
            reason = _catastrophic(arg[-1])
        elif op is sre_parse.BRANCH:
            reason = next(filter(None, map(_catastrophic, arg[1])), None)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            reason = _catastrophic(arg[1])
        else:
            reason = None
        if reason is not None:
            return reason
    return None


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that is too large for `regex`, can backtrack catastrophically, or
    that `regex` cannot compile; in that order, so `regex` only ever sees a bounded pattern.

    Raises:
        ValueError: with a message saying what is wrong.
    """
    problem = size_problem(pattern)
    if problem is not None:
        raise ValueError(f"pattern {shortened_repr(pattern)} cannot be used: {problem}")
    reason = _catastrophic(sre_parse.parse(pattern))
    if reason is not None:
        raise ValueError(
            f"pattern {shortened_repr(pattern)} can take exponential time ({reason}); "
            "rewrite it, e.g. with a character class such as [a-z]+"
        )
    try:
        regex.compile(pattern)
    except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
        raise ValueError(
            f"pattern {shortened_repr(pattern)} is not a valid regular expression: {exc}"
        ) from None
