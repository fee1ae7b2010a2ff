"""`LLMClient`: one async call with ordered fallback, a circuit breaker per deployment, cost
and the path taken. Deployments without a key are served by the built-in mock provider.

How one attempt reaches a provider, through the HTTP node's SSRF guard and allowlist
(`http_policy`), is `app.llm.provider_calls`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType

from app.engine.context import HttpPolicy
from app.engine.nodes.ssrf_guard import Resolver
from app.llm.breaker import CircuitBreaker
from app.llm.cost import LITELLM_PROVIDERS, CostCalculator
from app.llm.deployments import Deployment, Provider
from app.llm.errors import LLMCallFailed, ProviderError
from app.llm.fallback import Decision, FallbackPolicy
from app.llm.litellm_import import load_litellm
from app.llm.mock_provider import estimate_tokens, mock_complete
from app.llm.model_map import ModelMap
from app.llm.provider_calls import ProviderCalls
from app.llm.router import Router, RoutingStrategy
from app.llm.types import Attempt, FallbackEvent, LLMRequest, LLMResponse, Outcome, ProviderAnswer

logger = logging.getLogger(__name__)

FallbackHook = Callable[[FallbackEvent], None]


class LLMClient:
    """Completes chat requests across deployments with fallback, breaker, routing and cost.

    Create one per process and event loop (it pools HTTP connections); close it with
    `aclose()` or use it as an async context manager.
    """

    def __init__(
        self,
        deployments: Iterable[Deployment] = (),
        *,
        model_map: ModelMap | None = None,
        strategy: RoutingStrategy = RoutingStrategy.PRIORITY,
        policy: FallbackPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        costs: CostCalculator | None = None,
        on_fallback: FallbackHook | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        http_policy: HttpPolicy | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        """Creates a client.

        Args:
            deployments: configured deployments; other model names resolve to implicit ones.
            model_map: equivalent models across providers.
            strategy: the default routing strategy.
            policy: fallback rules (timeouts, Retry-After cap, codes).
            breaker: the circuit breaker; an in-memory one by default.
            costs: the price calculator (with `provider_pricing` overrides).
            on_fallback: called synchronously with every fallback event; keep it fast.
            sleep: async sleep used to wait out Retry-After (tests may inject one).
            http_policy: which addresses providers may be reached at (the HTTP node's
                allowlist); the default refuses every non-public address. It is read on
                every request, so assigning `http_policy` later takes effect at once.
            resolver: DNS resolver for the guard (tests); None uses the system resolver.
        """
        self.costs = costs if costs is not None else CostCalculator()
        self.router = Router(deployments, model_map=model_map, costs=self.costs)
        self.strategy = strategy
        self.policy = policy if policy is not None else FallbackPolicy()
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self.on_fallback = on_fallback
        self._sleep = sleep
        self.http_policy = http_policy if http_policy is not None else HttpPolicy()
        self._providers = ProviderCalls(
            lambda: self.http_policy,
            resolver=resolver,
            timeout_s=lambda: self.policy.attempt_timeout_s + 1.0,
        )

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes pooled HTTP connections."""
        await self._providers.aclose()

    async def _attempt(
        self, deployment: Deployment, request: LLMRequest, *, is_last: bool
    ) -> ProviderAnswer:
        limit = self.policy.attempt_timeout_s
        threshold = self.policy.latency_threshold_s
        slow = threshold is not None and not is_last and threshold < limit
        if deployment.provider in LITELLM_PROVIDERS:
            load_litellm()  # the first import takes seconds: keep it out of the attempt's time
        self.router.load.begin(deployment.name)
        try:
            async with asyncio.timeout(threshold if slow else limit):
                return await self._providers.call(deployment, request)
        except TimeoutError:
            if slow:
                raise ProviderError(
                    f"no answer within the {threshold}s latency threshold", outcome=Outcome.SLOW
                ) from None
            raise ProviderError(f"no answer within {limit}s", outcome=Outcome.TIMEOUT) from None
        finally:
            self.router.load.end(deployment.name)

    def _emit(self, failed: Attempt, to: str | None) -> None:
        event = FallbackEvent(
            at=datetime.now(UTC),
            from_deployment=failed.deployment,
            to_deployment=to,
            reason=failed.outcome.value,
            detail=failed.error,
        )
        logger.info("llm fallback %s -> %s (%s)", event.from_deployment, to, event.reason)
        if self.on_fallback is None:
            return
        try:
            self.on_fallback(event)
        except Exception:  # a broken recorder must not fail the call it records
            logger.exception("the fallback hook failed")

    def _response(
        self,
        request: LLMRequest,
        deployment: Deployment,
        answer: ProviderAnswer,
        path: list[Attempt],
        started: float,
    ) -> LLMResponse:
        input_tokens = answer.input_tokens
        if input_tokens is None:
            input_tokens = sum(estimate_tokens(m.content) for m in request.messages)
        output_tokens = answer.output_tokens
        if output_tokens is None:
            output_tokens = estimate_tokens(answer.text)
        return LLMResponse(
            text=answer.text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=self.costs.cost(deployment, input_tokens, output_tokens),
            provider=deployment.provider.value,
            model=answer.model,
            deployment=deployment.name,
            latency_ms=(time.perf_counter() - started) * 1000,
            path=tuple(path),
            is_mock=deployment.provider is Provider.MOCK,
            cached_tokens=answer.cached_tokens or 0,
        )

    async def complete(
        self, request: LLMRequest, *, strategy: RoutingStrategy | None = None
    ) -> LLMResponse:
        """Answers `request`, falling back across deployments as the policy says.

        When no candidate deployment can really be called (no keys configured), the built-in
        mock provider answers in the first candidate's name, labelled `is_mock`.

        Args:
            request: the request.
            strategy: overrides the client's routing strategy for this call.

        Returns:
            The successful attempt's answer with tokens, cost and the path taken.

        Raises:
            LLMCallFailed: every deployment failed or was skipped, or a failure that fallback
                cannot fix happened (e.g. HTTP 400); `.path` lists the attempts.
            NoDeploymentError: capability routing found no capable deployment.
        """
        started = time.perf_counter()
        ordered = self.router.order(request, strategy or self.strategy)
        if not any(d.is_usable() for d in ordered):
            return self._mock_substitute(request, ordered, started)
        path: list[Attempt] = []
        pending: Attempt | None = None
        attempts = 0
        for index, deployment in enumerate(ordered):
            if attempts >= self.policy.max_attempts:
                break
            if pending is not None:
                self._emit(pending, deployment.name)
                pending = None
            skip = await self._skip_reason(deployment)
            if skip is not None:
                path.append(skip)
                pending = skip
                continue
            is_last = not any(d.is_usable() for d in ordered[index + 1 :])
            retried = False
            while attempts < self.policy.max_attempts:
                attempts += 1
                t0 = time.perf_counter()
                try:
                    answer = await self._attempt(deployment, request, is_last=is_last)
                except ProviderError as error:
                    failed = await self._record_failure(deployment, request, error, t0)
                    path.append(failed)
                    pending = failed
                    decision = self.policy.decide(error, already_retried=retried)
                    if decision is Decision.RETRY_SAME:
                        self._emit(failed, deployment.name)
                        await self._sleep(error.retry_after_s or 0.0)
                        retried = True
                        continue
                    if decision is Decision.GIVE_UP:
                        message = f"{deployment.name}: {failed.error}"
                        raise LLMCallFailed(message, tuple(path)) from None
                    break
                path.append(Attempt(deployment.name, Outcome.OK, latency_ms=_ms_since(t0)))
                if deployment.provider is not Provider.MOCK:
                    await self.breaker.record_success(deployment.name)
                return self._response(request, deployment, answer, path, started)
        if pending is not None:
            self._emit(pending, None)
        raise LLMCallFailed(_all_failed(len(ordered), path), tuple(path))

    async def _skip_reason(self, deployment: Deployment) -> Attempt | None:
        if not deployment.is_usable():
            return _no_key(deployment)
        if deployment.provider is Provider.MOCK:
            return None
        if not await self.breaker.allow(deployment.name):
            return Attempt(deployment.name, Outcome.BREAKER_OPEN, error="circuit breaker open")
        return None

    async def _record_failure(
        self, deployment: Deployment, request: LLMRequest, error: ProviderError, t0: float
    ) -> Attempt:
        message = deployment.redact(str(error))
        # Output arrived before the failure (a cut stream): the provider bills the attempt.
        billed = error.output_tokens is not None
        input_tokens = error.input_tokens
        if billed and input_tokens is None:
            input_tokens = sum(estimate_tokens(m.content) for m in request.messages)
        if self.policy.counts_against_breaker(error):
            await self.breaker.record_failure(deployment.name, error.outcome.value)
        elif error.outcome is Outcome.CLIENT_ERROR:
            await self.breaker.record_success(deployment.name)  # it answered: it is up
        return Attempt(
            deployment.name,
            error.outcome,
            error=message,
            latency_ms=_ms_since(t0),
            status_code=error.status_code,
            retry_after_s=error.retry_after_s,
            provider=deployment.provider.value if billed else None,
            model=deployment.model if billed else None,
            input_tokens=input_tokens if billed else None,
            output_tokens=error.output_tokens,
        )

    def _mock_substitute(
        self, request: LLMRequest, ordered: list[Deployment], started: float
    ) -> LLMResponse:
        first = ordered[0]
        path = [_no_key(d) for d in ordered]
        mock = Deployment(name=f"mock/{first.model}", provider=Provider.MOCK, model=first.model)
        t0 = time.perf_counter()
        answer = mock_complete(request, first.model)
        path.append(Attempt(mock.name, Outcome.OK, latency_ms=_ms_since(t0)))
        raw = ProviderAnswer(answer.text, answer.input_tokens, answer.output_tokens, first.model)
        return self._response(request, mock, raw, path, started)

    async def breaker_states(self) -> dict[str, dict[str, object]]:
        """Every known breaker state by deployment name, JSON-ready."""
        states = await self.breaker.store.all()
        return {name: state.to_dict() for name, state in states.items()}


def _all_failed(count: int, path: list[Attempt]) -> str:
    """The message of a call nothing answered, naming the last real failure (a skip for a
    missing key or an open breaker says less than the error before it)."""
    message = f"all {count} deployments failed or were skipped"
    tried = [a for a in path if a.outcome not in (Outcome.NO_KEY, Outcome.BREAKER_OPEN)]
    if not path:
        return message
    last = (tried or path)[-1]
    return f"{message}; last: {last.deployment}: {last.error or last.outcome.value}"


def _no_key(deployment: Deployment) -> Attempt:
    if deployment.is_disabled():
        return Attempt(deployment.name, Outcome.NO_KEY, error="provider disabled in settings")
    missing = deployment.api_key_env if deployment.base_url() or deployment.api_key_env else None
    reason = f"{missing} is not set" if missing else "no api_base configured"
    return Attempt(deployment.name, Outcome.NO_KEY, error=reason)


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
