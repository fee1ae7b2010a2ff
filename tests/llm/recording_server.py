"""A real HTTP listener on 127.0.0.1 that records every request and answers as told.

It stands for whatever a provider's base URL might be pointed at (an internal service, a
metadata endpoint, a local model server): tests look at what reached it, headers included.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

INTERNAL_BODY = "INTERNAL-ONLY-DATA: " + "db-password=hunter2; " * 400


@dataclass
class Seen:
    """One request as the listener received it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Recorder:
    """What the listener answers and what it received."""

    status: int = 500
    body: str = INTERNAL_BODY
    location: str | None = None
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def base(self, host: str = "127.0.0.1") -> str:
        """The OpenAI-style base URL of this listener under `host`."""
        return f"http://{host}:{self.port}/v1"


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            recorder.seen.append(Seen(self.command, self.path, headers))
            body = recorder.body.encode()
            self.send_response(recorder.status)
            if recorder.location:
                self.send_header("Location", recorder.location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer
        do_POST = _answer

    return Handler


@contextmanager
def recording_server(**answer: Any) -> Iterator[Recorder]:
    """Serve a `Recorder(**answer)` on a free port of 127.0.0.1 while the block runs."""
    recorder = Recorder(**answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    server.daemon_threads = True
    recorder.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
