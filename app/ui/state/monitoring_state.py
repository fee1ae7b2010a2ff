"""The monitoring page: the instance's health snapshot every 30 s, breakers every few s.

Two clocks on the page drive it while it is open (they stop when it is left): `tick` reads
the cheap, fast-moving parts (breakers, fallbacks, the schedules' self-check) every 3 s;
`refresh_snapshot` reads the whole snapshot (checks, database, scheduler, runner, LLM
deployments, process, disk, errors, throughput) every 30 s and on the Refresh button.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import reflex as rx
from reflex_base.event import EventSpec

from app.models.llm import BreakerStatePublic, FallbackEventPublic
from app.models.monitoring import MonitoringSnapshot, ThroughputPoint
from app.services import llm_monitoring, monitoring_snapshot
from app.services.database_errors import DatabaseError
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.unit_of_work import session_scope
from app.ui.state import monitoring_views as views
from app.ui.state.auth_state import acting_principal
from app.ui.state.chart_json import ChartJson, chart_json
from app.ui.state.display import error_message, iso
from app.ui.state.monitoring_charts import SeriesPoint, latency_figure, throughput_figure
from app.ui.state.schedules_io import overdue_alerts

logger = logging.getLogger(__name__)

FALLBACKS_SHOWN = 50
ERROR_EVENTS_SHOWN = 10
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


def read_snapshot() -> MonitoringSnapshot:
    """The instance's health snapshot (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return monitoring_snapshot.monitoring_snapshot(session)


def read_error_events(group_id: int) -> list[views.ErrorEventRow]:
    """An error group's latest occurrences, newest first (run on a db thread)."""
    with session_scope(read_only=True) as session:
        events = monitoring_snapshot.error_group_events(
            session, group_id=group_id, limit=ERROR_EVENTS_SHOWN
        )
        return [views.error_event_row(event) for event in events]


def _points(points: list[ThroughputPoint]) -> list[SeriesPoint]:
    return [
        SeriesPoint(p.start, p.finished, p.failed, p.p50_duration_ms, p.p99_duration_ms)
        for p in points
    ]


# A periodic refresh this soon after the snapshot was read is the timer's call at mount.
MOUNT_CALL_S = 1.0


class MonitoringState(rx.State):
    """State of `/monitoring`."""

    fallbacks: list[FallbackRow] = []
    deployments: list[views.DeploymentRow] = []
    checks: list[views.CheckRow] = []
    # The worst status of the checks ("" before the first snapshot).
    overall: str = ""
    database: list[views.FigureRow] = []
    scheduler: list[views.FigureRow] = []
    runner: list[views.FigureRow] = []
    system: list[views.FigureRow] = []
    errors: list[views.ErrorGroupRow] = []
    # The group whose earlier occurrences are listed, and those occurrences.
    events_group_id: int = 0
    error_events: list[views.ErrorEventRow] = []
    # "hour" (per minute) or "day" (per hour).
    window: str = "hour"
    throughput_chart: ChartJson = {}
    latency_chart: ChartJson = {}
    loading: bool = True
    refreshing: bool = False
    # The last read failed because the database did not answer.
    unreachable: bool = False
    refreshed_at: str = ""
    # The schedules' self-check: one sentence per schedule that should have fired.
    schedule_alerts: list[str] = []
    _snapshot: MonitoringSnapshot | None = None
    _snapshot_read_at: float = 0.0  # time.monotonic()
    _breakers: list[BreakerStatePublic] = []

    @rx.var
    def open_count(self) -> int:
        """Breakers open now."""
        return sum(1 for row in self.deployments if row.phase == "open")

    @rx.var
    def half_open_count(self) -> int:
        """Breakers letting one probe through."""
        return sum(1 for row in self.deployments if row.phase == "half_open")

    def _set_deployments(self) -> None:
        last_errors = {
            state.deployment: reason_label(state.last_error)
            for state in self._breakers
            if state.last_error
        }
        rows = views.deployment_rows(self._snapshot, self._breakers, last_errors)
        # Assigning re-sends a list: only when it changed.
        if rows != list(self.deployments):
            self.deployments = rows

    def _set_charts(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        hour = self.window == "hour"
        points = _points(snapshot.throughput_minutes if hour else snapshot.throughput_hours)
        self.throughput_chart = chart_json(throughput_figure(points, hour=hour))
        self.latency_chart = chart_json(latency_figure(points, hour=hour))

    async def _reload_live(self) -> None:
        states, events = await run_db(read_monitoring)
        self._breakers = states
        self._set_deployments()
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
        if fallbacks != list(self.fallbacks):
            self.fallbacks = fallbacks
        alerts = await run_db(overdue_alerts, await acting_principal(self), "UTC")
        if alerts != list(self.schedule_alerts):
            self.schedule_alerts = alerts

    async def _reload_snapshot(self) -> None:
        snapshot = await run_db(read_snapshot)
        self._snapshot_read_at = time.monotonic()
        now = datetime.now(UTC)
        self._snapshot = snapshot
        self.overall = snapshot.status
        self.checks = views.check_rows(snapshot)
        self.database = views.database_figures(snapshot)
        self.scheduler = views.scheduler_figures(snapshot, now)
        self.runner = views.runner_figures(snapshot)
        self.system = views.system_figures(snapshot)
        errors = [views.error_group_row(group) for group in snapshot.errors]
        if errors != list(self.errors):
            self.errors = errors
        self._set_deployments()
        self._set_charts()
        self.refreshed_at = iso(snapshot.taken_at)

    async def _reload(self, *, snapshot: bool) -> None:
        """Read the live parts (and the snapshot); when the database does not answer, say
        so and keep the last figures on the page (the clocks keep trying)."""
        try:
            await self._reload_live()
            if snapshot:
                await self._reload_snapshot()
        except DatabaseError:
            logger.warning("monitoring: the database did not answer", exc_info=True)
            self.unreachable = True
            self.overall = "error"
            return
        self.unreachable = False

    @rx.event
    async def load(self) -> None:
        """Load everything (on page load)."""
        await self._reload(snapshot=True)
        self.loading = False

    @rx.event
    async def tick(self, now: str = "") -> None:
        """Every 3 s while the page is open: breakers, fallbacks, the schedules' check."""
        await self._reload(snapshot=False)

    @rx.event
    async def refresh_snapshot(self, now: str = "") -> None:
        """Every 30 s while the page is open: the whole health snapshot.

        The page's timer (`rx.moment`) also calls this once when it mounts, right after
        `load` read the snapshot; that call is skipped rather than reading it all again.
        """
        if time.monotonic() - self._snapshot_read_at < MOUNT_CALL_S:
            return
        await self._reload(snapshot=True)

    @rx.event
    async def refresh(self) -> AsyncIterator[None]:
        """The Refresh button: everything now, with the button spinning meanwhile."""
        self.refreshing = True
        yield
        try:
            await self._reload(snapshot=True)
        finally:
            self.refreshing = False

    @rx.event
    def set_window(self, window: str | list[str]) -> None:
        """Show the last hour ("hour") or the last day ("day") in the charts."""
        value = window if isinstance(window, str) else (window[0] if window else "hour")
        self.window = "day" if value == "day" else "hour"
        self._set_charts()

    @rx.event
    async def show_error_events(self, group_id: int) -> EventSpec | None:
        """List an error group's latest occurrences under it."""
        try:
            self.error_events = await run_db(read_error_events, group_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.events_group_id = group_id
        return None

    @rx.event
    def hide_error_events(self) -> None:
        """Fold the occurrences list away."""
        self.events_group_id = 0
        self.error_events = []
