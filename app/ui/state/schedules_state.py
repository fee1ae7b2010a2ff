"""The schedules page: every schedule the user may see, filters in the URL, pause, resume,
delete, and the self-check's alert when schedules that should have fired did not.

The filters and the page live in the URL (`?workflow=3&state=paused&page=2`), as on the
executions page: changing one navigates, and `load` reads the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx
from reflex_base.event import EventSpec

from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message
from app.ui.state.paging import PAGE_SIZE, PagingMixin
from app.ui.state.schedule_views import ScheduleRow, schedule_row, zone
from app.ui.state.schedules_io import overdue_alerts, read_schedules, remove, set_enabled

STATE_FILTERS = ("all", "active", "paused")
ENABLED_FOR = {"all": None, "active": True, "paused": False}
BROWSER_TIMEZONE_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"


@dataclass
class WorkflowChoice:
    """A workflow the filter offers."""

    value: str
    label: str


def schedules_url(*, state: str = "all", workflow: int = 0, page: int = 1) -> str:
    """The schedules page's URL for these filters (defaults are left out)."""
    params: dict[str, str | int] = {}
    if workflow:
        params["workflow"] = workflow
    if state != "all":
        params["state"] = state
    if page > 1:
        params["page"] = page
    return f"/schedules?{urlencode(params)}" if params else "/schedules"


def _positive(raw: str) -> int:
    return int(raw) if raw.isdigit() and int(raw) > 0 else 0


class SchedulesState(DeleteConfirmMixin, PagingMixin, rx.State):
    """State of `/schedules`."""

    rows: list[ScheduleRow] = []
    state_filter: str = "all"
    workflow_filter: int = 0
    workflows: list[WorkflowChoice] = []
    # The browser's timezone ("" until the browser said it; times then show in UTC).
    viewer_timezone: str = ""
    alerts: list[str] = []

    @rx.var
    def filtered(self) -> bool:
        """Whether a filter narrows the list."""
        return self.state_filter != "all" or self.workflow_filter > 0

    @rx.var
    def workflow_value(self) -> str:
        """The workflow select's value ("all": no workflow filter)."""
        return str(self.workflow_filter) if self.workflow_filter else "all"

    @rx.var
    def viewer_label(self) -> str:
        """The timezone the "your time" column is in."""
        return self.viewer_timezone or "UTC"

    async def _reload(self) -> None:
        principal = await acting_principal(self)
        found = await run_db(
            read_schedules,
            principal,
            self.workflow_filter,
            ENABLED_FOR[self.state_filter],
            self.offset,
            PAGE_SIZE,
        )
        self.total = found.total
        if self._clamp_offset():
            await self._reload()
            return
        rows = [
            schedule_row(item, self.viewer_label, item.workflow_id in found.changeable)
            for item in found.items
        ]
        if rows != list(self.rows):
            self.rows = rows
        self.workflows = [WorkflowChoice(str(i), name) for i, name in found.workflows]
        alerts = await run_db(overdue_alerts, principal, self.viewer_label)
        if alerts != list(self.alerts):
            self.alerts = alerts
        self.loading = False

    def _url(
        self, *, state: str | None = None, workflow: int | None = None, page: int | None = None
    ) -> str:
        return schedules_url(
            state=self.state_filter if state is None else state,
            workflow=self.workflow_filter if workflow is None else workflow,
            page=self.offset // PAGE_SIZE + 1 if page is None else page,
        )

    @rx.event
    async def load(self) -> EventSpec | None:
        """Show what the URL asks for (`?workflow=`, `?state=`, `?page=`); ask the browser
        its timezone the first time."""
        query = self.router.url.query_parameters
        state = str(query.get("state", "all"))
        self.state_filter = state if state in STATE_FILTERS else "all"
        self.workflow_filter = _positive(str(query.get("workflow", "")))
        self.offset = (max(_positive(str(query.get("page", ""))), 1) - 1) * PAGE_SIZE
        await self._reload()
        if self.viewer_timezone:
            return None
        return rx.call_script(BROWSER_TIMEZONE_JS, callback=SchedulesState.set_viewer_timezone)

    @rx.event
    async def set_viewer_timezone(self, name: str) -> None:
        """The browser's timezone (ignored when it is not an IANA name)."""
        if isinstance(name, str) and zone(name) is not None and name != self.viewer_timezone:
            self.viewer_timezone = name
            await self._reload()

    @rx.event
    def set_state_filter(self, value: str | list[str]) -> EventSpec:
        """Show all, only active or only paused schedules, from page 1."""
        chosen = value[0] if isinstance(value, list) and value else value
        return rx.redirect(self._url(state=chosen if chosen in STATE_FILTERS else "all", page=1))

    @rx.event
    def set_workflow_filter(self, value: str) -> EventSpec:
        """Show one workflow's schedules ("all": every workflow's), from page 1."""
        return rx.redirect(self._url(workflow=_positive(value), page=1))

    @rx.event
    def clear_filters(self) -> EventSpec:
        """Show every schedule."""
        return rx.redirect(schedules_url())

    @rx.event
    async def next_page(self) -> EventSpec | None:
        """The next page (a new URL, so back returns to this one)."""
        return rx.redirect(self._url(page=self.offset // PAGE_SIZE + 2)) if self.has_next else None

    @rx.event
    async def prev_page(self) -> EventSpec | None:
        """The previous page."""
        if not self.offset:
            return None
        return rx.redirect(self._url(page=max(1, self.offset // PAGE_SIZE)))

    @rx.event
    async def tick(self, _now: str = "") -> None:
        """Every few seconds while the page is open: next fires, last results, alerts."""
        await self._reload()

    @rx.event
    async def set_enabled(self, schedule_id: int, enabled: bool) -> EventSpec:
        """Resume (True) or pause (False) a schedule."""
        try:
            await run_db(set_enabled, await acting_principal(self), schedule_id, enabled)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success("Schedule resumed" if enabled else "Schedule paused", duration=1500)

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Delete the schedule asked about."""
        schedule_id = self.take_delete_id()
        try:
            await run_db(remove, await acting_principal(self), schedule_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Deleted {self.delete_name}", duration=1500)
