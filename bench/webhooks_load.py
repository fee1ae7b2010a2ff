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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook as ReferenceSigner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.http_api_load import Client, add_load_arguments, measure_clients, open_clients

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


async def generate_load(url: str, public_id: str, args: argparse.Namespace) -> dict[str, Any]:
    """POSTs signed webhook calls from `args.concurrency` clients (see `measure_clients`)."""
    path = f"/api/hooks/{public_id}"
    signer = ReferenceSigner(os.environ[SECRET_ENV])

    async def send(client: Client, number: int, sent: int) -> Any:
        body = json.dumps({"name": f"client {number} request {sent}"}).encode()
        headers = signed(signer, f"msg_{number}_{sent}", body)
        return await client.post(path, content=body, headers=headers)

    async with open_clients(args.client, url, args.concurrency) as clients:
        return await measure_clients(clients, send, args.warmup, args.duration)


def main() -> None:
    """Parses the flags, runs the load and prints the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL")
    parser.add_argument("public_id", help="the webhook's public id")
    add_load_arguments(parser)
    args = parser.parse_args()
    result = asyncio.run(generate_load(args.url, args.public_id, args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
