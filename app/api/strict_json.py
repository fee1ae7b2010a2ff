"""Request bodies are parsed as strict JSON: `NaN`, `Infinity`, numbers that overflow to
infinity (`1e999`), numbers outside ±2**63 (integers must fit 64 bits), deep nesting and lone
surrogates are refused (400).

Python's json module accepts non-finite numbers, but they are not JSON: PostgreSQL rejects
them in JSON columns and responses could not be encoded, so they must never get past the edge.
Python's parser also accepts nesting ~1000 levels deep, far past what the recursive code
behind it (validation, expressions, pydantic serialization) can walk.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.engine.json_shape import json_flaw

# Request bodies keep every number within ±2**63: integers must be exact 64-bit values (the
# databases' integer range), and a float beyond that is refused like the integer it equals
# (JSON does not tell 1e30 and 1000000000000000000000000000000 apart).
MAX_REQUEST_NUMBER = 2.0**63
# Longer digit strings are refused before Python converts them (it gives up past 4300
# digits with a ValueError, and anything this long is outside the 64-bit range anyway).
_MAX_INT_DIGITS = 20


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise json.JSONDecodeError("a number is not finite (it overflows to infinity)", text, 0)
    if abs(number) > MAX_REQUEST_NUMBER:
        raise json.JSONDecodeError("a number is outside the range ±2**63", text, 0)
    return number


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise json.JSONDecodeError("an integer is outside the 64-bit range", text, 0)
    return int(text)


def parse_strict_json(body: bytes | str) -> Any:
    """Parse JSON text, refusing everything `json_flaw` refuses.

    Raises:
        json.JSONDecodeError: malformed or refused, with the reason as its message.
    """
    value = json.loads(
        body, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float
    )
    flaw = json_flaw(value)
    if flaw is not None:
        raise json.JSONDecodeError(flaw, "", 0)
    return value


class StrictJSONRequest(Request):
    """A request whose `json()` refuses non-finite numbers, deep nesting and lone surrogates."""

    async def json(self) -> Any:
        """The parsed body; raises `json.JSONDecodeError` on anything `json_flaw` refuses too."""
        if not hasattr(self, "_json"):
            self._json = parse_strict_json(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """Route class that hands endpoints a `StrictJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so body parsing goes through `StrictJSONRequest.json`."""
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
