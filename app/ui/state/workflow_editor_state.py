"""The workflow page (canvas to come): name, node list, problems, run with an input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.engine.nodes import default_registry
from app.models.workflow import WorkflowPublic
from app.services import executions, workflows
from app.services.errors import NotFoundError, ServiceError
from app.services.unit_of_work import session_scope
from app.ui.state.display import error_message, iso


@dataclass
class NodeView:
    """One node of the workflow in the list."""

    id: str
    name: str
    type: str
    type_label: str
    icon: str
    disabled: bool
    problem: str


def _node_views(workflow: WorkflowPublic) -> list[NodeView]:
    registry = default_registry()
    problems: dict[str, str] = {}
    for problem in workflow.problems:
        if problem.node_id:
            problems.setdefault(problem.node_id, problem.message)
    views = []
    for node in workflow.definition.get("nodes", []):
        node_type = registry.get(str(node.get("type", "")))
        views.append(
            NodeView(
                id=str(node.get("id", "")),
                name=str(node.get("name") or node.get("id", "")),
                type=str(node.get("type", "")),
                type_label=node_type.label if node_type else str(node.get("type", "")),
                icon=node_type.icon if node_type else "box",
                disabled=bool(node.get("disabled", False)),
                problem=problems.get(str(node.get("id", "")), ""),
            )
        )
    return views


class WorkflowEditorState(rx.State):
    """State of one workflow's page."""

    workflow_id: int = 0
    found: bool = True
    loading: bool = True
    name: str = ""
    description: str = ""
    updated_at: str = ""
    nodes: list[NodeView] = []
    edge_count: int = 0
    problems: list[str] = []
    input_text: str = ""

    def _reload(self) -> None:
        try:
            with session_scope(read_only=True) as session:
                workflow = workflows.get_workflow(session, workflow_id=self.workflow_id)
        except NotFoundError:
            self.found = False
            self.loading = False
            return
        self.found = True
        self.name = workflow.name
        self.description = workflow.description
        self.updated_at = iso(workflow.updated_at)
        self.nodes = _node_views(workflow)
        self.edge_count = len(workflow.definition.get("edges", []))
        self.problems = [problem.message for problem in workflow.problems]
        self.loading = False

    @rx.event
    def load(self) -> None:
        """Load the workflow named by the URL (`/workflows/<id>`)."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.workflow_id = int(last) if last.isdigit() else 0
        self.loading = True
        self.input_text = ""
        self._reload()

    @rx.event
    def set_input_text(self, value: str) -> None:
        """Keep the run input the user is typing."""
        self.input_text = value

    @rx.event
    async def run(self) -> EventSpec | list[EventSpec]:
        """Start a manual execution with the JSON input (if any) and open it."""
        payload: Any = None
        if self.input_text.strip():
            try:
                payload = json.loads(self.input_text)
            except json.JSONDecodeError as exc:
                return rx.toast.error(f"The input is not valid JSON: {exc.msg}")
        try:
            with session_scope() as session:
                execution = executions.start_execution(
                    session, workflow_id=self.workflow_id, input=payload
                )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return [
            rx.toast.success(f"Started execution #{execution.id}"),
            rx.redirect(f"/executions/{execution.id}"),
        ]
