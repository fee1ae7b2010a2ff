"""The inspector of the selected node: its generated config form, settings and actions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.engine.nodes import default_registry
from app.ui.state.editor_canvas_mixin import CanvasMixin
from app.ui.state.editor_document import node_by_id, set_config_value, update_node
from app.ui.state.editor_form import FieldView, KeyValue, build_fields, parse_field, rows_to_dict
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


def _ancestors(document: dict[str, Any], node_id: str) -> list[str]:
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


class InspectorMixin(CanvasMixin, mixin=True):
    """The side panel for one selected node."""

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
    fields: list[FieldView] = []
    hints: list[ExpressionHint] = []

    def _refresh_inspector(self) -> None:
        document = self._document()
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
        base = self._base_states.get(self.sel_id) or {}
        self.sel_has_output = bool(base.get("has_output"))
        errors: dict[str, str] = {}
        for problem in self._problems:
            if problem.get("node_id") == self.sel_id and problem.get("field"):
                key = str(problem["field"]).split(".")[0]
                errors.setdefault(key, str(problem["message"]).split(": ", 1)[-1])
        schema = node_type.config_model.model_json_schema()
        self.fields = build_fields(schema, node.get("config") or {}, errors)
        self.hints = self._hints(document, node)

    def _hints(self, document: dict[str, Any], node: dict[str, Any]) -> list[ExpressionHint]:
        if default_registry().get(str(node.get("type"))).is_trigger:  # type: ignore[union-attr]
            return []
        hints = [
            ExpressionHint("Primary input", "{{ input }}"),
            ExpressionHint("Trigger payload", "{{ trigger }}"),
        ]
        for ancestor_id in _ancestors(document, str(node["id"])):
            ancestor = node_by_id(document, ancestor_id) or {}
            name = str(ancestor.get("name") or ancestor_id)
            ref = _node_ref(name)
            hints.append(ExpressionHint(name, f"{{{{ {ref}.output }}}}"))
            keys = (self._base_states.get(ancestor_id) or {}).get("keys") or []
            hints.extend(
                ExpressionHint(f"{name} / {key}", f"{{{{ {ref}.output.{key} }}}}")
                for key in keys[:MAX_HINT_KEYS]
                if IDENTIFIER.match(key)
            )
        return hints

    def _field_kind(self, name: str) -> str:
        return next((f.kind for f in self.fields if f.name == name), "text")

    @rx.event
    def set_field(self, name: str, value: str) -> list[EventSpec]:
        """A text-like field lost focus: store its value (typed by the field's kind)."""
        parsed, remove = parse_field(self._field_kind(name), value)
        return self._edit(
            set_config_value(self._document(), self.sel_id, name, parsed, remove=remove)
        )

    @rx.event
    def set_choice(self, name: str, value: str) -> list[EventSpec]:
        """A select changed."""
        return self._edit(set_config_value(self._document(), self.sel_id, name, value))

    @rx.event
    def set_toggle(self, name: str, checked: bool) -> list[EventSpec]:
        """A toggle changed."""
        return self._edit(set_config_value(self._document(), self.sel_id, name, bool(checked)))

    def _rows(self, name: str) -> list[KeyValue]:
        found = next((f for f in self.fields if f.name == name), None)
        return [KeyValue(r.key, r.value) for r in found.rows] if found else []

    def _set_rows(self, name: str, rows: list[KeyValue], *, keep_blank: bool) -> list[EventSpec]:
        document = set_config_value(self._document(), self.sel_id, name, rows_to_dict(rows))
        events = self._edit(document)
        if keep_blank:
            self.fields = [
                FieldView(**{**vars(f), "rows": rows}) if f.name == name else f for f in self.fields
            ]
        return events

    @rx.event
    def set_row(self, name: str, index: int, part: str, value: str) -> list[EventSpec]:
        """A key or value of a key-value row lost focus."""
        rows = self._rows(name)
        if 0 <= index < len(rows):
            setattr(rows[index], "key" if part == "key" else "value", value)
        return self._set_rows(name, rows, keep_blank=True)

    @rx.event
    def add_row(self, name: str) -> None:
        """Add an empty key-value row (saved once it has a key)."""
        rows = [*self._rows(name), KeyValue("", "")]
        self.fields = [
            FieldView(**{**vars(f), "rows": rows}) if f.name == name else f for f in self.fields
        ]

    @rx.event
    def remove_row(self, name: str, index: int) -> list[EventSpec]:
        """Remove a key-value row."""
        rows = [r for i, r in enumerate(self._rows(name)) if i != index]
        return self._set_rows(name, rows, keep_blank=True)

    def _update(self, **fields: Any) -> list[EventSpec]:
        return self._edit(update_node(self._document(), self.sel_id, **fields))

    @rx.event
    def rename(self, value: str) -> list[EventSpec] | EventSpec:
        """Rename the selected node."""
        if not value.strip():
            self.form_key += 1
            return rx.toast.error("A node needs a name")
        return self._update(name=value.strip())

    @rx.event
    def set_disabled(self, value: bool) -> list[EventSpec]:
        """Disable (skip, passing its input through) or enable the node."""
        return self._update(disabled=bool(value))

    @rx.event
    def set_timeout(self, value: str) -> list[EventSpec]:
        """The node's timeout in seconds (blank: the workflow default)."""
        parsed, remove = parse_field("number", value)
        return self._update(timeout_s=None if remove else parsed)

    @rx.event
    def set_retries(self, value: str) -> list[EventSpec]:
        """How many times a failed node is retried."""
        parsed, remove = parse_field("integer", value)
        return self._update(retries=0 if remove else parsed)

    @rx.event
    def set_on_error(self, value: str) -> list[EventSpec]:
        """What a failure of the node does: stop, continue or error_output."""
        return self._update(on_error=value)

    @rx.event
    def pin_output(self) -> list[EventSpec] | EventSpec:
        """Freeze the node's latest output: runs use it instead of running the node."""
        base = self._base_states.get(self.sel_id) or {}
        if not base.get("has_output") or base.get("output") is None:
            return rx.toast.error("Run the node first: there is no output to pin")
        # A plain copy: the stored value is wrapped in Reflex's change-tracking proxy.
        return self._update(pinned_output=json.loads(json.dumps(base["output"])))

    @rx.event
    def unpin_output(self) -> list[EventSpec]:
        """Let the node run again."""
        return self._update(pinned_output=None)

    @rx.event
    def delete_selected(self) -> list[EventSpec]:
        """Delete the selected node."""
        return self._remove([self.sel_id], [])

    @rx.event
    def duplicate_selected(self) -> list[EventSpec]:
        """Duplicate the selected node next to it."""
        return self._duplicate([self.sel_id])
