"""The collaborators every run gets: outbound HTTP rules and the LLM client.

One `LLMClient` is kept per event loop (it pools connections and is bound to its loop); the
circuit breaker's state lives in a SQLite file next to the database so every worker
process on the host sees the same breakers.
"""

from __future__ import annotations

import asyncio
import os
import weakref

from app.engine.context import HttpPolicy, RunServices
from app.llm import EngineLLMAdapter, LLMClient
from app.llm.breaker import CircuitBreaker
from app.llm.breaker_store import SqliteBreakerStore
from app.models.db import data_dir

ALLOWLIST_ENV = "FLOWBOOK_HTTP_ALLOWLIST"

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, EngineLLMAdapter] = (
    weakref.WeakKeyDictionary()
)


def http_policy_from_env() -> HttpPolicy:
    """Outbound HTTP rules, with `FLOWBOOK_HTTP_ALLOWLIST` (comma-separated hosts/CIDRs)."""
    raw = os.environ.get(ALLOWLIST_ENV, "")
    allowlist = tuple(item.strip() for item in raw.split(",") if item.strip())
    return HttpPolicy(allowlist=allowlist)


def llm_for_current_loop() -> EngineLLMAdapter:
    """The LLM adapter of the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    adapter = _clients.get(loop)
    if adapter is None:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        store = SqliteBreakerStore(folder / "llm_breakers.db")
        adapter = EngineLLMAdapter(LLMClient(breaker=CircuitBreaker(store)))
        _clients[loop] = adapter
    return adapter


def build_run_services() -> RunServices:
    """Run services for a run on the current event loop."""
    return RunServices(http_policy=http_policy_from_env(), llm=llm_for_current_loop())
