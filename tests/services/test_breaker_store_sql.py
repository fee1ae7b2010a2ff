"""The database breaker store on SQLite and PostgreSQL: atomic updates across engines and
processes, a breaker opened by real HTTP 500s, and the fallback events it leaves."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, select

from app.llm.breaker import CircuitBreaker
from app.llm.breaker_store import BreakerPhase, BreakerState
from app.llm.client import LLMClient
from app.llm.fallback import FallbackPolicy
from app.llm.types import LLMRequest, Outcome
from app.models.db import create_db_engine
from app.services.breaker_store_sql import SqlBreakerStore
from app.services.llm_events import EVENTS, FallbackRecorder
from tests.llm.conftest import fake_deployment
from tests.llm.fake_server import FakeLLMServer, answer, error

REPO = Path(__file__).resolve().parents[2]

READ_IN_ANOTHER_PROCESS = """
import asyncio, json, sys
from app.llm.breaker import CircuitBreaker
from app.models.db import create_db_engine
from app.services.breaker_store_sql import SqlBreakerStore

async def main():
    store = SqlBreakerStore(create_db_engine(sys.argv[1]))
    before = await store.get("primary")
    allowed = await CircuitBreaker(store, cooldown_s=float(sys.argv[2])).allow("primary")
    print(json.dumps({"before": before.to_dict(), "allowed": allowed}))

asyncio.run(main())
"""

RECORD_FAILURES_IN_ANOTHER_PROCESS = """
import asyncio, sys
from app.llm.breaker import CircuitBreaker
from app.models.db import create_db_engine
from app.services.breaker_store_sql import SqlBreakerStore

async def main():
    store = SqlBreakerStore(create_db_engine(sys.argv[1]))
    breaker = CircuitBreaker(store, failure_threshold=10_000, window_s=3600)
    for _ in range(int(sys.argv[2])):
        await breaker.record_failure("shared", "server_error")

asyncio.run(main())
"""


async def test_states_round_trip_and_unchanged_states_are_not_written(engine: Engine) -> None:
    store = SqlBreakerStore(engine)
    assert await store.get("d") == BreakerState()
    assert await CircuitBreaker(store).allow("d") is True
    assert await store.all() == {}, "letting a call through a closed breaker writes nothing"

    opened = BreakerState(
        phase=BreakerPhase.OPEN,
        failures=(1.5, 2.25),
        opened_at=3.0,
        last_error="timeout",
        updated_at=3.0,
    )
    assert await store.update("d", lambda _state: (opened, "done")) == "done"
    assert await store.get("d") == opened
    half_open = replace(opened, phase=BreakerPhase.HALF_OPEN, probe_started_at=4.0)
    await store.update("d", lambda _state: (half_open, None))
    assert await store.all() == {"d": half_open}


async def test_concurrent_failures_from_two_engines_are_never_lost(db_url: str) -> None:
    engines = [create_db_engine(db_url), create_db_engine(db_url)]
    breakers = [
        CircuitBreaker(SqlBreakerStore(e), failure_threshold=10_000, window_s=3600) for e in engines
    ]
    per_task, tasks = 15, 4

    async def fail_repeatedly(breaker: CircuitBreaker) -> None:
        for _ in range(per_task):
            await breaker.record_failure("shared", "server_error")

    # The tasks' updates run at the same time on the database threads.
    try:
        await asyncio.gather(*(fail_repeatedly(breakers[i % 2]) for i in range(tasks)))
        state = await SqlBreakerStore(engines[0]).get("shared")
    finally:
        for e in engines:
            e.dispose()
    assert len(state.failures) == per_task * tasks
    assert state.phase is BreakerPhase.CLOSED


async def test_concurrent_failures_from_other_processes_are_never_lost(
    db_url: str, engine: Engine
) -> None:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", RECORD_FAILURES_IN_ANOTHER_PROCESS, db_url, "25"]
    workers = [subprocess.Popen(command, env=env) for _ in range(3)]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0, 0]
    state = await SqlBreakerStore(engine).get("shared")
    assert len(state.failures) == 75
    assert state.phase is BreakerPhase.CLOSED


async def test_http_500s_open_the_shared_breaker_and_every_fallback_is_recorded(
    db_url: str, engine: Engine, fake_server: FakeLLMServer, fake_key: str
) -> None:
    fake_server.set("primary", error(500))
    fake_server.set("backup", answer("from backup"))
    recorder = FallbackRecorder(engine)
    breaker = CircuitBreaker(SqlBreakerStore(engine), failure_threshold=3, cooldown_s=60)
    client = LLMClient(
        [fake_deployment(fake_server, "primary"), fake_deployment(fake_server, "backup")],
        breaker=breaker,
        policy=FallbackPolicy(attempt_timeout_s=5),
        http_policy=fake_server.policy,
        on_fallback=recorder,
    )
    request = LLMRequest.from_prompt("hi", model="primary", fallbacks=("backup",))
    async with client:
        responses = [await client.complete(request) for _ in range(4)]
    await recorder.drain()

    assert [r.text for r in responses] == ["from backup"] * 4
    assert fake_server.calls["primary"] == 3, "no call once the breaker is open"
    assert responses[-1].path[0].outcome is Outcome.BREAKER_OPEN
    with engine.connect() as connection:
        events = connection.execute(select(EVENTS).order_by(EVENTS.c.id)).all()
    assert [(e.from_deployment, e.to_deployment, e.reason) for e in events] == [
        ("primary", "backup", "server_error"),
        ("primary", "backup", "server_error"),
        ("primary", "backup", "server_error"),
        ("primary", "backup", "breaker_open"),
    ]
    assert "HTTP 500" in (events[0].detail or "")
    assert all(e.execution_id is None and e.at is not None for e in events)

    # Another process on the same database sees the open breaker and, once the cooldown
    # has passed for it, claims the half-open probe, which this process then sees.
    env = os.environ | {"PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", READ_IN_ANOTHER_PROCESS, db_url]
    closed_door = subprocess.run(
        [*command, "60"], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    seen = json.loads(closed_door.stdout)
    assert (seen["before"]["phase"], seen["allowed"]) == ("open", False)
    assert seen["before"]["last_error"] == "server_error"
    probe = subprocess.run(
        [*command, "0"], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    assert json.loads(probe.stdout)["allowed"] is True
    here = await breaker.state("primary")
    assert here.phase is BreakerPhase.HALF_OPEN and here.probe_started_at is not None
    assert not await breaker.allow("primary"), "the other process holds the only probe"
