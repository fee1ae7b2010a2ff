"""Edits made in the inspector: config fields, key-value rows, node settings, pinning.

Node settings are checked against the engine's limits (`NodeSpec`) before they enter the
document: a refused value (a 20,000-character name, a timeout of "soon") gets an inline
error and never reaches a save that would fail.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.engine.spec import NodeSpec
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_canvas_state import CanvasState
from app.ui.state.editor_document import node_by_id, set_config_value, update_node
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_drawer_state import read_node_detail
from app.ui.state.editor_form import FieldView, KeyValue, parse_field, rows_to_dict
from app.ui.state.editor_selection_state import SelectionState
from app.ui.state.editor_state import VIEW_ONLY, EditorState

# The inspector fields of the node settings that NodeSpec limits.
SETTING_FIELDS = {"name": "name", "timeout_s": "timeout", "retries": "retries"}


def setting_error(node: dict[str, Any]) -> tuple[str, str] | None:
    """The first node setting the engine would refuse, and why, or None when all are fine."""
    try:
        NodeSpec.model_validate(node)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if field in SETTING_FIELDS:
                limit = (error.get("ctx") or {}).get("max_length")
                if limit is not None:
                    typed = len(str(node.get(field, "")))
                    return field, f"At most {limit:,} characters ({typed:,} typed)"
                return field, str(error["msg"])
    return None


class InspectorState(EditorState):
    """Handlers of the inspector's inputs; they edit the selected node's document entry."""

    async def _selection(self) -> SelectionState:
        return await self.get_state(SelectionState)

    async def _commit(self, document: dict[str, Any], coalesce: str = "") -> list[EventSpec]:
        return await (await self.get_state(DocumentState)).commit(document, coalesce=coalesce)

    async def _set(self, name: str, value: Any, *, remove: bool = False) -> list[EventSpec]:
        node_id = (await self._selection()).sel_id
        return await self._commit(
            set_config_value(self.document(), node_id, name, value, remove=remove)
        )

    @rx.event
    async def set_field(self, name: str, value: str) -> list[EventSpec]:
        """A text-like field lost focus: store its value (typed by the field's kind)."""
        fields = (await self._selection()).fields
        kind = next((f.kind for f in fields if f.name == name), "text")
        parsed, remove = parse_field(kind, value)
        return await self._set(name, parsed, remove=remove)

    @rx.event
    async def set_choice(self, name: str, value: str) -> list[EventSpec]:
        """A select changed."""
        return await self._set(name, value)

    @rx.event
    async def set_toggle(self, name: str, checked: bool) -> list[EventSpec]:
        """A toggle changed."""
        return await self._set(name, bool(checked))

    async def _rows(self, name: str) -> list[KeyValue]:
        found = next((f for f in (await self._selection()).fields if f.name == name), None)
        return [KeyValue(r.key, r.value) for r in found.rows] if found else []

    async def _set_rows(self, name: str, rows: list[KeyValue]) -> list[EventSpec]:
        events = await self._set(name, rows_to_dict(rows))
        selection = await self._selection()  # keep blank rows the document leaves out
        selection.fields = [
            FieldView(**{**vars(f), "rows": rows}) if f.name == name else f
            for f in selection.fields
        ]
        return events

    @rx.event
    async def set_row(self, name: str, index: int, part: str, value: str) -> list[EventSpec]:
        """A key or value of a key-value row lost focus."""
        rows = await self._rows(name)
        if 0 <= index < len(rows):
            setattr(rows[index], "key" if part == "key" else "value", value)
        return await self._set_rows(name, rows)

    @rx.event
    async def add_row(self, name: str) -> None:
        """Add an empty key-value row (saved once it has a key)."""
        rows = [*await self._rows(name), KeyValue("", "")]
        selection = await self._selection()
        selection.fields = [
            FieldView(**{**vars(f), "rows": rows}) if f.name == name else f
            for f in selection.fields
        ]

    @rx.event
    async def remove_row(self, name: str, index: int) -> list[EventSpec]:
        """Remove a key-value row."""
        rows = [r for i, r in enumerate(await self._rows(name)) if i != index]
        return await self._set_rows(name, rows)

    async def _update(self, field: str, value: Any) -> list[EventSpec]:
        selection = await self._selection()
        document = update_node(self.document(), selection.sel_id, **{field: value})
        refused = setting_error(node_by_id(document, selection.sel_id) or {})
        error = refused[1] if refused and refused[0] == field else ""
        if field in SETTING_FIELDS:
            setattr(selection, f"{SETTING_FIELDS[field]}_error", error)
        if error:
            return []
        return await self._commit(document)

    @rx.event
    async def rename(self, value: str) -> list[EventSpec]:
        """Rename the selected node (refused inline when empty or too long)."""
        if not value.strip():
            (await self._selection()).name_error = "A node needs a name"
            return []
        return await self._update("name", value.strip())

    @rx.event
    async def set_disabled(self, value: bool) -> list[EventSpec]:
        """Disable (skip, passing its input through) or enable the node."""
        return await self._update("disabled", bool(value))

    @rx.event
    async def set_timeout(self, value: str) -> list[EventSpec]:
        """The node's timeout in seconds (blank: the workflow default)."""
        parsed, remove = parse_field("number", value)
        return await self._update("timeout_s", None if remove else parsed)

    @rx.event
    async def set_retries(self, value: str) -> list[EventSpec]:
        """How many times a failed node is retried."""
        parsed, remove = parse_field("integer", value)
        return await self._update("retries", 0 if remove else parsed)

    @rx.event
    async def set_on_error(self, value: str) -> list[EventSpec]:
        """What a failure of the node does: stop, continue or error_output."""
        return await self._update("on_error", value)

    @rx.event
    async def pin_output(self) -> Any:
        """Freeze the node's latest output: runs use it instead of running the node."""
        if not self.can_change:
            return rx.toast.info(VIEW_ONLY, id="view-only")
        node_id = (await self._selection()).sel_id
        latest = self._nodes.get(node_id)
        try:
            detail = await run_db(
                read_node_detail,
                await acting_principal(self),
                self.workflow_id,
                node_id,
                latest.execution_id if latest else None,
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        if not detail.has_output or detail.output is None:
            return rx.toast.error("Run the node first: there is no output to pin")
        return await self._update("pinned_output", json.loads(json.dumps(detail.output)))

    @rx.event
    async def unpin_output(self) -> list[EventSpec]:
        """Let the node run again."""
        return await self._update("pinned_output", None)

    @rx.event
    async def delete_selected(self) -> list[EventSpec]:
        """Delete the selected node."""
        node_id = (await self._selection()).sel_id
        return await (await self.get_state(CanvasState)).remove([node_id], [])

    @rx.event
    async def duplicate_selected(self) -> Any:
        """Duplicate the selected node next to it."""
        node_id = (await self._selection()).sel_id
        return await (await self.get_state(CanvasState)).duplicate([node_id])
