"""Fixtures for node tests: a node context factory and a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.engine.context import NodeContext, RunServices
from app.engine.spec import NodeSpec

ContextFactory = Callable[..., NodeContext]


@pytest.fixture
def make_ctx() -> ContextFactory:
    """Build a NodeContext for calling a node's run function directly."""

    def factory(
        *, trigger: Any = None, services: RunServices | None = None, node_type: str = "test"
    ) -> NodeContext:
        return NodeContext(
            node=NodeSpec(id="n1", type=node_type),
            execution_id=None,
            trigger=trigger,
            outputs={},
            variables={},
            services=services or RunServices(),
        )

    return factory


class _Handler(BaseHTTPRequestHandler):
    """Routes: /json, /echo, /headers (every request header, names lower-cased),
    /status/<code>, /redirect?to=<url>&code=<code>, /big, /big-unsized, /slow, /text."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _send(self, status: int, body: bytes, content_type: str, sized: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if sized:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _route(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if parts.path == "/json":
            self._json(200, {"hello": "world", "items": [1, 2, 3]})
        elif parts.path == "/echo":
            self._json(
                200,
                {
                    "method": self.command,
                    "body": body,
                    "content_type": self.headers.get("Content-Type"),
                    "host": self.headers.get("Host"),
                    "query": {key: values[0] for key, values in query.items()},
                    "x_token": self.headers.get("X-Token"),
                },
            )
        elif parts.path == "/headers":
            self._json(200, {name.lower(): value for name, value in self.headers.items()})
        elif parts.path.startswith("/status/"):
            self._send(int(parts.path.rsplit("/", 1)[1]), b"nope", "text/plain")
        elif parts.path == "/redirect":
            self.send_response(int(query.get("code", ["302"])[0]))
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/big":
            self._send(200, b"x" * 5000, "text/plain")
        elif parts.path == "/big-unsized":
            self._send(200, b"x" * 50_000, "text/plain", sized=False)
        elif parts.path == "/slow":
            time.sleep(2)
            self._send(200, b"late", "text/plain")
        else:
            self._send(200, "héllo".encode(), "text/plain; charset=utf-8")

    do_GET = _route
    do_POST = _route
    do_PUT = _route


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
