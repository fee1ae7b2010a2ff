"""The canvas document in the editor state: edits, undo/redo history, validation, saving."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.engine.spec import WorkflowSpec
from app.engine.staleness import stale_nodes
from app.engine.validation import Problem
from app.models.workflow import WorkflowUpdate
from app.services import workflows
from app.services.errors import ServiceError
from app.services.unit_of_work import session_scope
from app.ui.state.display import error_message
from app.ui.state.editor_views import ProblemView, canvas_edges, canvas_nodes, problem_views

HISTORY_CAP = 100
AUTOSAVE_IDLE_S = 2.0
AUTO_RUN_IDLE_S = 0.8
AUTOSAVE_TICK_S = 0.25


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the service stores it (defaults filled in) when it parses."""
    try:
        return WorkflowSpec.from_document(document).to_document()
    except ValidationError:
        return document


def dumps(document: dict[str, Any]) -> str:
    """A canonical JSON text of a document (for history entries and change checks)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


class EditMixin(rx.State, mixin=True):
    """Document, history and saving; the canvas's committed edits land here."""

    workflow_id: int = 0
    found: bool = True
    loading: bool = True
    name: str = ""
    rf_nodes: list[dict[str, Any]] = []
    rf_edges: list[dict[str, Any]] = []
    statuses: dict[str, dict[str, Any]] = {}
    selected_ids: list[str] = []
    problems: list[ProblemView] = []
    dirty: bool = False
    can_undo: bool = False
    can_redo: bool = False
    fit_key: int = 0
    form_key: int = 0

    _doc: str = "{}"
    _saved: str = "{}"
    _history: list[str] = []
    _cursor: int = 0
    _coalesce: str = ""
    _last_edit: float = 0.0
    _autosaving: bool = False
    _problems: list[dict[str, Any]] = []
    # node id -> {status, output, error, stale, has_output} from the latest runs
    _base_states: dict[str, dict[str, Any]] = {}

    # -- document access ---------------------------------------------------------------

    def _handler(self, name: str) -> Any:
        """An event handler of the concrete state class (also from a background task's proxy)."""
        return getattr(type(getattr(self, "__wrapped__", self)), name)

    def _document(self) -> dict[str, Any]:
        """The document being edited (a fresh copy)."""
        return json.loads(self._doc)

    def _problem_list(self) -> list[Problem]:
        return [Problem(**p) for p in self._problems]

    def _reset_document(self, document: dict[str, Any]) -> None:
        text = dumps(normalized(document))
        self._doc = self._saved = text
        self._history = [text]
        self._cursor = 0
        self._coalesce = ""
        self.dirty = False
        self._refresh_all()

    def _refresh_all(self) -> None:
        document = self._document()
        problems = workflows.validate_definition(definition=document)
        self._problems = [p.to_dict() for p in problems]
        self.problems = problem_views(document, problems)
        self.rf_nodes = canvas_nodes(document, problems, self.selected_ids)
        self.rf_edges = canvas_edges(document, problems)
        self.can_undo = self._cursor > 0
        self.can_redo = self._cursor < len(self._history) - 1
        self.dirty = self._doc != self._saved
        self._refresh_statuses()
        self._refresh_inspector()  # type: ignore[attr-defined]

    def _refresh_statuses(self) -> None:
        """Node statuses: the latest runs' states, plus what unsaved edits made stale."""
        document = self._document()
        edited: set[str] = set()
        try:
            edited = stale_nodes(
                WorkflowSpec.from_document(json.loads(self._saved)),
                WorkflowSpec.from_document(document),
            )
        except ValidationError:
            edited = set()
        statuses: dict[str, dict[str, Any]] = {}
        for node in document.get("nodes", []):
            node_id = str(node.get("id"))
            base = self._base_states.get(node_id)
            if base is None:
                statuses[node_id] = {"status": "pending", "stale": False, "preview": ""}
                continue
            entry = dict(base["entry"])
            entry["stale"] = bool(base["stale"] or node_id in edited) and base["ran"]
            statuses[node_id] = entry
        self.statuses = statuses

    def _edit(
        self, document: dict[str, Any], *, coalesce: str = "", moves_only: bool = False
    ) -> list[EventSpec]:
        """Make `document` the current one: record it in the history and refresh the views."""
        text = dumps(normalized(document))
        if text == self._doc:
            return []
        history = self._history[: self._cursor + 1]
        if coalesce and coalesce == self._coalesce and len(history) > 1:
            history[-1] = text
        else:
            history.append(text)
        self._history = history[-HISTORY_CAP:]
        self._cursor = len(self._history) - 1
        self._coalesce = coalesce
        self._doc = text
        self._last_edit = time.monotonic()
        if moves_only:
            self.dirty = True
            self.can_undo, self.can_redo = self._cursor > 0, False
        else:
            self._refresh_all()
        return self._schedule_autosave()

    def _schedule_autosave(self) -> list[EventSpec]:
        if self._autosaving:
            return []
        self._autosaving = True
        return [self._handler("autosave_loop")]

    def _move_in_history(self, step: int) -> list[EventSpec]:
        cursor = self._cursor + step
        if not 0 <= cursor < len(self._history):
            return []
        self._cursor = cursor
        self._doc = self._history[cursor]
        self._coalesce = ""
        self._last_edit = time.monotonic()
        self.form_key += 1  # the inspector's uncontrolled inputs show the restored values
        self._refresh_all()
        return self._schedule_autosave()

    @rx.event
    def undo(self) -> list[EventSpec]:
        """Go back one edit (Ctrl+Z)."""
        return self._move_in_history(-1)

    @rx.event
    def redo(self) -> list[EventSpec]:
        """Re-apply the edit undone last (Ctrl+Shift+Z)."""
        return self._move_in_history(1)

    # -- saving ------------------------------------------------------------------------

    def _save(self) -> str | None:
        """Save the document; returns an error message when the service refused it."""
        document = self._document()
        try:
            with session_scope() as session:
                saved = workflows.update_workflow(
                    session,
                    workflow_id=self.workflow_id,
                    data=WorkflowUpdate(definition=document),
                )
        except ServiceError as exc:
            return error_message(exc)
        text = dumps(saved.definition)
        if text != self._doc:
            history = list(self._history)
            history[self._cursor] = text
            self._history = history
            self._doc = text
        self._saved = text
        self.dirty = False
        self._load_states()  # type: ignore[attr-defined]
        return None

    @rx.event
    def save(self) -> EventSpec | None:
        """Save now (Ctrl+S)."""
        error = self._save()
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
                idle = AUTO_RUN_IDLE_S if self.auto_run else AUTOSAVE_IDLE_S  # type: ignore[attr-defined]
                if time.monotonic() - self._last_edit < idle:
                    continue
                self._autosaving = False
                error = self._save()
                if error:
                    return rx.toast.error(f"Autosave failed: {error}")
                if self.auto_run:  # type: ignore[attr-defined]
                    return self._handler("run_auto")
                return None
