"""One request to one deployment: the mock provider in-process, openai_compatible over plain
httpx, the others through LiteLLM; every HTTP request through one guarded httpx client
(the HTTP node's SSRF guard and allowlist, checked at call time, see
`app.llm.guarded_transport`)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from app.engine.context import HttpPolicy
from app.engine.nodes.ssrf_guard import AddressRefused, Resolver
from app.llm.deployments import Deployment, Provider
from app.llm.errors import ProviderError
from app.llm.guarded_transport import GuardedTransport, guarded_client
from app.llm.mock_provider import mock_complete
from app.llm.transport_http import call_openai_compatible
from app.llm.transport_litellm import LiteLLMClients, call_litellm
from app.llm.types import LLMRequest, Outcome, ProviderAnswer

_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50)


class ProviderCalls:
    """Sends requests to deployments over pooled, guarded connections (opened on first use);
    close it with `aclose()`."""

    def __init__(
        self,
        http_policy: Callable[[], HttpPolicy],
        *,
        resolver: Resolver | None,
        timeout_s: Callable[[], float],
    ) -> None:
        """Creates the sender.

        Args:
            http_policy: returns the allowlist in force (read on every request).
            resolver: DNS resolver for the guard (tests); None uses the system resolver.
            timeout_s: returns httpx's timeout, read when the connections are first opened
                (the caller's own deadline per attempt is the real bound).
        """
        self._http_policy = http_policy
        self._resolver = resolver
        self._timeout_s = timeout_s
        self._http: httpx.AsyncClient | None = None
        self._litellm: LiteLLMClients | None = None

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            transport = GuardedTransport(self._http_policy, resolver=self._resolver, limits=_LIMITS)
            self._http = guarded_client(transport, timeout=httpx.Timeout(self._timeout_s()))
        return self._http

    def _litellm_clients(self) -> LiteLLMClients:
        if self._litellm is None:
            self._litellm = LiteLLMClients(self._http_client())
        return self._litellm

    async def call(self, deployment: Deployment, request: LLMRequest) -> ProviderAnswer:
        """Sends `request` to `deployment` once.

        Raises:
            ProviderError: any failure, a refused address included (`ADDRESS_REFUSED`).
        """
        if deployment.provider is Provider.MOCK:
            answer = mock_complete(request, deployment.model)
            return ProviderAnswer(
                answer.text, answer.input_tokens, answer.output_tokens, deployment.model
            )
        try:
            if deployment.provider is Provider.OPENAI_COMPATIBLE:
                return await call_openai_compatible(self._http_client(), deployment, request)
            return await call_litellm(deployment, request, self._litellm_clients())
        except AddressRefused as refused:
            raise ProviderError(str(refused), outcome=Outcome.ADDRESS_REFUSED) from None

    async def aclose(self) -> None:
        """Closes pooled HTTP connections (they are opened again on the next call)."""
        self._litellm = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
