"""The event-loop lag probe sees a blocked loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.services.loop_lag import LoopLagProbe

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing


async def test_a_blocked_loop_shows_as_lag() -> None:
    async with LoopLagProbe(interval_s=0.005) as probe:
        await asyncio.sleep(0.05)
        quiet = probe.summary()
        time.sleep(0.1)  # blocks the loop on purpose
        await asyncio.sleep(0.02)

    assert quiet.samples > 3 and quiet.max_ms < 100
    assert probe.summary().max_ms >= 90


def test_a_probe_without_samples_summarises_to_zero() -> None:
    summary = LoopLagProbe().summary()
    assert (summary.samples, summary.p99_ms) == (0, 0.0)
    assert LoopLagProbe().percentile_ms(0.99) == 0.0
