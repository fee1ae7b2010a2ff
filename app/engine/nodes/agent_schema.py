"""JSON schemas of agent nodes: nothing fetched, nothing read, no pattern that can freeze us.

- References resolve only inside the schema: a `$ref` that does not start with `#` is refused
  when the node is configured, and validation uses a `referencing` registry whose retrieval
  refuses everything, so no URL is fetched and no file is read even if one slips through.
- Patterns (`pattern` and the keys of `patternProperties`) are refused when configured if
  they have a catastrophic backtracking shape (a quantified group that is itself only a
  quantifier, `(a+)+`, `(a*)*`, or that alternates between branches able to start alike,
  `(a|aa)+`); every match then runs in the `regex` engine under one time budget per
  validation, so any other slow pattern ends with a clear error instead of a frozen server.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex
from jsonschema import Draft202012Validator, SchemaError, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

PATTERN_BUDGET_S = 0.5
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT}
_OVERLAPS_ANYTHING = object()
_SHOWN_CHARS = 120
_deadline: ContextVar[float] = ContextVar("flowbook_schema_pattern_deadline", default=0.0)


class SchemaCheckFailed(Exception):
    """Validation could not finish: a pattern used up the time budget, or a reference
    points outside the schema."""


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


# No retrieval at all: every reference outside the schema is unresolvable.
NO_RETRIEVAL: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object inside a schema (the schema itself first)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _patterns(schema: dict[str, Any]) -> Iterator[str]:
    for part in _walk(schema):
        if isinstance(part.get("pattern"), str):
            yield part["pattern"]
        if isinstance(part.get("patternProperties"), dict):
            yield from part["patternProperties"]


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


def _check_pattern(pattern: str) -> None:
    try:
        parsed = sre_parse.parse(pattern)
        regex.compile(pattern)
    except (re.error, regex.error) as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc
    reason = _catastrophic(parsed)
    if reason is not None:
        raise ValueError(
            f"pattern {pattern!r} can take exponential time ({reason}); "
            "rewrite it, e.g. with a character class such as [a-z]+"
        )


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a schema that is invalid, refers outside itself or has a dangerous pattern.

    Raises:
        ValueError: with a message saying what is wrong.
    """
    try:
        validators.validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        raise ValueError(f"invalid JSON schema: {exc.message}") from exc
    for part in _walk(schema):
        for keyword in _REF_KEYWORDS:
            target = part.get(keyword)
            if isinstance(target, str) and not target.startswith("#"):
                raise ValueError(
                    f"JSON schema {keyword} {target!r} is not allowed: only references inside "
                    "the schema (starting with #) are resolved, nothing is fetched or read"
                )
    # unevaluatedProperties matches patternProperties with `re`, outside the time budget.
    parts = list(_walk(schema))
    if any("unevaluatedProperties" in part for part in parts) and any(
        "patternProperties" in part for part in parts
    ):
        raise ValueError("JSON schema: patternProperties cannot be used with unevaluatedProperties")
    for pattern in _patterns(schema):
        _check_pattern(pattern)


def _search(pattern: str, text: str) -> bool:
    """`re.search` semantics in the `regex` engine, within the validation's time budget
    (the GIL is released while matching, so other threads and the event loop go on)."""
    remaining = _deadline.get() - time.monotonic()
    try:
        if remaining <= 0:
            raise TimeoutError
        return regex.search(pattern, text, timeout=remaining, concurrent=True) is not None
    except TimeoutError:
        raise SchemaCheckFailed(
            f"the JSON schema's pattern {pattern!r} took longer than {PATTERN_BUDGET_S:g} s "
            "to match the answer; simplify the pattern"
        ) from None


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…")


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{_shown(instance)} does not match {pattern!r}")


def _pattern_properties(
    validator: Validator, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Validator, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in known and not any(_search(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        shown = ", ".join(_shown(str(extra)) for extra in sorted(extras, key=str)[:10])
        yield ValidationError(f"Additional properties are not allowed ({shown} unexpected)")


@functools.cache
def _guarded(validator_class: type[Validator]) -> type[Validator]:
    return validators.extend(
        validator_class,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )


def schema_errors(schema: dict[str, Any], value: Any) -> list[ValidationError]:
    """Every way `value` fails `schema`, in document order, with no reference retrieved and
    every pattern matched within `PATTERN_BUDGET_S` in all.

    Raises:
        SchemaCheckFailed: a pattern ran out of time, or a reference leads outside the schema.
    """
    validator_class = _guarded(validators.validator_for(schema, default=Draft202012Validator))
    validator = validator_class(schema, registry=NO_RETRIEVAL)
    token = _deadline.set(time.monotonic() + PATTERN_BUDGET_S)
    try:
        errors = list(validator.iter_errors(value))
    except Unresolvable as exc:
        raise SchemaCheckFailed(
            f"the JSON schema's reference {exc.ref!r} is not allowed: only references inside "
            "the schema are resolved"
        ) from None
    finally:
        _deadline.reset(token)
    return sorted(errors, key=lambda error: [str(part) for part in error.path])
