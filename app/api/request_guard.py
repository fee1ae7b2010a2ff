"""Cross-site requests that change something are refused before they reach a route.

A browser lets any web page send a form (`application/x-www-form-urlencoded`,
`multipart/form-data`, `text/plain`) or a body-less POST to our API with the user's cookies,
without asking CORS first. So, on `/api`, a request that can change something (POST, PUT,
PATCH, DELETE):
- carrying an `Origin` that is neither an allowed origin nor the API's own gets 403;
- carrying one of those form types gets 415 (the API takes JSON only).
Requests without an `Origin` (curl, scripts, same-origin GETs) are not cross-site.
Webhooks (`/api/hooks/...`) are exempt: they take any body from anyone, signed, no cookie.

Against DNS rebinding, any request to `/api` or to Reflex's `/_event` (its WebSocket) whose
`Host` is not one of `allowed_hosts()` is refused: 421 for HTTP, the WebSocket closed before
it opens (403). Requests without a Host (no browser sends one) pass.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.allowed_origins import allowed_hosts, allowed_origins, host_name
from app.api.schemas import ErrorResponse

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
# OAuth2's password flow is form-encoded by its specification; it sets no cookie.
FORM_PATHS = frozenset({"/api/auth/token"})
# Webhooks take calls from anywhere, any body; they use no cookie (a signature proves the
# sender), so a cross-site or form-encoded request gains nothing there.
SIGNED_PREFIXES = ("/api/hooks/",)
# Paths whose Host must be one of ours: the API and Reflex's event WebSocket.
HOST_CHECKED = ("/api/", "/_event")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _own_origin(scope: Scope) -> str:
    host = _header(scope, b"host")
    return f"{scope.get('scheme', 'http')}://{host}" if host else ""


class RequestGuardMiddleware:
    """ASGI middleware refusing foreign hosts (421, or the WebSocket closed) and cross-site
    and form-encoded changes to `/api` (403/415)."""

    def __init__(
        self,
        app: ASGIApp,
        origins: Callable[[], tuple[str, ...]] = allowed_origins,
        hosts: Callable[[], frozenset[str]] = allowed_hosts,
    ) -> None:
        self.app = app
        self.origins = origins
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on unless its Host is foreign or it is a cross-site or
        form-encoded change."""
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(HOST_CHECKED):
            host = _header(scope, b"host")
            if host and host_name(host) not in self.hosts():
                if scope["type"] == "websocket":
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await _refuse(send, 421, f"This server does not answer to {host[:100]}")
                return
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or not scope["path"].startswith("/api/")
            or scope["path"].startswith(SIGNED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin").rstrip("/")
        content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
        if origin and origin != _own_origin(scope) and origin not in self.origins():
            await _refuse(send, 403, f"Cross-origin request from {origin[:100]} refused")
        elif content_type in FORM_TYPES and scope["path"] not in FORM_PATHS:
            await _refuse(send, 415, "The API takes JSON bodies (Content-Type: application/json)")
        else:
            await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = ErrorResponse(detail=detail).model_dump_json().encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
