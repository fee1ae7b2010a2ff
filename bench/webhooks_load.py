"""Load generator of bench/webhooks.py, run in its own process: N concurrent clients POST
signed requests to `/api/hooks/{public_id}` in a loop (asyncio + httpx), each signed by the
reference `standardwebhooks` package with a fresh `webhook-id`; a warm-up, then a measured
window.

Prints `measuring` when the window starts and `done` when it ends, then one JSON line: the
window's length, 202s answered in it, latency percentiles to the 202 of requests sent in it,
and every execution id it was given (warm-up included, for the integrity check).

Run by bench/webhooks.py: `python bench/webhooks_load.py URL PUBLIC_ID [--warmup S]
[--duration S] [--concurrency N]`, the secret in env FLOWBOOK_BENCH_WEBHOOK_SECRET.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook as ReferenceSigner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.http_api_load import DONE, MEASURING, Answer, percentile

SECRET_ENV = "FLOWBOOK_BENCH_WEBHOOK_SECRET"


def signed(signer: ReferenceSigner, msg_id: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers of `body`, signed now."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer.sign(msg_id, now, body.decode()),
    }


async def generate_load(
    url: str, public_id: str, warmup_s: float, duration_s: float, concurrency: int
) -> dict[str, Any]:
    """POSTs signed webhook calls from `concurrency` clients; prints the window's start and end."""
    answers: list[Answer] = []
    failures: Counter[str] = Counter()
    stop = asyncio.Event()
    path = f"/api/hooks/{public_id}"
    signer = ReferenceSigner(os.environ[SECRET_ENV])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def client_loop(number: int) -> None:
            sent = 0
            while not stop.is_set():
                sent += 1
                body = json.dumps({"name": f"client {number} request {sent}"}).encode()
                headers = signed(signer, f"msg_{number}_{sent}", body)
                t0 = time.perf_counter()
                try:
                    response = await client.post(path, content=body, headers=headers)
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


def main() -> None:
    """Parses the flags, runs the load and prints the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL")
    parser.add_argument("public_id", help="the webhook's public id")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    args = parser.parse_args()
    result = asyncio.run(
        generate_load(args.url, args.public_id, args.warmup, args.duration, args.concurrency)
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
