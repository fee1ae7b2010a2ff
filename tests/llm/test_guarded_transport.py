"""The guarded transport's per-origin pools: least recently used evicted first, an evicted
pool closed only when its requests are done, and no pool left open behind the cache.
A real keep-alive HTTP/1.1 listener on 127.0.0.1, reached under several names."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.engine.context import HttpPolicy
from app.llm.guarded_transport import GuardedTransport, guarded_client

HALF = b"x" * 1000


@dataclass
class KeepAliveServer:
    """What the listener saw: the client port of each request by Host, the connections
    still open, and an event that lets `/stream` send the second half of its body."""

    port: int = 0
    client_ports: dict[str, list[int]] = field(default_factory=dict)
    open_connections: int = 0
    finish_stream: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, name: str, path: str = "/ok") -> str:
        return f"http://{name}:{self.port}{path}"


def _handler(server: KeepAliveServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def setup(self) -> None:
            super().setup()
            with server.lock:
                server.open_connections += 1

        def finish(self) -> None:
            super().finish()
            with server.lock:
                server.open_connections -= 1

        def do_GET(self) -> None:
            host = self.headers["Host"].split(":")[0]
            server.client_ports.setdefault(host, []).append(self.client_address[1])
            streaming = self.path == "/stream"
            self.send_response(200)
            self.send_header("Content-Length", str(2 * len(HALF) if streaming else 2))
            self.end_headers()
            if not streaming:
                self.wfile.write(b"ok")
                return
            self.wfile.write(HALF)
            self.wfile.flush()
            server.finish_stream.wait(10)
            self.wfile.write(HALF)

    return Handler


@contextmanager
def keep_alive_server() -> Iterator[KeepAliveServer]:
    state = KeepAliveServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.finish_stream.set()
        server.shutdown()
        server.server_close()


async def to_loopback(host: str, port: int) -> list[str]:
    """DNS where every name points at 127.0.0.1."""
    return ["127.0.0.1"]


def transport_for(server: KeepAliveServer, max_origins: int) -> GuardedTransport:
    names = ("a.test", "b.test", "c.test", "d.test")
    allowed = tuple(f"{name}:{server.port}" for name in names)
    return GuardedTransport(
        lambda: HttpPolicy(allowlist=allowed), resolver=to_loopback, max_origins=max_origins
    )


async def test_a_streaming_answer_survives_its_pool_being_evicted() -> None:
    """Review of issue 8: with two pools, opening B and C closed A's pool under a streaming
    request, which then failed with ReadError."""
    with keep_alive_server() as server:
        async with (
            guarded_client(transport_for(server, max_origins=2)) as client,
            client.stream("GET", server.url("a.test", "/stream")) as response,
        ):
            chunks = response.aiter_raw()
            first = await anext(chunks)
            for name in ("b.test", "c.test"):
                assert (await client.get(server.url(name))).text == "ok"
            server.finish_stream.set()
            body = first + b"".join([chunk async for chunk in chunks])
    assert body == HALF + HALF


async def test_the_least_recently_used_pool_is_evicted() -> None:
    """a, b, a again, then c: b is evicted (not a, the first one inserted), so a's third
    request reuses its kept-alive connection."""
    with keep_alive_server() as server:
        async with guarded_client(transport_for(server, max_origins=2)) as client:
            for name in ("a.test", "b.test", "a.test", "c.test", "a.test", "b.test"):
                assert (await client.get(server.url(name))).text == "ok"
    assert len(set(server.client_ports["a.test"])) == 1
    assert len(set(server.client_ports["b.test"])) == 2


async def test_every_pool_is_closed_with_the_transport() -> None:
    """Concurrent first requests to a new origin while the cache is full share one pool:
    none is overwritten and left open after the transport closes."""
    with keep_alive_server() as server:
        client = guarded_client(transport_for(server, max_origins=2))
        for name in ("a.test", "b.test"):
            await client.get(server.url(name))
        responses = await asyncio.gather(*(client.get(server.url("c.test")) for _ in range(4)))
        await asyncio.gather(*(client.get(server.url("d.test")) for _ in range(4)))
        assert {response.text for response in responses} == {"ok"}
        await client.aclose()
        deadline = time.monotonic() + 5
        while server.open_connections and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert server.open_connections == 0
