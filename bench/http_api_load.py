"""Load generator of bench/http_api.py, run in its own process: N concurrent clients POST
`/api/workflows/{id}/execute` in a loop (asyncio + httpx), a warm-up, then a measured window.

Prints `measuring` when the window starts and `done` when it ends (so the caller can take
its snapshots of the server at those moments), then one JSON line: the window's length,
202s answered in it, latency percentiles to the 202 of requests sent in it, and every
execution id it was given (warm-up included, for the integrity check).

Run by bench/http_api.py: `python bench/http_api_load.py URL WORKFLOW_ID [--warmup S] [--duration S]
[--concurrency N] [--client httpx|raw]`. `raw` (bench/raw_http_client.py) costs the machine a
small part of httpx's CPU per request, so the server, not the generator, sets the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.raw_http_client import RawHttpClient, RawHttpError

MEASURING, DONE = "measuring", "done"
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
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


# A client is an httpx.AsyncClient or a RawHttpClient; both answer `post` alike.
Client = httpx.AsyncClient | RawHttpClient
Send = Callable[[Client, int, int], Awaitable[Any]]
CLIENTS = ("httpx", "raw")


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """The load's options, the same for a bench and its load generator."""
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument(
        "--client",
        choices=CLIENTS,
        default="httpx",
        help="the load generator's HTTP client: httpx (as the issues ask) or raw, a bare"
        " HTTP/1.1 client that leaves the CPUs to the server",
    )


def load_arguments(args: argparse.Namespace) -> list[str]:
    """The options of `add_load_arguments` as given, for the load generator's command."""
    return [
        *("--warmup", str(args.warmup), "--duration", str(args.duration)),
        *("--concurrency", str(args.concurrency), "--client", args.client),
    ]


@asynccontextmanager
async def open_clients(
    kind: str, url: str, concurrency: int, headers: dict[str, str] | None = None
) -> AsyncIterator[list[Client]]:
    """The client of each of the `concurrency` callers.

    With httpx each caller has its own client and one kept-alive connection, as separate
    callers would: one client pooling 32 connections spends about 2 ms of CPU a request in
    its pool (measured: 500 requests/s for a whole core, against 1,400/s for 0.7 of one
    with a client each). The raw client is one, shared: its connections are per caller.
    """
    if kind == "raw":
        async with RawHttpClient(url, headers) as raw:
            yield [raw] * concurrency
        return
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, limits=ONE_CONNECTION, timeout=60, headers=headers)
            )
            for _ in range(concurrency)
        ]


async def measure_clients(
    clients: list[Client], send: Send, warmup_s: float, duration_s: float
) -> dict[str, Any]:
    """Runs a loop of `send(its client, loop number, request number)` per client (a 202 with
    an `execution_id` counts as accepted); prints the window's start and end.

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
                response = await send(clients[number], number, sent)
            except (httpx.HTTPError, RawHttpError) as exc:
                failures[type(exc).__name__] += 1
                continue
            t1 = time.perf_counter()
            accepted = response.status_code == 202
            execution_id = response.json()["execution_id"] if accepted else None
            answers.append(Answer(t0, t1, response.status_code, execution_id))

    loops = [asyncio.create_task(client_loop(n)) for n in range(len(clients))]
    await asyncio.sleep(warmup_s)
    window_start = time.perf_counter()
    print(MEASURING, flush=True)
    await asyncio.sleep(duration_s)
    window_end = time.perf_counter()
    print(DONE, flush=True)
    stop.set()
    await asyncio.gather(*loops)
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


async def generate_load(url: str, workflow_id: int, args: argparse.Namespace) -> dict[str, Any]:
    """POSTs execute requests from `args.concurrency` clients (see `measure_clients`)."""
    path = f"/api/workflows/{workflow_id}/execute"

    async def send(client: Client, number: int, sent: int) -> Any:
        return await client.post(path, json={"input": {"name": f"client {number} request {sent}"}})

    # The API key of the server's owner (set up by bench/http_api.py), kept off the command line.
    headers = {"Authorization": f"Bearer {os.environ[API_KEY_ENV]}"}
    async with open_clients(args.client, url, args.concurrency, headers) as clients:
        return await measure_clients(clients, send, args.warmup, args.duration)


def main() -> None:
    """Parses the flags, runs the load and prints the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL")
    parser.add_argument("workflow_id", type=int, help="the workflow to execute")
    add_load_arguments(parser)
    args = parser.parse_args()
    result = asyncio.run(generate_load(args.url, args.workflow_id, args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
