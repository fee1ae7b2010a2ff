"""Webhook payload mapping: a JMESPath expression turns a request into a workflow's input.

The expression is evaluated over `{"body": ..., "headers": {...}, "query": {...}}` (header
names in lower case; a query parameter given several times is a list). No mapping passes the
body on as it came. Compiled expressions are cached, so a webhook's mapping is parsed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from app.models.webhook import MAPPING_MAX
from app.services.errors import InvalidInputError

_COMPILED_CACHE = 512


@lru_cache(maxsize=_COMPILED_CACHE)
def compile_mapping(mapping: str) -> ParsedResult:
    """The compiled JMESPath expression `mapping`.

    Raises:
        InvalidInputError: it is too long, empty, or not a JMESPath expression (the parser's
            message says where).
    """
    if not mapping.strip():
        raise InvalidInputError(
            "A mapping is a JMESPath expression (leave it out to pass the body)"
        )
    if len(mapping) > MAPPING_MAX:
        raise InvalidInputError(f"A mapping is at most {MAPPING_MAX} characters")
    try:
        return jmespath.compile(mapping)
    except JMESPathError as exc:
        raise InvalidInputError(f"The mapping is not a JMESPath expression: {exc}") from exc


def mapping_source(
    body: Any, headers: Mapping[str, str], query: Mapping[str, Any]
) -> dict[str, Any]:
    """What a mapping sees of a request: its body, headers (lower-case names) and query."""
    return {
        "body": body,
        "headers": {name.lower(): value for name, value in headers.items()},
        "query": dict(query),
    }


def map_input(mapping: str | None, source: Mapping[str, Any]) -> Any:
    """The workflow input of a request (`mapping_source`): the mapping's result, or the body.

    Raises:
        InvalidInputError: the mapping does not compile, or fails on this request (e.g. a
            function given the wrong type).
    """
    if mapping is None:
        return source.get("body")
    compiled = compile_mapping(mapping)
    try:
        return compiled.search(dict(source))
    except JMESPathError as exc:
        raise InvalidInputError(f"The mapping failed on this request: {exc}") from exc


def preview_mapping(mapping: str | None, sample: Mapping[str, Any]) -> Any:
    """The input `mapping` makes of a sample request (for the webhook's test panel).

    Args:
        mapping: a JMESPath expression, or None (the body).
        sample: `{"body": ..., "headers": {...}, "query": {...}}`; missing parts are empty,
            header names are compared in lower case.

    Raises:
        InvalidInputError: the sample is not such an object, or the mapping does not compile
            or fails on it.
    """
    headers = sample.get("headers") or {}
    query = sample.get("query") or {}
    if not isinstance(headers, Mapping) or not isinstance(query, Mapping):
        raise InvalidInputError("A sample's headers and query are objects")
    source = mapping_source(sample.get("body"), {str(k): v for k, v in headers.items()}, query)
    return map_input(mapping, source)
