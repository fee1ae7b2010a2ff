"""The plain-httpx transport reads an error answer only as far as its message: a real
listener on 127.0.0.1 answers 500 with a body that never ends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from app.llm.deployments import Deployment, Provider
from app.llm.errors import ProviderError
from app.llm.transport_http import call_openai_compatible
from app.llm.types import LLMRequest, Outcome


class _EndlessError(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(500)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"INTERNAL-ONLY-DATA " * 500
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            return  # the client stopped reading and closed the connection


@contextmanager
def endless_error_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EndlessError)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("stream", [False, True])
async def test_an_endless_error_body_is_read_only_as_far_as_the_message(stream: bool) -> None:
    """Before, a non-streaming call read the whole error body: this one never ends, so the
    call only stopped at its deadline, with a timeout instead of the server's error."""
    with endless_error_server() as port:
        target = Deployment(
            name="openai_compatible/llama3",
            provider=Provider.OPENAI_COMPATIBLE,
            model="llama3",
            api_base=f"http://127.0.0.1:{port}/v1",
        )
        request = LLMRequest.from_prompt("hi", model=target.name, stream=stream)
        async with httpx.AsyncClient(trust_env=False) as client, asyncio.timeout(10):
            with pytest.raises(ProviderError) as caught:
                await call_openai_compatible(client, target, request)
    assert caught.value.outcome is Outcome.SERVER_ERROR
    assert "INTERNAL-ONLY-DATA" in str(caught.value)
