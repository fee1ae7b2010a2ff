"""Authentication benchmark: what checking the credentials adds to one API request.

Builds the API with `create_api()` on a scratch SQLite database (a `mktemp -d` folder) and
sends the same cheap real request (default `GET /api/workflows?limit=1`) in rounds. Each
round sends it, in a shuffled order so load affects every kind alike: once with auth off,
once with each credential (an API key, the UI's session cookie, a JWT bearer token from the
password flow), and once more with each credential right after emptying the credential cache
("uncached": the database lookup every request made before the cache, and each credential's
first use after the cache's 10 s).

"Auth off" requests go through the same app with the credential check switched off: the
function `current_principal` calls (`authenticated_principal`) is swapped, for that request
only, for one handing back the owner at once (requests go one at a time, so the swap
reaches no other request). So what is measured is the check of the credentials; FastAPI's
reading of the headers happens in both. (Not with `app.dependency_overrides`: with any
override set, FastAPI rebuilds every dependency of a route on each request, which made
"auth off" about 1 ms slower than auth on.) Requests go in-process through httpx's
ASGITransport (no sockets, no server process).

Prints one JSON document: for each kind its p50/p99 latency, and for each credential its
overhead (its p50/p99 minus auth off's p50/p99) beside the goal (p99 overhead < 2 ms) with
the ratio to it, and the median of the differences paired by round. `all_met` is about the
cached figures (what a client sending requests sees); the uncached ones are for reading.

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
from app.api import authentication
from app.api.main import create_api
from app.models.account import User
from app.models.db import configure_engine, dispose_engine
from app.models.migrations import upgrade_database
from app.services import credentials as credentials_module
from app.services.access_tokens import issue_access_token
from app.services.credential_cache import CredentialCache
from app.services.principal import Principal, principal_of
from app.services.unit_of_work import session_scope
from app.services.user_sessions import SESSION_COOKIE, start_session
from tests.credentials import user_with_key

GOAL_P99_OVERHEAD_MS = 2.0
CREDENTIALS = ("api_key", "session_cookie", "jwt_bearer")
UNCACHED = "_uncached"
KINDS = ("off", *CREDENTIALS, *(kind + UNCACHED for kind in CREDENTIALS))


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
        bearer, _ = issue_access_token(session, user)
        principal = principal_of(user)
    return principal, {
        "api_key": {"Authorization": f"Bearer {key}"},
        "session_cookie": {"Cookie": f"{SESSION_COOKIE}={token}"},
        "jwt_bearer": {"Authorization": f"Bearer {bearer}"},
    }


async def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Latencies in ms of each kind, from the measured rounds."""
    principal, headers = credentials()
    checked = authentication.authenticated_principal
    shared_cache = credentials_module.credential_cache

    def unchecked(*, bearer: str | None, cookie: str | None) -> Principal:
        return principal

    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

        async def once(kind: str) -> float:
            authentication.authenticated_principal = unchecked if kind == "off" else checked
            if kind.endswith(UNCACHED):  # an empty cache of its own for this request
                credentials_module.credential_cache = CredentialCache
            started = time.perf_counter()
            answer = await client.get(
                args.path, headers=headers.get(kind.removesuffix(UNCACHED), {})
            )
            elapsed = (time.perf_counter() - started) * 1000
            authentication.authenticated_principal = checked
            credentials_module.credential_cache = shared_cache
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
        "auth_off": "the same app with the credential check (authenticated_principal)"
        " swapped, for that request, for one returning the owner",
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
    result["all_met"] = all(result["overhead_ms"][kind]["p99"]["met"] for kind in CREDENTIALS)
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
