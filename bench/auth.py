"""Authentication benchmark: what checking the credentials adds to one API request.

Builds the API twice from `create_api()` on one scratch SQLite database (a `mktemp -d`
folder): once as served, once with `current_principal` overridden to hand back the owner
without looking at any credentials ("auth off"). Then sends the same cheap real request
(default `GET /api/workflows?limit=1`) in rounds: each round sends it once with auth off
and once with each credential (an API key, the UI's session cookie, a JWT bearer token from
the password flow), in a shuffled order, so load and caches affect every kind alike.
Requests go in-process through httpx's ASGITransport (no sockets, no server process), one
at a time.

Prints one JSON document: for each kind its p50/p99 latency, and for each credential its
overhead (its p50/p99 minus auth off's p50/p99) beside the goal (p99 overhead < 2 ms) with
the ratio to it. The median of the paired differences (the same round) is given too.

Run with `python bench/auth.py [--rounds N] [--warmup N] [--path /api/me]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.api.authentication import current_principal
from app.api.main import create_api
from app.models.account import User
from app.models.db import configure_engine, dispose_engine
from app.models.migrations import upgrade_database
from app.services.access_tokens import issue_access_token
from app.services.principal import Principal, principal_of
from app.services.unit_of_work import session_scope
from app.services.user_sessions import SESSION_COOKIE, start_session
from tests.credentials import user_with_key

GOAL_P99_OVERHEAD_MS = 2.0
KINDS = ("off", "api_key", "session_cookie", "jwt_bearer")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def figure(value: float, goal: float) -> dict[str, Any]:
    """A measured value beside its goal (lower is better): ratio = value / goal."""
    return {
        "value": round(value, 3),
        "goal": f"< {goal:g}",
        "ratio_to_goal": round(value / goal, 3),
        "met": value < goal,
    }


def credentials() -> tuple[Principal, dict[str, dict[str, str]]]:
    """The owner (with an API key), a session token and a bearer token of theirs."""
    key = user_with_key()
    with session_scope() as session:
        user = session.get(User, 1)
        assert user is not None
        token = start_session(session, user=user)
        bearer, _ = issue_access_token(user)
        principal = principal_of(user)
    return principal, {
        "api_key": {"Authorization": f"Bearer {key}"},
        "session_cookie": {"Cookie": f"{SESSION_COOKIE}={token}"},
        "jwt_bearer": {"Authorization": f"Bearer {bearer}"},
    }


async def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Latencies in ms of each kind, from the measured rounds."""
    principal, headers = credentials()
    served = create_api()
    unchecked = create_api()
    unchecked.dependency_overrides[current_principal] = lambda: principal
    base = "http://127.0.0.1"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url=base) as with_auth,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=unchecked), base_url=base) as without,
    ):

        async def once(kind: str) -> float:
            client = without if kind == "off" else with_auth
            started = time.perf_counter()
            answer = await client.get(args.path, headers=headers.get(kind, {}))
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{kind}: {answer.status_code} {answer.text[:200]}")
            return elapsed

        latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
        order = list(KINDS)
        for round_number in range(args.warmup + args.rounds):
            random.shuffle(order)
            for kind in order:
                elapsed = await once(kind)
                if round_number >= args.warmup:
                    latencies[kind].append(elapsed)
    return latencies


def report(latencies: dict[str, list[float]], args: argparse.Namespace) -> dict[str, Any]:
    """The JSON document: latencies per kind, overheads per credential against the goal."""
    off = latencies["off"]
    result: dict[str, Any] = {
        "transport": "in-process httpx.ASGITransport (no sockets), one request at a time",
        "database": "SQLite file in a mktemp -d folder, migrated",
        "request": f"GET {args.path}",
        "rounds": args.rounds,
        "auth_off": "same create_api() with current_principal overridden to a fixed principal",
        "latency_ms": {
            kind: {
                "p50": round(percentile(values, 0.5), 3),
                "p99": round(percentile(values, 0.99), 3),
            }
            for kind, values in latencies.items()
        },
        "overhead_ms": {},
    }
    for kind in KINDS[1:]:
        values = latencies[kind]
        paired = [with_auth - without for with_auth, without in zip(values, off, strict=True)]
        result["overhead_ms"][kind] = {
            "p50": round(percentile(values, 0.5) - percentile(off, 0.5), 3),
            "p99": figure(percentile(values, 0.99) - percentile(off, 0.99), GOAL_P99_OVERHEAD_MS),
            "paired_median": round(statistics.median(paired), 3),
        }
    result["all_met"] = all(item["p99"]["met"] for item in result["overhead_ms"].values())
    return result


def main() -> None:
    """Parse the options, measure on a scratch database and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=200, help="rounds not measured")
    parser.add_argument("--path", default="/api/workflows?limit=1", help="the GET request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowbook-bench-auth-") as work_dir:
        url = f"sqlite:///{Path(work_dir) / 'flowbook.db'}"
        os.environ["DATABASE_URL"] = url
        os.environ["FLOWBOOK_DATA_DIR"] = str(Path(work_dir) / "data")
        upgrade_database(url)
        configure_engine(url)
        try:
            latencies = asyncio.run(measure(args))
        finally:
            dispose_engine()
    print(json.dumps(report(latencies, args), indent=2))


if __name__ == "__main__":
    main()
