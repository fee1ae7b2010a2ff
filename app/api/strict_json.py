"""Request bodies are parsed as strict JSON: `NaN`, `Infinity`, deep nesting and lone
surrogates are refused (400).

Python's json module accepts non-finite numbers, but they are not JSON: PostgreSQL rejects
them in JSON columns and responses could not be encoded, so they must never get past the edge.
Python's parser also accepts nesting ~1000 levels deep, far past what the recursive code
behind it (validation, expressions, pydantic serialization) can walk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.engine.json_shape import json_flaw


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


class StrictJSONRequest(Request):
    """A request whose `json()` refuses non-finite numbers, deep nesting and lone surrogates."""

    async def json(self) -> Any:
        """The parsed body; raises `json.JSONDecodeError` on anything `json_flaw` refuses too."""
        if not hasattr(self, "_json"):
            body = json.loads(await self.body(), parse_constant=_refuse_constant)
            flaw = json_flaw(body)
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
