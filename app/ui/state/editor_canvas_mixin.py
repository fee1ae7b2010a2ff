"""Events the canvas sends: moves, connects, deletes, drops, selection and shortcuts."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.ui.state.editor_document import (
    EditRefused,
    add_node,
    add_node_linked,
    add_node_near,
    connect,
    copy_items,
    move_nodes,
    node_by_id,
    paste_items,
    remove_items,
    update_node,
)
from app.ui.state.editor_edit_mixin import EditMixin
from app.ui.state.editor_layout import auto_layout
from app.ui.state.editor_views import PaletteGroup, canvas_nodes, palette_groups


class CanvasMixin(EditMixin, mixin=True):
    """Handlers of the canvas's committed changes and the palette."""

    palette_search: str = ""
    # "auto" collapses the palette to icons on a narrow screen; "open"/"closed" are chosen.
    palette_mode: str = "auto"
    _clipboard: str = ""

    @rx.var
    def palette(self) -> list[PaletteGroup]:
        """Palette groups matching the search."""
        return palette_groups(self.palette_search)

    @rx.event
    def set_palette_search(self, value: str) -> None:
        """Filter the palette."""
        self.palette_search = value

    @rx.event
    def set_palette_mode(self, mode: str) -> None:
        """Expand the palette ("open"), collapse it to icons ("closed") or follow the width."""
        self.palette_mode = mode if mode in ("auto", "open", "closed") else "auto"
        if self.palette_mode == "closed":
            self.palette_search = ""  # a hidden search would hide nodes

    def _select(self, ids: list[str]) -> None:
        self.selected_ids = ids
        self._refresh_inspector()  # type: ignore[attr-defined]

    @rx.event
    def nodes_moved(self, payload: dict[str, Any]) -> list[EventSpec]:
        """A drag ended: commit the new positions (the canvas already shows them)."""
        moves = payload.get("moves") or []
        return self._edit(move_nodes(self._document(), moves), moves_only=True)

    @rx.event
    def connect_nodes(self, payload: dict[str, Any]) -> list[EventSpec] | EventSpec:
        """Connect two handles, unless that makes a cycle or uses a handle that is not there."""
        try:
            document = connect(
                self._document(),
                str(payload.get("source")),
                str(payload.get("source_handle") or "out"),
                str(payload.get("target")),
                str(payload.get("target_handle") or "in"),
            )
        except EditRefused as exc:
            return rx.toast.error(str(exc))
        return self._edit(document)

    @rx.event
    def delete_items(self, payload: dict[str, Any]) -> list[EventSpec]:
        """Delete nodes (with their edges) and edges."""
        return self._remove(
            [str(n) for n in payload.get("nodes") or []],
            [str(e) for e in payload.get("edges") or []],
        )

    def _remove(self, nodes: list[str], edges: list[str]) -> list[EventSpec]:
        self.selected_ids = [s for s in self.selected_ids if s not in nodes]
        return self._edit(remove_items(self._document(), nodes, edges))

    @rx.event
    def select(self, payload: dict[str, Any]) -> None:
        """The canvas's selection changed."""
        self._select([str(i) for i in payload.get("ids") or []])

    @rx.event
    def focus_node(self, node_id: str) -> None:
        """Select one node (or none) from outside the canvas, e.g. from the problems list."""
        self._select([node_id] if node_id else [])
        self.rf_nodes = canvas_nodes(self._document(), self._problem_list(), self.selected_ids)

    @rx.event
    def drop_node(self, payload: dict[str, Any]) -> list[EventSpec] | EventSpec:
        """A palette item was dropped on the canvas: add that node where it fell."""
        try:
            document, node_id = add_node(
                self._document(),
                str(payload.get("type")),
                float(payload.get("x", 0)),
                float(payload.get("y", 0)),
            )
        except EditRefused as exc:
            return rx.toast.error(str(exc))
        self.selected_ids = [node_id]
        return self._edit(document)

    @rx.event
    def quick_add(self, payload: dict[str, Any]) -> list[EventSpec] | EventSpec:
        """The canvas's quick-add menu picked a type: add it at the pointer, linked to the
        handle a dropped connection started from (if any)."""
        source, target = payload.get("source"), payload.get("target")
        try:
            document, node_id = add_node_linked(
                self._document(),
                str(payload.get("type")),
                float(payload.get("x", 0)),
                float(payload.get("y", 0)),
                source=(str(source), str(payload.get("source_handle") or "out"))
                if source
                else None,
                target=(str(target), str(payload.get("target_handle") or "in")) if target else None,
            )
        except (EditRefused, TypeError, ValueError) as exc:
            return rx.toast.error(str(exc))
        self.selected_ids = [node_id]
        return self._edit(document)

    @rx.event
    def add_from_palette(self, type_id: str) -> list[EventSpec] | EventSpec:
        """A palette item was clicked: add it next to the selected node, connected to it."""
        anchor = self.selected_ids[0] if self.selected_ids else None
        try:
            document, node_id = add_node_near(self._document(), type_id, anchor)
        except EditRefused as exc:
            return rx.toast.error(str(exc))
        self.selected_ids = [node_id]
        return self._edit(document)

    @rx.event
    def command(self, payload: dict[str, Any]) -> Any:
        """Keyboard shortcuts: save, undo, redo, copy, paste, duplicate."""
        name = str(payload.get("command"))
        ids = [str(i) for i in payload.get("ids") or []] or list(self.selected_ids)
        if name == "save":
            return self._handler("save")
        if name == "undo":
            return self._move_in_history(-1)
        if name == "redo":
            return self._move_in_history(1)
        if name == "copy" and ids:
            self._clipboard = json.dumps(copy_items(self._document(), ids))
            return rx.toast.info(f"Copied {len(ids)} node{'s' if len(ids) > 1 else ''}")
        if name == "paste" and self._clipboard:
            document, new_ids = paste_items(self._document(), json.loads(self._clipboard))
            self.selected_ids = new_ids
            return self._edit(document)
        if name == "duplicate" and ids:
            return self._duplicate(ids)
        return None

    def _duplicate(self, ids: list[str]) -> list[EventSpec]:
        document, new_ids = paste_items(self._document(), copy_items(self._document(), ids))
        self.selected_ids = new_ids
        return self._edit(document)

    @rx.event
    def node_action(self, payload: dict[str, Any]) -> Any:
        """An entry of a node's context menu."""
        node_id, action = str(payload.get("id")), str(payload.get("action"))
        if action == "run_node":
            return self._handler("run_node")(node_id)
        if action == "run_up_to":
            return self._handler("run_up_to")(node_id)
        if action == "open_output":
            return self._handler("open_output")(node_id)
        if action == "duplicate":
            return self._duplicate([node_id])
        if action == "delete":
            return self._remove([node_id], [])
        if action == "toggle_disabled":
            node = node_by_id(self._document(), node_id) or {}
            disabled = not node.get("disabled", False)
            return self._edit(update_node(self._document(), node_id, disabled=disabled))
        return None

    @rx.event
    def arrange(self) -> list[EventSpec]:
        """Auto-layout left to right and fit the view."""
        events = self._edit(auto_layout(self._document()))
        self.fit_key += 1
        return events
