"""The workflow editor's page state: what its substates share. Each job is a substate.

- `DocumentState` (editor_document_state.py): opening, history (patches), views, saving.
- `CanvasState` (editor_canvas_state.py): the canvas's committed edits and the palette.
- `SelectionState` (editor_selection_state.py): the selection and the inspector's view.
- `InspectorState` (editor_inspector_state.py): edits made in the inspector.
- `RunState` (editor_run_state.py): runs, live node statuses, the output drawer.

The shared data lives here: the document being edited and as saved, its problems, and the
latest known run of each node; substates read and write it, and call one another through
`get_state`.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from app.engine.validation import Problem
from app.models.workflow import WorkflowPublic, WorkflowUpdate
from app.services import workflows
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_models import NodeRunState


def dumps(document: dict[str, Any]) -> str:
    """A canonical JSON text of a document (for change checks)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


VIEW_ONLY = "You can look at this workflow but not change it"


def _write_definition(
    principal: Principal, workflow_id: int, document: dict[str, Any]
) -> WorkflowPublic:
    with session_scope() as session:
        return workflows.update_workflow(
            session,
            principal=principal,
            workflow_id=workflow_id,
            data=WorkflowUpdate(definition=document),
        )


def view_only_label(role: str) -> str:
    """The header badge of a workflow the caller may look at but not change."""
    if role == "viewer":
        return "View only — your role is viewer"
    return "View only — shared with you as viewer"


class EditorState(rx.State):
    """State of `/workflows/[workflow_id]` shared by its substates."""

    workflow_id: int = 0
    found: bool = True
    loading: bool = True
    name: str = ""
    dirty: bool = False
    # Why the last save failed ("" once it saved): shown until the next save succeeds.
    save_error: str = ""
    auto_run: bool = False
    # What the caller may do with the workflow open ("read", "change", "run", ...).
    access: list[str] = []
    # The header badge when it may not change it ("" when it may).
    view_only: str = ""

    _doc: str = "{}"
    _saved: str = "{}"
    _problems: list[Problem] = []
    _nodes: dict[str, NodeRunState] = {}

    @rx.var
    def can_change(self) -> bool:
        """Whether the caller may edit the workflow (else the canvas is read-only)."""
        return Action.CHANGE in self.access

    @rx.var
    def can_run(self) -> bool:
        """Whether the caller may run the workflow."""
        return Action.RUN in self.access

    @rx.var
    def can_share(self) -> bool:
        """Whether the caller may share the workflow with other users."""
        return Action.SHARE in self.access

    def set_access(self, access: list[str], role: str) -> None:
        """What the caller may do with the workflow just opened, and its badge."""
        self.access = list(access)
        self.view_only = "" if Action.CHANGE in access else view_only_label(role)

    def document(self) -> dict[str, Any]:
        """The document being edited (a fresh copy)."""
        return json.loads(self._doc)

    def saved_document(self) -> dict[str, Any]:
        """The document as last saved."""
        return json.loads(self._saved)

    async def save_document(self) -> str | None:
        """Save the document (off the event loop); returns why the service refused it."""
        sent = self._doc
        if Action.CHANGE not in self.access:
            self.save_error = VIEW_ONLY
            return self.save_error
        try:
            saved = await run_db(
                _write_definition, await acting_principal(self), self.workflow_id, json.loads(sent)
            )
        except ServiceError as exc:
            self.save_error = error_message(exc)
            return self.save_error
        stored = dumps(saved.definition)
        if self._doc == sent:
            self._doc = stored
        self._saved = stored
        self.save_error = ""
        self.dirty = self._doc != self._saved
        return None
