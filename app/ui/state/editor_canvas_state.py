"""Events the canvas sends: moves, connects, deletes, drops, shortcuts, node menus; the palette."""

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
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_drawer_state import DrawerState
from app.ui.state.editor_layout import auto_layout
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_selection_state import SelectionState
from app.ui.state.editor_state import EditorState
from app.ui.state.editor_views import PaletteGroup, palette_groups


class CanvasState(EditorState):
    """Committed changes from the canvas, keyboard shortcuts, node menus and the palette."""

    palette_search: str = ""
    # "auto" collapses the palette to icons on a narrow screen; "open"/"closed" are chosen.
    palette_mode: str = "auto"
    # The last refused connection and why, shown over the canvas until the next edit.
    refused: str = ""
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

    async def _commit(self, document: dict[str, Any], **options: Any) -> list[EventSpec]:
        self.refused = ""
        return await (await self.get_state(DocumentState)).commit(document, **options)

    async def _select_and_commit(self, ids: list[str], document: dict[str, Any]) -> Any:
        (await self.get_state(SelectionState)).selected_ids = ids
        return await self._commit(document)

    @rx.event
    async def nodes_moved(self, payload: dict[str, Any]) -> list[EventSpec]:
        """A drag ended: commit the new positions (the canvas already shows them)."""
        moves = payload.get("moves") or []
        return await self._commit(move_nodes(self.document(), moves), moves_only=True)

    @rx.event
    async def connect_nodes(self, payload: dict[str, Any]) -> list[EventSpec] | EventSpec:
        """Connect two handles; a connection that cannot be made is refused with the reason."""
        try:
            document = connect(
                self.document(),
                str(payload.get("source")),
                str(payload.get("source_handle") or "out"),
                str(payload.get("target")),
                str(payload.get("target_handle") or "in"),
            )
        except EditRefused as exc:
            self.refused = str(exc)
            return rx.toast.error(str(exc), duration=6000)
        return await self._commit(document)

    @rx.event
    def dismiss_refusal(self) -> None:
        """Hide the message about a refused connection."""
        self.refused = ""

    @rx.event
    async def delete_items(self, payload: dict[str, Any]) -> list[EventSpec]:
        """Delete nodes (with their edges) and edges."""
        return await self.remove(
            [str(n) for n in payload.get("nodes") or []],
            [str(e) for e in payload.get("edges") or []],
        )

    async def remove(self, nodes: list[str], edges: list[str]) -> list[EventSpec]:
        """Delete nodes (with their edges) and edges, and drop them from the selection."""
        selection = await self.get_state(SelectionState)
        selection.selected_ids = [s for s in selection.selected_ids if s not in nodes]
        return await self._commit(remove_items(self.document(), nodes, edges))

    @rx.event
    async def drop_node(self, payload: dict[str, Any]) -> Any:
        """A palette item was dropped on the canvas: add that node where it fell."""
        try:
            document, node_id = add_node(
                self.document(),
                str(payload.get("type")),
                float(payload.get("x", 0)),
                float(payload.get("y", 0)),
            )
        except EditRefused as exc:
            return rx.toast.error(str(exc))
        return await self._select_and_commit([node_id], document)

    @rx.event
    async def quick_add(self, payload: dict[str, Any]) -> Any:
        """A node picked in the canvas's quick-add menu, linked to a dragged edge's end."""
        source = target = None
        if payload.get("source"):
            source = (str(payload["source"]), str(payload.get("source_handle") or "out"))
        if payload.get("target"):
            target = (str(payload["target"]), str(payload.get("target_handle") or "in"))
        try:
            document, node_id = add_node_linked(
                self.document(),
                str(payload.get("type")),
                float(payload.get("x", 0)),
                float(payload.get("y", 0)),
                source=source,
                target=target,
            )
        except (EditRefused, TypeError, ValueError) as exc:  # a position that is not a number
            return rx.toast.error(str(exc))
        return await self._select_and_commit([node_id], document)

    @rx.event
    async def add_from_palette(self, type_id: str) -> Any:
        """A palette item was clicked: add it next to the selected node, connected to it."""
        selected = (await self.get_state(SelectionState)).selected_ids
        try:
            document, node_id = add_node_near(
                self.document(), type_id, selected[0] if selected else None
            )
        except EditRefused as exc:
            return rx.toast.error(str(exc))
        return await self._select_and_commit([node_id], document)

    @rx.event
    async def command(self, payload: dict[str, Any]) -> Any:
        """Keyboard shortcuts: save, undo, redo, copy, paste, duplicate."""
        name = str(payload.get("command"))
        selected = (await self.get_state(SelectionState)).selected_ids
        ids = [str(i) for i in payload.get("ids") or []] or list(selected)
        if name == "save":
            return DocumentState.save
        if name == "undo":
            return DocumentState.undo
        if name == "redo":
            return DocumentState.redo
        if name == "copy" and ids:
            self._clipboard = json.dumps(copy_items(self.document(), ids))
            return rx.toast.info(f"Copied {len(ids)} node{'s' if len(ids) > 1 else ''}")
        if name == "paste" and self._clipboard:
            document, new_ids = paste_items(self.document(), json.loads(self._clipboard))
            return await self._select_and_commit(new_ids, document)
        if name == "duplicate" and ids:
            return await self.duplicate(ids)
        return None

    async def duplicate(self, ids: list[str]) -> Any:
        """Copies of the nodes (and the edges between them) next to them, selected."""
        document, new_ids = paste_items(self.document(), copy_items(self.document(), ids))
        return await self._select_and_commit(new_ids, document)

    @rx.event
    async def node_action(self, payload: dict[str, Any]) -> Any:
        """An entry of a node's context menu (or a double click: open its output)."""
        node_id, action = str(payload.get("id")), str(payload.get("action"))
        if action == "run_node":
            return RunState.run_node(node_id)
        if action == "run_up_to":
            return RunState.run_up_to(node_id)
        if action == "open_output":
            return DrawerState.open_output(node_id)
        if action == "duplicate":
            return await self.duplicate([node_id])
        if action == "delete":
            return await self.remove([node_id], [])
        if action == "toggle_disabled":
            node = node_by_id(self.document(), node_id) or {}
            disabled = not node.get("disabled", False)
            return await self._commit(update_node(self.document(), node_id, disabled=disabled))
        return None

    @rx.event
    async def arrange(self) -> list[EventSpec]:
        """Auto-layout left to right and fit the view."""
        events = await self._commit(auto_layout(self.document()))
        (await self.get_state(DocumentState)).fit_key += 1
        return events
