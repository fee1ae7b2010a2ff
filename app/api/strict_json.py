"""Request bodies are parsed as strict JSON: `NaN` and `Infinity` are refused (400).

Python's json module accepts them, but they are not JSON: PostgreSQL rejects them in JSON
columns and responses could not be encoded, so they must never get past the edge.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


class StrictJSONRequest(Request):
    """A request whose `json()` refuses non-finite numbers."""

    async def json(self) -> Any:
        """The parsed body; raises `json.JSONDecodeError` on invalid or non-finite JSON."""
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_constant=_refuse_constant)
        return self._json


class StrictJSONRoute(APIRoute):
    """Route class that hands endpoints a `StrictJSONRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so body parsing goes through `StrictJSONRequest.json`."""
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
