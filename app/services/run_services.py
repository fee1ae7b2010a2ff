"""The collaborators every run gets: outbound HTTP rules and the LLM client.

One `LLMClient` is kept per event loop (it pools connections and is bound to its loop). Its
circuit breaker lives in the app database (`llm_breaker`), so every worker on any host that
shares the database sees the same breakers; its fallbacks are recorded in
`llm_fallback_event`; the model map and provider settings come from the settings tables.
"""

from __future__ import annotations

import asyncio
import weakref

from app.engine.context import RunServices
from app.llm import CostCalculator, EngineLLMAdapter, LLMClient
from app.llm.breaker import CircuitBreaker
from app.services.billed_calls import BilledCallsLLM
from app.services.breaker_store_sql import SqlBreakerStore
from app.services.llm_events import FallbackRecorder
from app.services.llm_settings import LLMSettings
from app.services.outbound_http import http_policy_from_env

BREAKER_FAILURE_THRESHOLD = 5
BREAKER_WINDOW_S = 60.0
BREAKER_COOLDOWN_S = 30.0

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, EngineLLMAdapter] = (
    weakref.WeakKeyDictionary()
)


def new_llm_client(*, costs: CostCalculator | None = None) -> LLMClient:
    """A client with the shared database breaker and the fallback event recorder.

    Args:
        costs: the price calculator; the shared price book (`provider_pricing`) by default.
    """
    breaker = CircuitBreaker(
        SqlBreakerStore(),
        failure_threshold=BREAKER_FAILURE_THRESHOLD,
        window_s=BREAKER_WINDOW_S,
        cooldown_s=BREAKER_COOLDOWN_S,
    )
    return LLMClient(breaker=breaker, costs=costs, on_fallback=FallbackRecorder())


def use_llm_client(client: LLMClient) -> EngineLLMAdapter:
    """Make `client` the one runs on the current event loop use (tests, bench, CLI).

    The caller keeps ownership: close the client when the loop is done with it.
    """
    adapter = EngineLLMAdapter(client)
    _clients[asyncio.get_running_loop()] = adapter
    return adapter


def llm_for_current_loop() -> EngineLLMAdapter:
    """The LLM adapter of the running event loop, created on first use."""
    adapter = _clients.get(asyncio.get_running_loop())
    return adapter if adapter is not None else use_llm_client(new_llm_client())


async def drain_llm_events() -> None:
    """Wait until the fallback events of the current loop's client are written."""
    adapter = _clients.get(asyncio.get_running_loop())
    recorder = adapter.client.on_fallback if adapter is not None else None
    if isinstance(recorder, FallbackRecorder):
        await recorder.drain()


async def close_llm_client() -> None:
    """Write the pending fallback events and close the current loop's client (shut-down)."""
    await drain_llm_events()
    adapter = _clients.pop(asyncio.get_running_loop(), None)
    if adapter is not None:
        await adapter.client.aclose()


def build_run_services(*, settings: LLMSettings | None) -> RunServices:
    """Run services for a run on the current event loop.

    Args:
        settings: for a run of the app, the LLM settings (read off the loop): the loop's
            shared client then uses their model map. None: an in-memory run (CLI) that
            needs no database: a client of its own with an in-memory breaker, environment
            keys and the built-in model map, recording no events.
    """
    policy = http_policy_from_env()
    if settings is None:
        client = LLMClient(http_policy=policy)
        return RunServices(http_policy=policy, llm=EngineLLMAdapter(client))
    adapter = llm_for_current_loop()
    adapter.client.router.model_map = settings.model_map
    # Provider calls go through the same allowlist as the HTTP node, read per run.
    adapter.client.http_policy = policy
    # Calls are noted per node attempt, so a failed attempt's billed calls reach the ledger.
    return RunServices(http_policy=policy, llm=BilledCallsLLM(adapter))
