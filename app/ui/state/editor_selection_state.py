"""The selection and what the inspector shows of the selected node (its edits: inspector)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import reflex as rx

from app.engine.nodes import default_registry
from app.ui.state.editor_document import node_by_id
from app.ui.state.editor_form import FieldView, build_fields
from app.ui.state.editor_state import EditorState
from app.ui.state.editor_views import CATEGORY_COLORS

MAX_HINT_KEYS = 6
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ExpressionHint:
    """An expression the selected node can use, e.g. `{{ nodes.Fetch.output.body }}`."""

    label: str
    expression: str


def _node_ref(name: str) -> str:
    return f"nodes.{name}" if IDENTIFIER.match(name) else f'nodes["{name}"]'


def ancestors(document: dict[str, Any], node_id: str) -> list[str]:
    """The nodes upstream of `node_id`, nearest first."""
    parents: dict[str, list[str]] = {}
    for edge in document.get("edges", []):
        parents.setdefault(str(edge.get("target")), []).append(str(edge.get("source")))
    found: list[str] = []
    stack = list(parents.get(node_id, []))
    while stack:
        current = stack.pop(0)
        if current in found or current == node_id:
            continue
        found.append(current)
        stack.extend(parents.get(current, []))
    return found


class SelectionState(EditorState):
    """Which nodes are selected, and the inspector's view of the one selected node."""

    selected_ids: list[str] = []
    sel_id: str = ""
    sel_name: str = ""
    sel_type_label: str = ""
    sel_description: str = ""
    sel_icon: str = "box"
    sel_color: str = ""
    sel_disabled: bool = False
    sel_timeout: str = ""
    sel_retries: str = "0"
    sel_on_error: str = "stop"
    sel_pinned: bool = False
    sel_has_output: bool = False
    # Why a node setting typed in the inspector was refused (kept out of the document, so
    # saving never fails on it): shown under the field until it is fixed.
    name_error: str = ""
    timeout_error: str = ""
    retries_error: str = ""
    fields: list[FieldView] = []
    hints: list[ExpressionHint] = []

    def clear(self) -> None:
        """Nothing selected (a workflow was opened)."""
        self.selected_ids = []
        self.sel_id = ""
        self.clear_errors()

    def clear_errors(self) -> None:
        """Forget refused setting values (another node, or the value was fixed)."""
        self.name_error = self.timeout_error = self.retries_error = ""

    def choose(self, ids: list[str]) -> None:
        """Select these nodes and show the inspector of the one, if only one."""
        if ids != self.selected_ids:
            self.clear_errors()
        self.selected_ids = ids
        self.refresh()

    def refresh(self, document: dict[str, Any] | None = None) -> None:
        """Re-read the inspector's view from the document, its problems and the runs.

        Args:
            document: the current document when the caller already parsed it.
        """
        if document is None:
            document = self.document()
        node = node_by_id(document, self.selected_ids[0]) if len(self.selected_ids) == 1 else None
        node_type = default_registry().get(str(node.get("type"))) if node else None
        if node is None or node_type is None:
            self.sel_id = ""
            self.fields = []
            self.hints = []
            return
        self.sel_id = str(node["id"])
        self.sel_name = str(node.get("name") or node["id"])
        self.sel_type_label = node_type.label
        self.sel_description = node_type.description
        self.sel_icon = node_type.icon
        self.sel_color = CATEGORY_COLORS[node_type.category.value]
        self.sel_disabled = bool(node.get("disabled"))
        timeout = node.get("timeout_s")
        self.sel_timeout = "" if timeout is None else f"{timeout:g}"
        self.sel_retries = str(node.get("retries") or 0)
        self.sel_on_error = str(node.get("on_error") or "stop")
        self.sel_pinned = node.get("pinned_output") is not None
        latest = self._nodes.get(self.sel_id)
        self.sel_has_output = bool(latest and latest.has_output)
        errors: dict[str, str] = {}
        for problem in self._problems:
            if problem.node_id == self.sel_id and problem.field:
                key = problem.field.split(".")[0]
                errors.setdefault(key, problem.message.split(": ", 1)[-1])
        schema = node_type.config_model.model_json_schema()
        self.fields = build_fields(schema, node.get("config") or {}, errors)
        self.hints = [] if node_type.is_trigger else self._hints(document, self.sel_id)

    def _hints(self, document: dict[str, Any], node_id: str) -> list[ExpressionHint]:
        hints = [
            ExpressionHint("Primary input", "{{ input }}"),
            ExpressionHint("Trigger payload", "{{ trigger }}"),
        ]
        for ancestor_id in ancestors(document, node_id):
            ancestor = node_by_id(document, ancestor_id) or {}
            name = str(ancestor.get("name") or ancestor_id)
            ref = _node_ref(name)
            hints.append(ExpressionHint(name, f"{{{{ {ref}.output }}}}"))
            latest = self._nodes.get(ancestor_id)
            hints.extend(
                ExpressionHint(f"{name} / {key}", f"{{{{ {ref}.output.{key} }}}}")
                for key in (latest.keys if latest else [])[:MAX_HINT_KEYS]
                if IDENTIFIER.match(key)
            )
        return hints

    @rx.event
    def select(self, payload: dict[str, Any]) -> None:
        """The canvas's selection changed (the canvas already shows it)."""
        self.choose([str(i) for i in payload.get("ids") or []])

    @rx.event
    def refresh_inspector(self) -> None:
        """Show what a finished run changed (output to pin, output keys for hints)."""
        self.refresh()
