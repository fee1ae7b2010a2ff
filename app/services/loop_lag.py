"""Event-loop lag: how late a task that sleeps again and again wakes up.

A serving process runs one probe for its whole life, and the health endpoint reports it: a
loop blocked by synchronous work shows here before users see frozen pages. Tests and the
engine benchmark run their own probe around the work they measure.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass

SERVING_INTERVAL_S = 0.1
SERVING_SAMPLES = 600  # one minute at SERVING_INTERVAL_S


@dataclass(frozen=True)
class LagSummary:
    """Lag percentiles over the samples a probe kept."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float


class LoopLagProbe:
    """Sleeps `interval_s` on the running loop over and over and records how late it wakes.

    Args:
        interval_s: how long each sleep asks for.
        keep: how many of the latest samples are kept.
    """

    def __init__(self, *, interval_s: float = 0.005, keep: int = 100_000) -> None:
        self.interval_s = interval_s
        self._lags_ms: deque[float] = deque(maxlen=keep)
        self._lock = threading.Lock()  # the health endpoint reads from another thread
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            lag_ms = (time.perf_counter() - start - self.interval_s) * 1000
            with self._lock:
                self._lags_ms.append(lag_ms)

    def start(self) -> None:
        """Start probing on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        """Stop probing (the samples stay)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def __aenter__(self) -> LoopLagProbe:
        self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def lags_ms(self) -> list[float]:
        """The kept samples, oldest first."""
        with self._lock:
            return list(self._lags_ms)

    def clear(self) -> None:
        """Forget the samples so far."""
        with self._lock:
            self._lags_ms.clear()

    def percentile_ms(self, fraction: float) -> float:
        """The lag below which `fraction` of the samples fall (0.0 without samples)."""
        return _at(sorted(self.lags_ms()), fraction)

    def summary(self) -> LagSummary:
        """p50, p99 and max of the kept samples, rounded to 0.01 ms."""
        ordered = sorted(self.lags_ms())
        if not ordered:
            return LagSummary(0, 0.0, 0.0, 0.0)
        return LagSummary(
            len(ordered),
            round(_at(ordered, 0.5), 2),
            round(_at(ordered, 0.99), 2),
            round(ordered[-1], 2),
        )


def _at(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


_serving_probe: LoopLagProbe | None = None


def start_serving_probe() -> LoopLagProbe:
    """Start the process's probe on the running loop (the serving lifespan calls this)."""
    global _serving_probe
    _serving_probe = LoopLagProbe(interval_s=SERVING_INTERVAL_S, keep=SERVING_SAMPLES)
    _serving_probe.start()
    return _serving_probe


async def stop_serving_probe() -> None:
    """Stop the process's probe and forget it (the serving lifespan calls this at exit)."""
    global _serving_probe
    probe, _serving_probe = _serving_probe, None
    if probe is not None:
        await probe.stop()


def serving_lag() -> LagSummary | None:
    """The serving loop's lag over the last minute, or None when no probe runs."""
    return None if _serving_probe is None else _serving_probe.summary()
