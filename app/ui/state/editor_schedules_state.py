"""The editor's schedule panel: the workflow's schedules (pause, resume, delete, fire
history) and the form that adds or edits one with a live preview of its next fire times."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.engine.cron_times import has_seconds
from app.models.schedule import GRACE_DEFAULT_SECONDS, ScheduleCreate, ScheduleUpdate
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message
from app.ui.state.editor_state import EditorState
from app.ui.state.schedule_form import (
    CUSTOM,
    LATEST,
    PreviewTime,
    builder_parts,
    built_cron,
    field_errors,
    parse_input,
    preset_cron,
    preset_for,
    preview,
    whole_number,
)
from app.ui.state.schedule_views import FireRow, ScheduleRow, fire_row, schedule_row, zone
from app.ui.state.schedules_io import (
    create,
    read_history,
    read_tags,
    read_workflow_schedules,
    remove,
    set_enabled,
    update,
)
from app.ui.state.schedules_state import BROWSER_TIMEZONE_JS

HISTORY_SHOWN = 10
DEFAULT_PRESET = "daily_9"
TEXT_FIELDS = frozenset(
    {"f_name", "f_input", "f_version_tag", "f_grace", "f_misfire", "f_attempts", "f_backoff"}
)


class SchedulesPanelState(DeleteConfirmMixin, EditorState):
    """The schedule panel of the workflow open in the editor."""

    schedules: list[ScheduleRow] = []
    panel_error: str = ""
    viewer_timezone: str = ""
    tags: list[str] = []
    # The schedule whose fire history shows (0: none) and its fires, newest first.
    history_for: int = 0
    fires: list[FireRow] = []
    # The form: open, the schedule it edits (0: a new one) and its fields as typed.
    form_open: bool = False
    editing_id: int = 0
    f_name: str = ""
    f_preset: str = DEFAULT_PRESET
    f_cron: str = ""
    f_minute: str = "0"
    f_hour: str = "9"
    f_weekday: str = "*"
    f_timezone: str = "UTC"
    f_input: str = ""
    f_version_tag: str = LATEST
    f_grace: str = str(GRACE_DEFAULT_SECONDS)
    f_misfire: str = "catch_up"
    f_overlap: bool = False
    f_attempts: str = "0"
    f_backoff: str = "60"
    # The live preview and what is wrong with the typed fields.
    sentence: str = ""
    preview_times: list[PreviewTime] = []
    errors: dict[str, str] = {}

    @rx.var
    def schedules_open(self) -> bool:
        """Whether the schedules panel is the side panel open."""
        return self.side_panel == "schedules"

    @rx.var
    def viewer_label(self) -> str:
        """The viewer's timezone ("UTC" until the browser said)."""
        return self.viewer_timezone or "UTC"

    @rx.var
    def tag_options(self) -> list[str]:
        """The version tag choices: "latest" and the workflow's tags."""
        return [LATEST, *[t for t in self.tags if t != LATEST]]

    async def load_schedules(self) -> None:
        """Read the workflow's schedules (and the open history) off the event loop."""
        principal = await acting_principal(self)
        try:
            items = await run_db(read_workflow_schedules, principal, self.workflow_id)
        except ServiceError as exc:
            self.panel_error = error_message(exc)
            return
        self.panel_error = ""
        self.schedules = [schedule_row(i, self.viewer_label, self.can_change) for i in items]
        if self.history_for and self.history_for not in {row.id for row in self.schedules}:
            self.history_for, self.fires = 0, []
        if self.history_for:
            row = next(r for r in self.schedules if r.id == self.history_for)
            fires = await run_db(read_history, principal, self.history_for, HISTORY_SHOWN)
            seconds = has_seconds(row.cron)
            self.fires = [fire_row(fire, row.timezone, seconds) for fire in fires]

    @rx.event
    async def open_schedules(self) -> EventSpec | None:
        """Open the panel (in place of any other side panel) and ask the browser its
        timezone."""
        self.side_panel = "schedules"
        await self.load_schedules()
        if self.viewer_timezone:
            return None
        return rx.call_script(BROWSER_TIMEZONE_JS, callback=SchedulesPanelState.set_viewer_timezone)

    @rx.event
    async def toggle_schedules(self) -> EventSpec | None:
        """Open the panel, or close it."""
        if self.schedules_open:
            self.close_schedules()
            return None
        return await self.open_schedules()

    @rx.event
    def close_schedules(self) -> None:
        """Close the panel and its form."""
        if self.side_panel == "schedules":
            self.side_panel = ""
        self.form_open = False

    @rx.event
    async def set_viewer_timezone(self, name: str) -> None:
        """The browser's timezone: the times' second column, and a new schedule's default."""
        if not isinstance(name, str) or zone(name) is None:
            return
        self.viewer_timezone = name
        if self.form_open and not self.editing_id and self.f_timezone == "UTC":
            self.f_timezone = name
        self._preview()
        await self.load_schedules()

    @rx.event
    async def tick(self, _now: str = "") -> None:
        """Every few seconds while the panel is open: next fires, last results, history."""
        if self.schedules_open:
            await self.load_schedules()

    # The form ---------------------------------------------------------------------------

    def _preview(self) -> None:
        if not self.form_open:
            return
        found = preview(self.f_cron, self.f_timezone, self.viewer_label)
        self.sentence = found.sentence
        self.preview_times = list(found.times)
        errors = {k: v for k, v in self.errors.items() if k not in ("cron", "timezone")}
        if found.cron_error:
            errors["cron"] = found.cron_error
        if found.timezone_error:
            errors["timezone"] = found.timezone_error
        self.errors = errors

    def _set_cron(self, cron: str) -> None:
        self.f_cron = cron
        self.f_preset = preset_for(cron)
        if parts := builder_parts(cron):
            self.f_minute, self.f_hour, self.f_weekday = parts
        self._preview()

    async def _load_tags(self) -> None:
        try:
            self.tags = await run_db(read_tags, await acting_principal(self), self.workflow_id)
        except ServiceError:
            self.tags = []

    @rx.event
    async def new_schedule(self) -> None:
        """Open an empty form: daily at 9:00 in the viewer's timezone."""
        self.form_open, self.editing_id, self.errors = True, 0, {}
        self.f_name, self.f_input, self.f_version_tag = "", "", LATEST
        self.f_timezone = self.viewer_label
        self.f_grace, self.f_misfire, self.f_overlap = str(GRACE_DEFAULT_SECONDS), "catch_up", False
        self.f_attempts, self.f_backoff = "0", "60"
        self._set_cron(preset_cron(DEFAULT_PRESET) or "0 9 * * *")
        await self._load_tags()

    @rx.event
    async def edit_schedule(self, schedule_id: int) -> None:
        """Open the form on one of the schedules."""
        row = next((r for r in self.schedules if r.id == schedule_id), None)
        if row is None:
            return
        self.form_open, self.editing_id, self.errors = True, row.id, {}
        self.f_name, self.f_timezone, self.f_input = row.name, row.timezone, row.input_text
        self.f_version_tag = row.version_tag or LATEST
        self.f_grace, self.f_misfire = str(row.grace_seconds), row.misfire_policy
        self.f_overlap = row.allow_overlap
        self.f_attempts, self.f_backoff = str(row.retry_attempts), str(row.retry_backoff_seconds)
        self._set_cron(row.cron)
        await self._load_tags()
        if row.version_tag and row.version_tag not in self.tags:
            self.tags = [*self.tags, row.version_tag]

    @rx.event
    def cancel_form(self) -> None:
        """Close the form without saving."""
        self.form_open = False

    @rx.event
    def set_preset(self, key: str) -> None:
        """A preset fills the cron field ("custom" keeps what is there)."""
        cron = preset_cron(key)
        if cron is None:
            self.f_preset = CUSTOM
            return
        self._set_cron(cron)

    @rx.event
    def set_cron(self, value: str) -> None:
        """The cron as typed."""
        self._set_cron(value)

    @rx.event
    def set_builder(self, part: str, value: str) -> None:
        """One of the builder's choices (minute, hour or weekday) changed."""
        if part == "minute":
            self.f_minute = value
        elif part == "hour":
            self.f_hour = value
        elif part == "weekday":
            self.f_weekday = value
        self._set_cron(built_cron(self.f_minute, self.f_hour, self.f_weekday))

    @rx.event
    def set_timezone(self, value: str) -> None:
        """The timezone as typed."""
        self.f_timezone = value
        self._preview()

    @rx.event
    def set_field(self, name: str, value: Any) -> None:
        """A plain field as typed (name, input, tag, grace, misfire, overlap, retries)."""
        if name in TEXT_FIELDS:
            setattr(self, name, str(value))
        elif name == "f_overlap":
            self.f_overlap = bool(value)
        if name == "f_input":
            self._check_input()

    def _check_input(self) -> Any:
        payload, problem = parse_input(self.f_input)
        self.errors = {k: v for k, v in self.errors.items() if k != "input"} | (
            {"input": problem} if problem else {}
        )
        return payload

    def _fields(self) -> dict[str, Any] | None:
        """The typed fields as request fields, or None (with `errors` set) when some are
        not numbers or JSON."""
        payload = self._check_input()
        grace, grace_error = whole_number(self.f_grace, "Grace")
        attempts, attempts_error = whole_number(self.f_attempts, "Attempts")
        backoff, backoff_error = whole_number(self.f_backoff, "Backoff")
        problems = {
            "grace_seconds": grace_error,
            "retry_attempts": attempts_error,
            "retry_backoff_seconds": backoff_error,
        }
        self.errors = {k: v for k, v in self.errors.items() if k not in problems} | {
            k: v for k, v in problems.items() if v
        }
        if self.errors:
            return None
        return {
            "name": self.f_name,
            "cron": self.f_cron,
            "timezone": self.f_timezone.strip(),
            "input": payload,
            "version_tag": None if self.f_version_tag == LATEST else self.f_version_tag,
            "grace_seconds": grace,
            "misfire_policy": self.f_misfire,
            "allow_overlap": self.f_overlap,
            "retry_attempts": attempts,
            "retry_backoff_seconds": backoff,
        }

    @rx.event
    async def save_schedule(self) -> EventSpec | None:
        """Create the schedule, or save the one being edited; errors show by their field."""
        self._preview()
        fields = self._fields()
        if fields is None:
            return None
        principal = await acting_principal(self)
        try:
            if self.editing_id:
                saved = await run_db(
                    update, principal, self.editing_id, ScheduleUpdate.model_validate(fields)
                )
            else:
                saved = await run_db(
                    create, principal, self.workflow_id, ScheduleCreate.model_validate(fields)
                )
        except ValidationError as exc:
            self.errors = field_errors(exc)
            return None
        except ServiceError as exc:
            self.errors = {"form": error_message(exc)}
            return None
        self.form_open = False
        await self.load_schedules()
        return rx.toast.success(f"Saved: {saved.description}", duration=2000)

    # Actions on the list ----------------------------------------------------------------

    @rx.event
    async def set_enabled(self, schedule_id: int, enabled: bool) -> EventSpec | None:
        """Resume (True) or pause (False) a schedule."""
        try:
            await run_db(set_enabled, await acting_principal(self), schedule_id, enabled)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self.load_schedules()
        return None

    @rx.event
    async def toggle_history(self, schedule_id: int) -> None:
        """Show a schedule's latest fires, or hide them."""
        self.history_for = 0 if self.history_for == schedule_id else schedule_id
        self.fires = []
        await self.load_schedules()

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Delete the schedule asked about."""
        schedule_id = self.take_delete_id()
        try:
            await run_db(remove, await acting_principal(self), schedule_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        if self.editing_id == schedule_id:
            self.form_open = False
        await self.load_schedules()
        return rx.toast.success(f"Deleted {self.delete_name}", duration=1500)
