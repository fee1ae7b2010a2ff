"""The editor's history panel: versions, commit, restore, tags, compare (with the canvas
diff) and running a stored version."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.version_runs import start_version_run_async
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_state import EditorState
from app.ui.state.editor_version_views import (
    FieldView,
    VersionRow,
    diff_canvas,
    field_view,
    version_row,
)
from app.ui.state.editor_versions_io import commit, compare, read_history, restore, tag

PAGE_SIZE = 20


class VersionsState(EditorState):
    """The history panel and the compare view it opens on the canvas."""

    versions: list[VersionRow] = []
    total: int = 0
    offset: int = 0
    history_error: str = ""
    commit_message: str = ""
    # The version whose tag input is open (0: none), what is typed, and what happened.
    tag_for: int = 0
    tag_name: str = ""
    tag_note: str = ""
    # The comparison shown: versions a -> b, its sentence and field list, the canvas diff.
    compare_a: int = 0
    compare_b: int = 0
    compare_summary: str = ""
    compare_fields: list[FieldView] = []
    diff_active: bool = False
    diff_nodes: list[dict[str, Any]] = []
    diff_edges: list[dict[str, Any]] = []
    # The version the restore dialog asks about (0: closed) and what restoring changes.
    restore_number: int = 0
    restore_summary: str = ""

    @rx.var
    def history_open(self) -> bool:
        """Whether the history panel is the side panel open."""
        return self.side_panel == "history"

    @rx.var
    def diff_shown(self) -> bool:
        """Whether the canvas shows a comparison (only while the history panel is open)."""
        return self.diff_active and self.side_panel == "history"

    @rx.var
    def version_options(self) -> list[str]:
        """The version numbers the compare pickers offer (every version, newest first)."""
        return [str(number) for number in range(self.total, 0, -1)]

    @rx.var
    def has_older(self) -> bool:
        """Whether a page of older versions follows."""
        return self.offset + PAGE_SIZE < self.total

    @rx.var
    def restore_open(self) -> bool:
        """Whether the restore confirmation shows."""
        return self.restore_number > 0

    async def _save_first(self) -> str | None:
        """Save unsaved edits so "current" is the newest version."""
        if not self.dirty or not self.can_change:
            return None
        return await (await self.get_state(DocumentState)).save_now()

    async def load_history(self) -> None:
        """Read the current page of versions (off the event loop)."""
        try:
            page, stats = await run_db(
                read_history, await acting_principal(self), self.workflow_id, self.offset, PAGE_SIZE
            )
        except ServiceError as exc:
            self.history_error = error_message(exc)
            return
        self.history_error = ""
        self.total = page.total
        self.versions = [version_row(item, stats.get(item.number)) for item in page.items]

    @rx.event
    async def toggle_history(self) -> None:
        """Open the panel on the newest versions, or close it (and the compare view)."""
        if self.history_open:
            self.close_history()
            return
        self.side_panel = "history"
        self.offset = 0
        await self._save_first()
        await self.load_history()

    @rx.event
    def close_history(self) -> None:
        """Close the panel and leave the compare view."""
        if self.side_panel == "history":
            self.side_panel = ""
        self.close_compare()

    @rx.event
    async def older(self) -> None:
        """The next page of older versions."""
        if self.has_older:
            self.offset += PAGE_SIZE
            await self.load_history()

    @rx.event
    async def newer(self) -> None:
        """The previous page of newer versions."""
        self.offset = max(0, self.offset - PAGE_SIZE)
        await self.load_history()

    @rx.event
    def set_commit_message(self, value: str) -> None:
        """The commit message as typed."""
        self.commit_message = value

    @rx.event
    async def commit_version(self) -> EventSpec | None:
        """Commit the current document as a named version."""
        error = await self._save_first()
        if error:
            return rx.toast.error(f"Not saved: {error}")
        try:
            made = await run_db(
                commit, await acting_principal(self), self.workflow_id, self.commit_message
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.commit_message = ""
        self.offset = 0
        await self.load_history()
        return rx.toast.success(f"Committed version {made.number}", duration=1500)

    @rx.event
    async def compare_with_current(self, number: int) -> EventSpec | None:
        """Compare a version with the current document (the newest version)."""
        error = await self._save_first()
        if error:
            return rx.toast.error(f"Not saved: {error}")
        await self.load_history()
        return await self.show_compare(number, self.total)

    @rx.event
    async def pick_a(self, value: str) -> EventSpec | None:
        """Compare from another version."""
        return await self.show_compare(int(value), self.compare_b or self.total)

    @rx.event
    async def pick_b(self, value: str) -> EventSpec | None:
        """Compare to another version."""
        return await self.show_compare(self.compare_a or self.total, int(value))

    async def show_compare(self, a: int, b: int) -> EventSpec | None:
        """Show what changed from version `a` to `b`: sentence, fields, canvas diff."""
        try:
            found = await run_db(compare, await acting_principal(self), self.workflow_id, a, b)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.compare_a, self.compare_b = a, b
        self.compare_summary = found.diff.summary
        self.compare_fields = [field_view(row) for row in found.diff.fields]
        self.diff_nodes, self.diff_edges = diff_canvas(found.old, found.new, found.diff.changes)
        self.diff_active = True
        (await self.get_state(DocumentState)).fit_key += 1
        return None

    @rx.event
    def close_compare(self) -> None:
        """Back to editing: the canvas shows the document again."""
        self.diff_active = False
        self.diff_nodes, self.diff_edges = [], []
        self.compare_fields = []
        self.compare_summary = ""
        self.compare_a = self.compare_b = 0

    @rx.event
    async def ask_restore(self, number: int) -> EventSpec | None:
        """Open the restore dialog, saying what restoring `number` would change."""
        error = await self._save_first()
        if error:
            return rx.toast.error(f"Not saved: {error}")
        await self.load_history()
        try:
            found = await run_db(
                compare, await acting_principal(self), self.workflow_id, self.total, number
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.restore_summary = found.diff.summary
        self.restore_number = number
        return None

    @rx.event
    def cancel_restore(self, open_: bool = False) -> None:
        """Close the restore dialog without restoring."""
        if not open_:
            self.restore_number = 0

    @rx.event
    async def confirm_restore(self) -> EventSpec:
        """Restore the version asked about and show the restored document on the canvas."""
        number, self.restore_number = self.restore_number, 0
        try:
            made = await run_db(restore, await acting_principal(self), self.workflow_id, number)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.close_compare()
        await (await self.get_state(DocumentState)).open_workflow(self.workflow_id)
        self.offset = 0
        await self.load_history()
        return rx.toast.success(f"Restored version {number} as version {made.number}")

    @rx.event
    def start_tag(self, number: int) -> None:
        """Open the tag input of a version."""
        self.tag_for = number
        self.tag_name = ""
        self.tag_note = ""

    @rx.event
    def set_tag_name(self, value: str) -> None:
        """The tag name as typed; says when it would move from another version."""
        self.tag_name = value.strip()
        holder = next((v.number for v in self.versions if self.tag_name in v.tags), 0)
        moves = holder and holder != self.tag_for
        self.tag_note = f"Moves '{self.tag_name}' from version {holder}" if moves else ""

    @rx.event
    async def save_tag(self) -> EventSpec | None:
        """Tag the version whose input is open."""
        number, name = self.tag_for, self.tag_name
        try:
            await run_db(tag, await acting_principal(self), self.workflow_id, name, number)
        except ServiceError as exc:
            self.tag_note = error_message(exc)
            return None
        note, self.tag_for, self.tag_note = self.tag_note, 0, ""
        await self.load_history()
        return rx.toast.success(note or f"Tagged version {number} '{name}'", duration=2000)

    @rx.event
    async def run_version(self, number: int, tag_name: str = "") -> EventSpec:
        """Run a stored version (or the version a tag names) on the test input."""
        if not self.can_run:
            return rx.toast.info("You may not run this workflow", id="cannot-run")
        text = (await self.get_state(RunState)).run_input
        try:
            payload = json.loads(text) if text.strip() else None
        except json.JSONDecodeError as exc:
            return rx.toast.error(f"The test input is not valid JSON: {exc.msg}")
        try:
            started = await start_version_run_async(
                await acting_principal(self),
                self.workflow_id,
                version=None if tag_name else number,
                tag=tag_name or None,
                input=payload,
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        label = f"'{tag_name}'" if tag_name else f"version {number}"
        return rx.toast.success(f"Run #{started.id} of {label} started")
