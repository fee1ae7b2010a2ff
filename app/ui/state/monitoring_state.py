"""The monitoring page: circuit breaker states and recent fallbacks, refreshed every few s."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models.llm import BreakerStatePublic, FallbackEventPublic
from app.services import llm_monitoring
from app.services.db_threads import run_db
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import iso
from app.ui.state.schedules_io import overdue_alerts

FALLBACKS_SHOWN = 50
REASON_LABELS = {
    "server_error": "Server error (5xx)",
    "rate_limited": "Rate limited (429)",
    "timeout": "Timed out",
    "slow": "Too slow",
    "connection_error": "Connection error",
    "stream_cut": "Stream cut off",
    "breaker_open": "Circuit breaker open",
    "no_key": "No API key",
    "client_error": "Client error",
    "error": "Error",
}


@dataclass
class BreakerRow:
    """One deployment's circuit breaker."""

    deployment: str
    phase: str
    failures: int
    opened_at: str
    last_error: str
    updated_at: str


@dataclass
class FallbackRow:
    """One recorded move from a deployment to the next."""

    id: int
    at: str
    execution_id: int
    from_deployment: str
    to_deployment: str
    reason: str
    detail: str


def reason_label(reason: str) -> str:
    """A readable reason ("rate_limited" -> "Rate limited (429)")."""
    return REASON_LABELS.get(reason, reason.replace("_", " ").capitalize())


def _detail(reason: str, detail: str | None) -> str:
    """The event's detail, unless it only repeats the reason."""
    if not detail or detail.lower() == reason_label(reason).lower():
        return ""
    return detail


def read_monitoring() -> tuple[list[BreakerStatePublic], list[FallbackEventPublic]]:
    """Every breaker's state and the latest fallbacks (run on a db thread)."""
    with session_scope(read_only=True) as session:
        states = llm_monitoring.breaker_states(session)
        return states, llm_monitoring.recent_fallbacks(session, limit=FALLBACKS_SHOWN)


class MonitoringState(rx.State):
    """State of `/monitoring`."""

    breakers: list[BreakerRow] = []
    fallbacks: list[FallbackRow] = []
    loading: bool = True
    refreshed_at: str = ""
    # The schedules' self-check: one sentence per schedule that should have fired.
    schedule_alerts: list[str] = []

    @rx.var
    def open_count(self) -> int:
        """Breakers open now."""
        return sum(1 for row in self.breakers if row.phase == "open")

    @rx.var
    def half_open_count(self) -> int:
        """Breakers letting one probe through."""
        return sum(1 for row in self.breakers if row.phase == "half_open")

    @rx.var
    def closed_count(self) -> int:
        """Healthy breakers."""
        return sum(1 for row in self.breakers if row.phase == "closed")

    async def _reload(self) -> None:
        states, events = await run_db(read_monitoring)
        breakers = [
            BreakerRow(
                deployment=state.deployment,
                phase=state.phase,
                failures=state.failures_in_window,
                opened_at=iso(state.opened_at),
                last_error=reason_label(state.last_error) if state.last_error else "",
                updated_at=iso(state.updated_at),
            )
            for state in states
        ]
        fallbacks = [
            FallbackRow(
                id=event.id,
                at=iso(event.at),
                execution_id=event.execution_id or 0,
                from_deployment=event.from_deployment,
                to_deployment=event.to_deployment or "",
                reason=reason_label(event.reason),
                detail=_detail(event.reason, event.detail),
            )
            for event in events
        ]
        # Assigning re-sends a list: only when it changed.
        if breakers != list(self.breakers):
            self.breakers = breakers
        if fallbacks != list(self.fallbacks):
            self.fallbacks = fallbacks
        alerts = await run_db(overdue_alerts, await acting_principal(self), "UTC")
        if alerts != list(self.schedule_alerts):
            self.schedule_alerts = alerts
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load everything (on page load)."""
        await self._reload()

    @rx.event
    async def tick(self, now: str = "") -> None:
        """Called every few seconds while the page is open."""
        await self._reload()
        self.refreshed_at = now
