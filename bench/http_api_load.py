"""Load generator of bench/http_api.py, run in its own process: N concurrent clients POST
`/api/workflows/{id}/execute` in a loop (asyncio + httpx), a warm-up, then a measured window.

Prints `measuring` when the window starts and `done` when it ends (so the caller can take
its snapshots of the server at those moments), then one JSON line: the window's length,
202s answered in it, latency percentiles to the 202 of requests sent in it, and every
execution id it was given (warm-up included, for the integrity check).

Run by bench/http_api.py: `python bench/http_api_load.py URL WORKFLOW_ID [--warmup S] [--duration S]
[--concurrency N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

MEASURING, DONE = "measuring", "done"
API_KEY_ENV = "FLOWBOOK_BENCH_API_KEY"


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted samples (0 when there are none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Answer:
    """One execute request as the client saw it."""

    sent_at: float
    answered_at: float
    status: int
    execution_id: int | None


Send = Callable[[httpx.AsyncClient, int, int], Awaitable[httpx.Response]]


async def measure_clients(
    client: httpx.AsyncClient, send: Send, warmup_s: float, duration_s: float, concurrency: int
) -> dict[str, Any]:
    """Runs `concurrency` loops of `send(client, loop number, request number)` (a 202 with an
    `execution_id` counts as accepted); prints the window's start and end.

    Returns every answer (measured or not: all of them count for integrity) and the window.
    """
    answers: list[Answer] = []
    failures: Counter[str] = Counter()
    stop = asyncio.Event()

    async def client_loop(number: int) -> None:
        sent = 0
        while not stop.is_set():
            sent += 1
            t0 = time.perf_counter()
            try:
                response = await send(client, number, sent)
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] += 1
                continue
            t1 = time.perf_counter()
            accepted = response.status_code == 202
            execution_id = response.json()["execution_id"] if accepted else None
            answers.append(Answer(t0, t1, response.status_code, execution_id))

    clients = [asyncio.create_task(client_loop(n)) for n in range(concurrency)]
    await asyncio.sleep(warmup_s)
    window_start = time.perf_counter()
    print(MEASURING, flush=True)
    await asyncio.sleep(duration_s)
    window_end = time.perf_counter()
    print(DONE, flush=True)
    stop.set()
    await asyncio.gather(*clients)
    in_window = [a for a in answers if window_start <= a.sent_at and a.answered_at <= window_end]
    latencies = sorted(a.answered_at - a.sent_at for a in in_window if a.status == 202)
    answered_in_window = [a for a in answers if window_start <= a.answered_at <= window_end]
    return {
        "window_s": window_end - window_start,
        "accepted_in_window": sum(a.status == 202 for a in answered_in_window),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round((latencies[-1] if latencies else 0.0) * 1000, 2),
            "samples": len(latencies),
        },
        "requests": len(answers),
        "statuses": dict(Counter(str(a.status) for a in answers)),
        "transport_errors": dict(failures),
        "execution_ids": [a.execution_id for a in answers if a.execution_id is not None],
    }


def client_limits(concurrency: int) -> httpx.Limits:
    """One kept-alive connection per client."""
    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


async def generate_load(
    url: str, workflow_id: int, warmup_s: float, duration_s: float, concurrency: int
) -> dict[str, Any]:
    """POSTs execute requests from `concurrency` clients (see `measure_clients`)."""
    path = f"/api/workflows/{workflow_id}/execute"

    async def send(client: httpx.AsyncClient, number: int, sent: int) -> httpx.Response:
        return await client.post(path, json={"input": {"name": f"client {number} request {sent}"}})

    # The API key of the server's owner (set up by bench/http_api.py), kept off the command line.
    headers = {"Authorization": f"Bearer {os.environ[API_KEY_ENV]}"}
    async with httpx.AsyncClient(
        base_url=url, limits=client_limits(concurrency), timeout=60, headers=headers
    ) as client:
        return await measure_clients(client, send, warmup_s, duration_s, concurrency)


def main() -> None:
    """Parses the flags, runs the load and prints the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL")
    parser.add_argument("workflow_id", type=int, help="the workflow to execute")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    args = parser.parse_args()
    result = asyncio.run(
        generate_load(args.url, args.workflow_id, args.warmup, args.duration, args.concurrency)
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
