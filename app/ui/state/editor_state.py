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
from app.services.version_store import VersionConflictError
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_models import NodeRunState


def dumps(document: dict[str, Any]) -> str:
    """A canonical JSON text of a document (for change checks)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


VIEW_ONLY = "You can look at this workflow but not change it"


def write_definition(
    principal: Principal,
    workflow_id: int,
    document: dict[str, Any],
    base_version: int | None,
    base_hash: str | None,
) -> WorkflowPublic:
    """Save the document, refused (VersionConflictError) when someone saved since the base
    (run on a db thread)."""
    with session_scope() as session:
        return workflows.update_workflow(
            session,
            principal=principal,
            workflow_id=workflow_id,
            data=WorkflowUpdate(
                definition=document, base_version=base_version, base_hash=base_hash
            ),
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
    # Someone else saved since this editor loaded: "reload / keep mine / merge" is asked.
    conflict: str = ""
    # The side panel open beside the canvas ("history", "schedules", "webhooks" or ""):
    # one at a time, as two leave the canvas no room at 1024 px.
    side_panel: str = ""

    _doc: str = "{}"
    _saved: str = "{}"
    _problems: list[Problem] = []
    _nodes: dict[str, NodeRunState] = {}
    # The version the document was loaded or last saved as: saves are based on it.
    _base_version: int | None = None
    _base_hash: str | None = None

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

    def set_base(self, workflow: WorkflowPublic) -> None:
        """Base the next saves on the version the workflow is now (just loaded or saved)."""
        self._base_version = workflow.version_number
        self._base_hash = workflow.version_hash or None
        self.conflict = ""

    def base_version(self) -> int | None:
        """The version the next save is based on."""
        return self._base_version

    def rebase(self, version: int) -> None:
        """Base the next save on `version` (a merge took its changes in)."""
        self._base_version, self._base_hash = version, None
        self.conflict = ""

    def document(self) -> dict[str, Any]:
        """The document being edited (a fresh copy)."""
        return json.loads(self._doc)

    def saved_document(self) -> dict[str, Any]:
        """The document as last saved."""
        return json.loads(self._saved)

    async def save_document(self, *, overwrite: bool = False) -> str | None:
        """Save the document (off the event loop); returns why the service refused it.

        Args:
            overwrite: save over a newer version someone else saved ("keep mine"; theirs
                stays in the history).
        """
        sent = self._doc
        if Action.CHANGE not in self.access:
            self.save_error = VIEW_ONLY
            return self.save_error
        try:
            saved = await run_db(
                write_definition,
                await acting_principal(self),
                self.workflow_id,
                json.loads(sent),
                None if overwrite else self._base_version,
                None if overwrite else self._base_hash,
            )
        except VersionConflictError as exc:
            self.conflict = self.save_error = error_message(exc)
            return self.save_error
        except ServiceError as exc:
            self.save_error = error_message(exc)
            return self.save_error
        self.set_base(saved)
        stored = dumps(saved.definition)
        if self._doc == sent:
            self._doc = stored
        self._saved = stored
        self.save_error = ""
        self.dirty = self._doc != self._saved
        return None
