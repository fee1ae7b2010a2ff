"""A bare HTTP/1.1 client for the load generators: kept-alive connections spoken by hand on
asyncio streams.

httpx spends about 0.5 ms of CPU on each request (one client per caller; a client pooling
32 connections spends four times that), close to what the server spends on the run the
request starts, so on a small machine an httpx load generator takes a large share of the
CPUs. This client does the same requests for a small part of that: a load generator built
on it leaves the CPUs to the server. It speaks only what the benches
need: POST with a body, answers with a Content-Length, no redirects, no TLS.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class RawHttpError(OSError):
    """The connection failed or the answer was not what this client reads."""


@dataclass
class RawResponse:
    """An answer: its status code and body (the part of httpx.Response the benches use)."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.content)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> RawResponse:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RawHttpError(f"an answer without Content-Length ({status})")
        return RawResponse(status, await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


class RawHttpClient:
    """POSTs over a pool of kept-alive connections to one server (`async with` closes them).

    Args:
        base_url: `http://host:port` of the server.
        headers: sent with every request (a request's own headers come after them).
    """

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        common = {"host": f"{self.host}:{self.port}", **(headers or {})}
        self._common = "".join(f"{k}: {v}\r\n" for k, v in common.items()).encode()
        self._idle: list[_Connection] = []

    async def __aenter__(self) -> RawHttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def post(
        self,
        path: str,
        *,
        json: Any = None,  # httpx.AsyncClient.post's name for it
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> RawResponse:
        """POST `json` (serialised) or `content` to `path` and read the answer."""
        body = content if content is not None else _dumps(json)
        own = dict(headers or {})
        if content is None:
            own.setdefault("content-type", "application/json")
        request = b"".join(
            [
                f"POST {path} HTTP/1.1\r\n".encode(),
                self._common,
                "".join(f"{k}: {v}\r\n" for k, v in own.items()).encode(),
                f"content-length: {len(body)}\r\n\r\n".encode(),
                body,
            ]
        )
        connection = self._idle.pop() if self._idle else await self._open()
        try:
            response = await connection.exchange(request)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            connection.close()
            raise RawHttpError(f"{type(exc).__name__}: {exc}") from exc
        self._idle.append(connection)
        return response

    async def _open(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise RawHttpError(str(exc)) from exc
        return _Connection(reader, writer)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
