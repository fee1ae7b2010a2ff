"""LLM client benchmark against the local fake OpenAI-compatible server (tests/llm/fake_server.py).

Prints one JSON document. Figures:
- overhead our client adds over a direct httpx call to the same server: the same request is
  sent both ways back to back (which one goes first alternates), the overhead of each pair is
  client time minus direct time, and p50/p99 are taken over those per-pair differences. With
  the in-memory breaker store and with the app's database store (SqlBreakerStore on a
  migrated SQLite file, its SQL on the database threads, off the event loop), plus the
  client's own work with the network taken out (mock deployment);
- time from the primary's 500 leaving the server to the fallback request reaching it
  (p50/p99), i.e. the fallback decision including one loopback round of I/O;
- for reference, the same overhead through LiteLLM (the path used for OpenAI, Anthropic and
  Gemini), which is why openai_compatible deployments use plain httpx.
Goals: overhead p99 < 5 ms; fallback decision < 50 ms. Ratios are measured / goal (< 1 is met).

Run with `python bench/llm.py [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx

from app.llm.breaker import CircuitBreaker
from app.llm.client import LLMClient
from app.llm.deployments import Deployment, Provider
from app.llm.fallback import FallbackPolicy
from app.llm.types import LLMRequest
from app.models.db import create_db_engine
from app.models.migrations import upgrade_database
from app.services.breaker_store_sql import SqlBreakerStore
from tests.llm.fake_server import FakeLLMServer, answer, error

GOAL_OVERHEAD_P99_MS = 5.0
GOAL_FALLBACK_MS = 50.0
PROMPT = "Summarise the benchmark in one sentence."
KEY_ENV = "FLOWBOOK_BENCH_FAKE_KEY"


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50 and p99 of samples given in seconds, in milliseconds."""
    ordered = sorted(samples_s)
    p99_index = min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[p99_index] * 1000, 3),
    }


def deployment(server: FakeLLMServer, name: str, provider: Provider) -> Deployment:
    """A deployment of model `name` on the fake server (with a dummy key, so it is real)."""
    return Deployment(
        name=name, provider=provider, model=name, api_base=server.base_url, api_key_env=KEY_ENV
    )


async def overhead(
    server: FakeLLMServer, client: LLMClient, model: str, calls: int
) -> dict[str, Any]:
    """Client minus direct httpx time for the same request, per pair of calls.

    Returns the distribution of each path and, as the overhead, percentiles of the per-pair
    differences (a difference of two percentiles can even come out negative).
    """
    body = {"model": model, "messages": [{"role": "user", "content": PROMPT}]}
    request = LLMRequest.from_prompt(PROMPT, model=model, use_equivalents=False)
    direct: list[float] = []
    ours: list[float] = []
    differences: list[float] = []
    warm_up = calls // 10  # the first pairs open connections and fill caches
    async with httpx.AsyncClient() as http:
        url = f"{server.base_url}/chat/completions"

        async def direct_call() -> float:
            t0 = time.perf_counter()
            response = await http.post(url, json=body)
            response.json()["choices"][0]["message"]["content"]
            return time.perf_counter() - t0

        async def client_call() -> float:
            t0 = time.perf_counter()
            await client.complete(request)
            return time.perf_counter() - t0

        for i in range(warm_up + calls):
            if i % 2:
                theirs, mine = await direct_call(), await client_call()
            else:
                mine, theirs = await client_call(), await direct_call()
            if i >= warm_up:
                direct.append(theirs)
                ours.append(mine)
                differences.append(mine - theirs)
    paired = percentiles(differences)
    return {
        "direct_httpx": percentiles(direct),
        "client": percentiles(ours),
        "overhead_per_pair_p50_ms": paired["p50_ms"],
        "overhead_per_pair_p99_ms": paired["p99_ms"],
    }


async def client_only(calls: int) -> dict[str, float]:
    """The client's own work per call with the network taken out (mock deployment)."""
    async with LLMClient() as client:
        request = LLMRequest.from_prompt(PROMPT, model="mock/bench", use_equivalents=False)
        samples = []
        for _ in range(calls):
            t0 = time.perf_counter()
            await client.complete(request)
            samples.append(time.perf_counter() - t0)
    return percentiles(samples)


async def fallback_decision(server: FakeLLMServer, calls: int) -> dict[str, Any]:
    """Time from the primary's 500 leaving the server to the fallback request reaching it."""
    server.reset()
    server.set("primary", error(500))
    server.set("backup", answer("fallback"))
    deployments = [
        deployment(server, "primary", Provider.OPENAI_COMPATIBLE),
        deployment(server, "backup", Provider.OPENAI_COMPATIBLE),
    ]
    breaker = CircuitBreaker(failure_threshold=10**9)  # keep the primary tried every time
    request = LLMRequest.from_prompt(PROMPT, model="primary", fallbacks=("backup",))
    gaps: list[float] = []
    async with LLMClient(deployments, breaker=breaker, http_policy=server.policy) as client:
        for _ in range(calls):
            server.received.clear()
            await client.complete(request)
            primary, backup = server.received
            assert primary.responded_at is not None
            gaps.append(backup.received_at - primary.responded_at)
    return percentiles(gaps)


async def main(quick: bool) -> dict[str, Any]:
    """Runs every measurement and returns the report."""
    calls = 100 if quick else 300
    os.environ[KEY_ENV] = "sk-bench-not-a-real-key"
    server = FakeLLMServer().start()
    try:
        async with LLMClient(
            [deployment(server, "bench", Provider.OPENAI_COMPATIBLE)], http_policy=server.policy
        ) as client:
            memory = await overhead(server, client, "bench", calls)
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'flowbook.db'}"
            upgrade_database(url)
            engine = create_db_engine(url)
            async with LLMClient(
                [deployment(server, "bench", Provider.OPENAI_COMPATIBLE)],
                breaker=CircuitBreaker(SqlBreakerStore(engine)),
                http_policy=server.policy,
            ) as client:
                database = await overhead(server, client, "bench", calls)
            engine.dispose()
        pure = await client_only(calls)
        fallback = await fallback_decision(server, calls)
        policy = FallbackPolicy(attempt_timeout_s=30.0)
        litellm_calls = max(30, calls // 3)
        async with LLMClient(
            [deployment(server, "bench", Provider.OPENAI)], policy=policy, http_policy=server.policy
        ) as client:
            litellm = await overhead(server, client, "bench", litellm_calls)
    finally:
        server.stop()
    return {
        "calls": calls,
        "overhead_in_memory_breaker": memory,
        "overhead_database_breaker_sqlite": database,
        "client_only_no_network": pure,
        "fallback_decision": fallback,
        "litellm_path_for_reference": litellm,
        "goals": {"overhead_p99_ms": GOAL_OVERHEAD_P99_MS, "fallback_ms": GOAL_FALLBACK_MS},
        "ratios_to_goal": {
            "overhead_p99": round(memory["overhead_per_pair_p99_ms"] / GOAL_OVERHEAD_P99_MS, 3),
            "overhead_p99_database_breaker": round(
                database["overhead_per_pair_p99_ms"] / GOAL_OVERHEAD_P99_MS, 3
            ),
            "fallback_p50": round(fallback["p50_ms"] / GOAL_FALLBACK_MS, 3),
            "fallback_p99": round(fallback["p99_ms"] / GOAL_FALLBACK_MS, 3),
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.quick)), indent=2))
