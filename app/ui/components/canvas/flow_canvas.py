"""The React Flow canvas (assets/flow_canvas.jsx) as a Reflex component, bound to the editor."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import passthrough_event_spec

from app.ui.state.editor_canvas_state import CanvasState as C
from app.ui.state.editor_document import node_handles
from app.ui.state.editor_document_state import DocumentState as D
from app.ui.state.editor_run_state import RunState as R
from app.ui.state.editor_selection_state import SelectionState as L
from app.ui.state.editor_state import EditorState as E
from app.ui.state.editor_versions_state import VersionsState as V
from app.ui.state.editor_views import palette_groups

CANVAS_MODULE = rx.asset("flow_canvas.jsx")


class FlowCanvas(rx.NoSSRComponent):
    """@xyflow/react 12 with local state: Python receives committed edits only."""

    library = CANVAS_MODULE.importable_path
    lib_dependencies: list[str] = ["@xyflow/react@12.12.1"]
    tag = "FlowCanvas"

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    statuses: rx.Var[dict[str, Any]]
    # During a run: only the cards that changed since the last push (merged by the canvas).
    live: rx.Var[Any]
    auto_run: rx.Var[bool]
    fit_key: rx.Var[int]
    color_mode: rx.Var[str]
    quick_add_types: rx.Var[list[dict[str, Any]]]
    # A view-only caller: no drag, connect, delete, drop or quick add.
    read_only: rx.Var[bool]
    can_run: rx.Var[bool]

    on_nodes_moved: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_connect_nodes: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_delete_items: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_select: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_drop_node: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_node_action: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_command: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_quick_add: rx.EventHandler[passthrough_event_spec(dict[str, Any])]


def quick_add_types() -> list[dict[str, Any]]:
    """The node types the canvas's quick-add menu offers, in palette order."""
    choices = []
    for group in palette_groups(""):
        for item in group.node_types:
            if not item.available:
                continue
            inputs, outputs = node_handles({"type": item.type})
            choices.append(
                {
                    "type": item.type,
                    "label": item.label,
                    "description": item.description,
                    "category": group.title,
                    "icon": item.icon,
                    "color": item.color,
                    "hasInput": bool(inputs),
                    "hasOutput": bool(outputs),
                }
            )
    return choices


def flow_canvas() -> rx.Component:
    """The editor's canvas, filling its (explicitly sized) container.

    While the history panel compares two versions the same canvas shows the visual diff,
    read-only: version b's nodes (and a's removed ones) with their diff status.
    """
    return FlowCanvas.create(
        nodes=rx.cond(V.diff_shown, V.diff_nodes, D.rf_nodes),
        edges=rx.cond(V.diff_shown, V.diff_edges, D.rf_edges),
        statuses=rx.cond(V.diff_shown, {}, R.statuses),
        live=R.live,
        auto_run=E.auto_run,
        fit_key=D.fit_key,
        read_only=~E.can_change | V.diff_shown,
        can_run=E.can_run & ~V.diff_shown,
        color_mode=rx.color_mode_cond("light", "dark"),
        quick_add_types=quick_add_types(),
        on_nodes_moved=C.nodes_moved,
        on_connect_nodes=C.connect_nodes,
        on_delete_items=C.delete_items,
        on_select=L.select,
        on_drop_node=C.drop_node,
        on_node_action=C.node_action,
        on_command=C.command,
        on_quick_add=C.quick_add,
    )


def canvas_placeholder() -> rx.Component:
    """What the canvas area shows while the canvas's code loads (a few seconds the first
    time under `make run`); placed before `flow_canvas()`, it hides once React Flow is in a
    sibling after it."""
    return rx.center(
        rx.hstack(
            rx.spinner(size="2"),
            rx.text("Loading the canvas…", size="2", color=rx.color("gray", 11)),
            align="center",
            spacing="2",
        ),
        position="absolute",
        inset="0",
        pointer_events="none",
        data_testid="canvas-placeholder",
        style={"&:has(~ * .react-flow)": {"display": "none"}},
    )
