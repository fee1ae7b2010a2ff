"""The document being edited: its history (patches), validation, canvas views and saving."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.engine.spec import WorkflowSpec
from app.models.workflow import WorkflowPublic
from app.services import workflows
from app.services.db_threads import run_db
from app.services.errors import NotFoundError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.editor_drawer_state import DrawerState
from app.ui.state.editor_history import EditHistory
from app.ui.state.editor_run_io import read_states
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_selection_state import SelectionState
from app.ui.state.editor_state import VIEW_ONLY, EditorState, dumps
from app.ui.state.editor_views import ProblemView, canvas_edges, canvas_nodes, problem_views

AUTOSAVE_IDLE_S = 2.0
AUTO_RUN_IDLE_S = 0.8
AUTOSAVE_TICK_S = 0.25


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the service stores it (defaults filled in) when it parses."""
    try:
        return WorkflowSpec.from_document(document).to_document()
    except ValidationError:
        return document


def _read_workflow(principal: Principal, workflow_id: int) -> WorkflowPublic:
    with session_scope(read_only=True) as session:
        return workflows.get_workflow(session, principal=principal, workflow_id=workflow_id)


class DocumentState(EditorState):
    """The workflow document, its undo/redo history, its problems and its saving."""

    rf_nodes: list[dict[str, Any]] = []
    rf_edges: list[dict[str, Any]] = []
    problems: list[ProblemView] = []
    can_undo: bool = False
    can_redo: bool = False
    fit_key: int = 0
    form_key: int = 0
    # Where a link would take the user while their work cannot be saved ("": not asking).
    leave_href: str = ""

    _history: EditHistory = EditHistory()
    _last_edit: float = 0.0
    _autosaving: bool = False

    @rx.event
    async def load(self) -> None:
        """Open the workflow named by the URL with a fresh history."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        await self.open_workflow(int(last) if last.isdigit() else 0)

    async def open_workflow(self, workflow_id: int) -> None:
        """Show a workflow: its document, its test input and its nodes' latest states."""
        self.workflow_id = workflow_id
        self.loading = True
        selection = await self.get_state(SelectionState)
        run = await self.get_state(RunState)
        selection.clear()
        (await self.get_state(DrawerState)).drawer_open = False
        principal = await acting_principal(self)
        try:
            workflow = await run_db(_read_workflow, principal, workflow_id)
        except NotFoundError:
            self.found = False
            self.set_access([], principal.role)
            self.loading = False
            return
        self.found = True
        self.set_access(workflow.access, principal.role)
        self.name = workflow.name
        run.start_over(workflow.test_input)
        self._doc = self._saved = dumps(normalized(workflow.definition))
        self.set_base(workflow)
        self._history = EditHistory()
        self.save_error = ""
        self._nodes = await run_db(read_states, principal, workflow_id)
        await self.refresh()
        self.fit_key += 1
        self.loading = False

    async def refresh(self, *, moves_only: bool = False) -> None:
        """Re-derive what the page shows from the document (canvas, problems, inspector)."""
        self.can_undo, self.can_redo = self._history.can_undo, self._history.can_redo
        self.dirty = self._doc != self._saved
        if moves_only:
            return
        document = self.document()
        self._problems = workflows.validate_definition(definition=document)
        self.problems = problem_views(document, self._problems)
        selection = await self.get_state(SelectionState)
        self.rf_nodes = canvas_nodes(document, self._problems, selection.selected_ids)
        self.rf_edges = canvas_edges(document, self._problems)
        selection.refresh(document)
        (await self.get_state(RunState)).refresh_statuses(document)

    @rx.event
    async def focus_node(self, node_id: str) -> None:
        """Select one node (or none) from outside the canvas, e.g. from the problems list."""
        selection = await self.get_state(SelectionState)
        selection.choose([node_id] if node_id else [])
        self.rf_nodes = canvas_nodes(self.document(), self._problems, selection.selected_ids)

    async def commit(
        self, document: dict[str, Any], *, coalesce: str = "", moves_only: bool = False
    ) -> list[EventSpec]:
        """Make `document` the current one: record the change in the history, refresh.

        Args:
            document: the edited document.
            coalesce: consecutive edits with this key make one undo step.
            moves_only: only positions changed (the canvas already shows them).

        Returns:
            The autosave loop to start, if it is not running.
        """
        text = dumps(normalized(document))
        if text == self._doc:
            return []
        if not self.can_change:
            return await self._refuse()
        self._history = self._history.recorded(self.document(), json.loads(text), coalesce=coalesce)
        self._doc = text
        self._last_edit = time.monotonic()
        await self.refresh(moves_only=moves_only)
        return self._schedule_autosave()

    async def _refuse(self) -> list[EventSpec]:
        """A view-only caller's edit: put the canvas back as the document is, and say why."""
        self.form_key += 1  # the inspector's uncontrolled inputs show the stored values
        await self.refresh()
        return [rx.toast.info(VIEW_ONLY, id="view-only")]

    def _schedule_autosave(self) -> list[EventSpec]:
        if self._autosaving:
            return []
        self._autosaving = True
        return [DocumentState.autosave_loop]

    async def _move(self, redo: bool) -> list[EventSpec]:
        if not self.can_change:
            return []
        moved = (self._history.redone if redo else self._history.undone)(self.document())
        if moved is None:
            return []
        self._history, document = moved
        self._doc = dumps(document)
        self._last_edit = time.monotonic()
        self.form_key += 1  # the inspector's uncontrolled inputs show the restored values
        await self.refresh()
        return self._schedule_autosave()

    @rx.event
    async def undo(self) -> list[EventSpec]:
        """Go back one edit (Ctrl+Z)."""
        return await self._move(redo=False)

    @rx.event
    async def redo(self) -> list[EventSpec]:
        """Re-apply the edit undone last (Ctrl+Shift+Z)."""
        return await self._move(redo=True)

    async def save_now(self) -> str | None:
        """Save the document; returns why the service refused it (shown until it saves)."""
        error = await self.save_document()
        if error is None:
            await (await self.get_state(RunState)).reload_states()
        return error

    @rx.event
    async def save(self) -> EventSpec:
        """Save now (Ctrl+S)."""
        if not self.can_change:
            return rx.toast.info(VIEW_ONLY, id="view-only")
        error = await self.save_now()
        if error:
            return rx.toast.error(f"Not saved: {error}")
        return rx.toast.success("Saved", duration=1200)

    @rx.event(background=True)
    async def autosave_loop(self) -> Any:
        """Save after the editor has been idle for a moment; auto-run then runs stale nodes."""
        while True:
            await asyncio.sleep(AUTOSAVE_TICK_S)
            async with self:
                if not self.dirty:
                    self._autosaving = False
                    return None
                idle = AUTO_RUN_IDLE_S if self.auto_run else AUTOSAVE_IDLE_S
                if time.monotonic() - self._last_edit < idle:
                    continue
                self._autosaving = False
                error = await self.save_now()
                if error:
                    return rx.toast.error(f"Autosave failed: {error}")
                return RunState.run_auto if self.auto_run else None

    @rx.event
    async def ask_leave(self, payload: dict[str, Any]) -> Any:
        """A link was clicked with unsaved work: save it and go, or ask when it cannot save."""
        href = str(payload.get("href") or "/")
        refused = (await self.get_state(SelectionState)).name_error
        if not refused and (not self.dirty or await self.save_now() is None):
            return rx.redirect(href)
        self.leave_href = href
        return None

    @rx.event
    def keep_editing(self, open_: bool) -> None:
        """The leave dialog was dismissed."""
        if not open_:
            self.leave_href = ""

    @rx.event
    def leave_anyway(self) -> Any:
        """Leave, dropping the unsaved work."""
        href, self.leave_href = self.leave_href, ""
        return rx.redirect(href)
