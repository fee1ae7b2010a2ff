"""The httpx transport of every provider call: the HTTP node's SSRF guard, pinned, no redirects.

Each request's host is resolved and checked with the same guard and allowlist as the HTTP
request node (`app.engine.nodes.ssrf_guard`), at call time (DNS can change after the settings
were saved), and the request is then sent to the checked address itself with Host and TLS SNI
kept for the name, so a provider key never reaches a refused address, not even through DNS
rebinding. Redirects are never followed: a 3xx answer loses its Location header, so no client
above (httpx, the OpenAI SDK, LiteLLM's handlers) can carry a key to another host.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import httpx

from app.engine.context import HttpPolicy
from app.engine.nodes.http_fetch import REDIRECT_STATUSES, checked_request, origin, ssl_context
from app.engine.nodes.ssrf_guard import Resolver

MAX_ORIGINS = 64
Origin = tuple[str, str, int | None]


class _OriginPool:
    """One origin's connection pool and how many of its requests are still open (sent and
    not yet closed, a streamed body included)."""

    def __init__(self, limits: httpx.Limits) -> None:
        self.transport = httpx.AsyncHTTPTransport(verify=ssl_context(), limits=limits)
        self.open_requests = 0
        self.evicted = False

    async def release(self) -> None:
        """One request is done; an evicted pool closes once its last request is."""
        self.open_requests -= 1
        if self.evicted and self.open_requests == 0:
            await self.transport.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that releases its pool's request when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, pool: _OriginPool) -> None:
        self._stream = stream
        self._pool: _OriginPool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        try:
            await self._stream.aclose()
        finally:
            if pool is not None:
                await pool.release()


class GuardedTransport(httpx.AsyncBaseTransport):
    """Checks and pins every request; keeps one connection pool per origin name.

    Pools are per name (not per address) so that a kept-alive TLS connection verified for
    one name is never reused for another name served from the same address. At most
    `max_origins` pools are kept: the least recently used one is evicted, and closed only
    once none of its requests is still open (a streaming answer goes on to its end).
    """

    def __init__(
        self,
        policy: Callable[[], HttpPolicy],
        *,
        resolver: Resolver | None = None,
        limits: httpx.Limits | None = None,
        max_origins: int = MAX_ORIGINS,
    ) -> None:
        """Creates the transport.

        Args:
            policy: returns the allowlist in force (read on every request).
            resolver: DNS resolver for the guard (None: the system resolver).
            limits: connection limits of each origin's pool.
            max_origins: how many origins' pools are kept.
        """
        self._policy = policy
        self._resolver = resolver
        self._limits = limits or httpx.Limits()
        self._max_origins = max_origins
        self._pools: OrderedDict[Origin, _OriginPool] = OrderedDict()
        self._evicted_busy: set[_OriginPool] = set()

    def _acquire(self, origin: Origin) -> tuple[_OriginPool, list[_OriginPool]]:
        """The origin's pool with one more open request, and the idle pools evicted to make
        room for it (to be closed by the caller).

        No await happens here, so two callers for a new origin always share one pool.
        """
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _OriginPool(self._limits)
        self._pools.move_to_end(origin)
        pool.open_requests += 1
        idle: list[_OriginPool] = []
        while len(self._pools) > self._max_origins:
            _, evicted = self._pools.popitem(last=False)
            evicted.evicted = True
            if evicted.open_requests:
                self._evicted_busy.add(evicted)
            else:
                idle.append(evicted)
        self._evicted_busy = {busy for busy in self._evicted_busy if busy.open_requests}
        return pool, idle

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Sends `request` to its host's checked address.

        Raises:
            AddressRefused: the scheme is not http(s) or the guard refuses the host.
        """
        pinned = await checked_request(request, self._policy(), self._resolver)
        pool, idle = self._acquire(origin(request.url))
        try:
            for evicted in idle:
                await evicted.transport.aclose()
            response = await pool.transport.handle_async_request(pinned)
        except BaseException:
            await pool.release()
            raise
        # An async transport's response body is always an async stream.
        response.stream = _ReleasingStream(cast(httpx.AsyncByteStream, response.stream), pool)
        if response.status_code in REDIRECT_STATUSES:
            response.headers.pop("location", None)
        return response

    async def aclose(self) -> None:
        """Closes every pool, evicted ones whose requests are still open included."""
        pools = [pool.transport for pool in (*self._pools.values(), *self._evicted_busy)]
        self._pools.clear()
        self._evicted_busy.clear()
        for pool in pools:
            await pool.aclose()


def guarded_client(transport: GuardedTransport, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client over `transport` that ignores proxy settings from the environment
    (the checked address must be the one connected to) and follows no redirect."""
    return httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False, **kwargs)
