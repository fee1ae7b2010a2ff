"""Request bodies larger than a limit are refused with 413 before they are read whole.

A declared `Content-Length` over the limit is answered at once, without reading the body;
a body sent without one (chunked) is counted as it streams and refused as soon as it passes
the limit. The limit is `FLOWBOOK_MAX_BODY_BYTES` (default 5 MB: a workflow document, the
largest body the API takes). Only `/api` paths are limited; under Reflex the same app serves
the web app, whose routes are not ours to bound.
"""

from __future__ import annotations

import os

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.schemas import ErrorResponse

MAX_BODY_BYTES_ENV = "FLOWBOOK_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024


def configured_max_body_bytes() -> int:
    """The body limit from `FLOWBOOK_MAX_BODY_BYTES`, else 5 MB."""
    raw = os.environ.get(MAX_BODY_BYTES_ENV, "").strip()
    return int(raw) if raw else DEFAULT_MAX_BODY_BYTES


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (an HTTPException, so
    FastAPI's body reading passes it on and the error handlers answer 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body larger than {limit} bytes")


class BodyLimitMiddleware:
    """ASGI middleware refusing `/api` request bodies over a byte limit (413, JSON)."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 on a declared length over the limit; else count what streams in."""
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes if self.max_bytes is not None else configured_max_body_bytes()
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = ErrorResponse(detail=f"Request body larger than {limit} bytes").model_dump_json()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
