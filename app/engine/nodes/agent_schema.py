"""JSON schemas of agent nodes: nothing fetched, nothing read, no pattern that can freeze us.

- References resolve only inside the schema: a `$ref` that does not start with `#` is refused
  when the node is configured, and validation uses a `referencing` registry whose retrieval
  refuses everything, so no URL is fetched and no file is read even if one slips through.
- Patterns (`pattern` and the keys of `patternProperties`) are refused when configured if
  they are too large for `regex` to compile safely or have a catastrophic backtracking shape
  (see `schema_patterns`); every match then runs in the `regex` engine under one time budget
  per validation, so any other slow pattern ends with a clear error instead of a frozen
  server.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import regex
from jsonschema import Draft202012Validator, SchemaError, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from app.engine.nodes.schema_patterns import check_pattern, shortened_repr, size_problem

PATTERN_BUDGET_S = 0.5
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
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


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a schema that is invalid, refers outside itself or has a dangerous pattern.

    Raises:
        ValueError: with a message saying what is wrong.
    """
    # Patterns first: the metaschema's "regex" format compiles them with `re` (which
    # recurses once per nested group), and nothing may reach `regex` unbounded.
    for pattern in _patterns(schema):
        check_pattern(pattern)
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


def _search(pattern: str, text: str) -> bool:
    """`re.search` semantics in the `regex` engine, within the validation's time budget
    (the GIL is released while matching, so other threads and the event loop go on).

    The pattern is bounded before `regex` compiles it, as at config time: a schema stored
    before the bounds existed skipped that check.
    """
    problem = size_problem(pattern)
    if problem is not None:
        raise SchemaCheckFailed(
            f"the JSON schema's pattern {shortened_repr(pattern)} cannot be used: {problem}"
        )
    remaining = _deadline.get() - time.monotonic()
    try:
        if remaining <= 0:
            raise TimeoutError
        return regex.search(pattern, text, timeout=remaining, concurrent=True) is not None
    except TimeoutError:
        raise SchemaCheckFailed(
            f"the JSON schema's pattern {shortened_repr(pattern)} took longer than "
            f"{PATTERN_BUDGET_S:g} s to match the answer; simplify the pattern"
        ) from None
    except (regex.error, RecursionError, MemoryError, OverflowError) as exc:
        raise SchemaCheckFailed(
            f"the JSON schema's pattern {shortened_repr(pattern)} cannot be used: {exc}"
        ) from None


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(
            f"{shortened_repr(instance)} does not match {shortened_repr(pattern)}"
        )


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
        shown = ", ".join(shortened_repr(str(extra)) for extra in sorted(extras, key=str)[:10])
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
