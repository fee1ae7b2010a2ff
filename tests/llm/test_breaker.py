"""Circuit breaker: its state machine and its effect on real calls (state shared across
processes: tests/services/test_breaker_store_sql.py)."""

from __future__ import annotations

import pytest

from app.llm.breaker import CircuitBreaker
from app.llm.breaker_store import BreakerPhase
from app.llm.client import LLMClient
from app.llm.fallback import FallbackPolicy
from app.llm.types import LLMRequest, Outcome
from tests.llm.conftest import fake_deployment
from tests.llm.fake_server import FakeLLMServer, answer, error


class FakeClock:
    """A settable wall clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_opens_after_n_failures_within_the_window_only() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, window_s=10, cooldown_s=5, clock=clock)
    await breaker.record_failure("d", "server_error")
    clock.now += 11  # the first failure leaves the window
    await breaker.record_failure("d", "server_error")
    await breaker.record_failure("d", "timeout")
    assert (await breaker.state("d")).phase is BreakerPhase.CLOSED
    assert await breaker.allow("d")
    await breaker.record_failure("d", "timeout")
    state = await breaker.state("d")
    assert (state.phase, state.last_error) == (BreakerPhase.OPEN, "timeout")
    assert not await breaker.allow("d")


async def test_half_open_lets_one_probe_through_and_its_result_decides() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, window_s=60, cooldown_s=5, clock=clock)
    await breaker.record_failure("d", "server_error")
    clock.now += 4.9
    assert not await breaker.allow("d")
    clock.now += 0.2
    assert await breaker.allow("d")
    assert (await breaker.state("d")).phase is BreakerPhase.HALF_OPEN
    assert not await breaker.allow("d"), "only one probe at a time"
    await breaker.record_failure("d", "server_error")
    assert (await breaker.state("d")).phase is BreakerPhase.OPEN
    clock.now += 5
    assert await breaker.allow("d")
    await breaker.record_success("d")
    assert (await breaker.state("d")).phase is BreakerPhase.CLOSED
    assert (await breaker.state("d")).failures == ()


async def test_a_failed_probe_reopens_at_once_even_when_the_threshold_is_higher() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, window_s=60, cooldown_s=5, clock=clock)
    for _ in range(3):
        await breaker.record_failure("d", "server_error")
    opened_at = (await breaker.state("d")).opened_at
    clock.now += 5
    assert await breaker.allow("d")
    assert (await breaker.state("d")).phase is BreakerPhase.HALF_OPEN
    # One failed probe, not `failure_threshold` of them.
    await breaker.record_failure("d", "timeout")
    state = await breaker.state("d")
    assert (state.phase, state.last_error) == (BreakerPhase.OPEN, "timeout")
    assert state.opened_at == clock.now != opened_at
    clock.now += 4.9
    assert not await breaker.allow("d"), "a new cooldown starts from the failed probe"
    clock.now += 0.1
    assert await breaker.allow("d")


async def test_a_probe_that_never_reports_is_replaced_after_a_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=5, clock=clock)
    await breaker.record_failure("d", "timeout")
    clock.now += 5
    assert await breaker.allow("d")
    clock.now += 5
    assert await breaker.allow("d")


async def test_open_breaker_keeps_calls_off_the_primary_until_the_probe(
    fake_server: FakeLLMServer, fake_key: str
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, window_s=60, cooldown_s=30, clock=clock)
    fake_server.set("primary", error(500))
    deployments = [fake_deployment(fake_server, "primary"), fake_deployment(fake_server, "backup")]
    request = LLMRequest.from_prompt("hi", model="primary", fallbacks=("backup",))
    async with LLMClient(
        deployments,
        breaker=breaker,
        policy=FallbackPolicy(attempt_timeout_s=1.0),
        http_policy=fake_server.policy,
    ) as client:
        for _ in range(3):
            await client.complete(request)
        assert fake_server.calls["primary"] == 3
        for _ in range(4):
            skipped = await client.complete(request)
        assert fake_server.calls["primary"] == 3
        assert skipped.path[0].outcome is Outcome.BREAKER_OPEN
        assert skipped.deployment == "backup"

        clock.now += 30  # half-open: one probe, still failing -> open again
        await client.complete(request)
        assert fake_server.calls["primary"] == 4
        await client.complete(request)
        assert fake_server.calls["primary"] == 4

        fake_server.set("primary", answer("primary is back"))
        clock.now += 30
        probe = await client.complete(request)
        assert probe.text == "primary is back"
        assert (await breaker.state("primary")).phase is BreakerPhase.CLOSED
        again = await client.complete(request)
    assert again.deployment == "primary"
    assert fake_server.calls["primary"] == 6
    assert (await client.breaker_states())["primary"]["phase"] == "closed"


@pytest.mark.parametrize("threshold", [0, -1])
def test_a_threshold_below_one_is_refused(threshold: int) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=threshold)
