"""The workflow editor's state: the canvas document, inspector and runs in one place."""

from __future__ import annotations

import reflex as rx

from app.services import workflows
from app.services.errors import NotFoundError
from app.services.unit_of_work import session_scope
from app.ui.state.editor_run_mixin import RunMixin


class EditorState(RunMixin, rx.State):
    """State of `/workflows/[workflow_id]`."""

    @rx.event
    def load(self) -> None:
        """Open the workflow named by the URL with a fresh history."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.workflow_id = int(last) if last.isdigit() else 0
        self.loading = True
        self.selected_ids = []
        self.drawer_open = False
        self.run_active = False
        self.execution_id = 0
        try:
            with session_scope(read_only=True) as session:
                workflow = workflows.get_workflow(session, workflow_id=self.workflow_id)
        except NotFoundError:
            self.found = False
            self.loading = False
            return
        self.found = True
        self.name = workflow.name
        self._base_states = {}
        self._reset_document(workflow.definition)
        self._load_states()
        self.fit_key += 1
        self.loading = False
