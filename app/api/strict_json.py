"""Request bodies are parsed as strict JSON: `NaN`, `Infinity`, deep nesting and lone
surrogates are refused (400).

Python's json module accepts non-finite numbers, but they are not JSON: PostgreSQL rejects
them in JSON columns and responses could not be encoded, so they must never get past the edge.
Python's parser also accepts nesting ~1000 levels deep, far past what the recursive code
behind it (validation, expressions, pydantic serialization) can walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

MAX_JSON_DEPTH = 64
# Escapes like "\ud800" parse to strings UTF-8 cannot encode: the database and the response
# encoder would both fail on them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _flaw(value: Any) -> str | None:
    """Why a parsed body must be refused, or None (iterative: it must not recurse itself)."""
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
            if level >= MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            stack.extend((child, level + 1) for child in item)
    return None


class StrictJSONRequest(Request):
    """A request whose `json()` refuses non-finite numbers, deep nesting and lone surrogates."""

    async def json(self) -> Any:
        """The parsed body; raises `json.JSONDecodeError` on anything `_flaw` refuses too."""
        if not hasattr(self, "_json"):
            body = json.loads(await self.body(), parse_constant=_refuse_constant)
            flaw = _flaw(body)
            if flaw is not None:
                raise json.JSONDecodeError(flaw, "", 0)
            self._json = body
        return self._json


class StrictJSONRoute(APIRoute):
    """Route class that hands endpoints a `StrictJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so body parsing goes through `StrictJSONRequest.json`."""
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
