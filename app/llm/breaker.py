"""Circuit breaker per deployment: closed -> open -> half-open probe -> closed (or open again)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from app.llm.breaker_store import BreakerPhase, BreakerState, BreakerStore, InMemoryBreakerStore


class CircuitBreaker:
    """Decides whether a deployment may be called, from failures recorded in a shared store.

    - closed: calls pass; `failure_threshold` failures within `window_s` open it.
    - open: calls are refused until `cooldown_s` has passed since it opened.
    - half-open: exactly one probe call is let through; its success closes the breaker, its
      failure opens it again. A probe that never reports back (its process died) is
      replaced by a new one after another `cooldown_s`.
    """

    def __init__(
        self,
        store: BreakerStore | None = None,
        *,
        failure_threshold: int = 5,
        window_s: float = 60.0,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Creates a breaker.

        Args:
            store: where states live; an in-memory store by default.
            failure_threshold: failures within the window that open the breaker.
            window_s: how far back failures count.
            cooldown_s: how long it stays open before a probe is allowed.
            clock: wall-clock seconds (shared across processes, unlike monotonic time).
        """
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.store: BreakerStore = store if store is not None else InMemoryBreakerStore()
        self.failure_threshold = failure_threshold
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self.clock = clock

    async def allow(self, name: str) -> bool:
        """Whether a call to deployment `name` may go out now (claims the probe when half-open).

        Args:
            name: the deployment's name.

        Returns:
            True when the call may proceed.
        """
        now = self.clock()

        def change(state: BreakerState) -> tuple[BreakerState, bool]:
            if state.phase is BreakerPhase.CLOSED:
                return state, True
            since = state.probe_started_at if state.phase is BreakerPhase.HALF_OPEN else None
            since = since if since is not None else state.opened_at or 0.0
            if now - since < self.cooldown_s:
                return state, False
            probing = replace(
                state, phase=BreakerPhase.HALF_OPEN, probe_started_at=now, updated_at=now
            )
            return probing, True

        return await self.store.update(name, change)

    async def record_success(self, name: str) -> None:
        """Records a successful call: a half-open (or open) breaker closes."""
        now = self.clock()

        def change(state: BreakerState) -> tuple[BreakerState, None]:
            if state.phase is BreakerPhase.CLOSED:
                return state, None
            return BreakerState(phase=BreakerPhase.CLOSED, updated_at=now), None

        await self.store.update(name, change)

    async def record_failure(self, name: str, reason: str) -> None:
        """Records a failed call; may open the breaker.

        Args:
            name: the deployment's name.
            reason: a short redacted reason, kept for the monitoring page.
        """
        now = self.clock()

        def change(state: BreakerState) -> tuple[BreakerState, None]:
            if state.phase is not BreakerPhase.CLOSED:
                reopened = BreakerState(
                    phase=BreakerPhase.OPEN, opened_at=now, last_error=reason, updated_at=now
                )
                return reopened, None
            recent = [t for t in state.failures if now - t < self.window_s]
            failures = (*recent, now)
            if len(failures) >= self.failure_threshold:
                opened = BreakerState(
                    phase=BreakerPhase.OPEN, opened_at=now, last_error=reason, updated_at=now
                )
                return opened, None
            return replace(state, failures=failures, last_error=reason, updated_at=now), None

        await self.store.update(name, change)

    async def state(self, name: str) -> BreakerState:
        """The stored state of deployment `name` (for the monitoring page)."""
        return await self.store.get(name)

    async def reset(self, name: str) -> None:
        """Closes the breaker of `name` by hand and forgets its failures."""
        now = self.clock()
        await self.store.update(name, lambda _state: (BreakerState(updated_at=now), None))
