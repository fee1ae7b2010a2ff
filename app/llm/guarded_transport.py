"""The httpx transport of every provider call: the HTTP node's SSRF guard, pinned, no redirects.

Each request's host is resolved and checked with the same guard and allowlist as the HTTP
request node (`app.engine.nodes.ssrf_guard`), at call time (DNS can change after the settings
were saved), and the request is then sent to the checked address itself with Host and TLS SNI
kept for the name, so a provider key never reaches a refused address, not even through DNS
rebinding. Redirects are never followed: a 3xx answer loses its Location header, so no client
above (httpx, the OpenAI SDK, LiteLLM's handlers) can carry a key to another host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from app.engine.context import HttpPolicy
from app.engine.nodes.http_fetch import REDIRECT_STATUSES, SCHEME_PORTS, pinned_request, ssl_context
from app.engine.nodes.ssrf_guard import AddressRefused, Resolver, resolve_and_check

MAX_ORIGINS = 64
Origin = tuple[str, str, int]


class GuardedTransport(httpx.AsyncBaseTransport):
    """Checks and pins every request; keeps one connection pool per origin name.

    Pools are per name (not per address) so that a kept-alive TLS connection verified for
    one name is never reused for another name served from the same address.
    """

    def __init__(
        self,
        policy: Callable[[], HttpPolicy],
        *,
        resolver: Resolver | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        """Creates the transport.

        Args:
            policy: returns the allowlist in force (read on every request).
            resolver: DNS resolver for the guard (None: the system resolver).
            limits: connection limits of each origin's pool.
        """
        self._policy = policy
        self._resolver = resolver
        self._limits = limits or httpx.Limits()
        self._pools: dict[Origin, httpx.AsyncHTTPTransport] = {}

    async def _pool(self, origin: Origin) -> httpx.AsyncHTTPTransport:
        pool = self._pools.get(origin)
        if pool is None:
            if len(self._pools) >= MAX_ORIGINS:
                oldest = next(iter(self._pools))
                await self._pools.pop(oldest).aclose()
            pool = httpx.AsyncHTTPTransport(verify=ssl_context(), limits=self._limits)
            self._pools[origin] = pool
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Sends `request` to its host's checked address.

        Raises:
            AddressRefused: the scheme is not http(s) or the guard refuses the host.
        """
        url = request.url
        if url.scheme not in SCHEME_PORTS or not url.host:
            raise AddressRefused(f"refused: {url.scheme}://{url.host} is not an http(s) URL")
        port = url.port or SCHEME_PORTS[url.scheme]
        address = await resolve_and_check(url.host, port, self._policy(), self._resolver)
        pool = await self._pool((url.scheme, url.host, port))
        response = await pool.handle_async_request(pinned_request(request, address))
        if response.status_code in REDIRECT_STATUSES:
            response.headers.pop("location", None)
        return response

    async def aclose(self) -> None:
        """Closes every pool."""
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            await pool.aclose()


def guarded_client(transport: GuardedTransport, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client over `transport` that ignores proxy settings from the environment
    (the checked address must be the one connected to) and follows no redirect."""
    return httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False, **kwargs)
