"""The workflow editor (`/workflows/[workflow_id]`): palette, canvas, inspector, output panel."""

from __future__ import annotations

import reflex as rx

from app.ui.components.budget_parts import canvas_budget_banner
from app.ui.components.canvas.ab_dialog import ab_dialog
from app.ui.components.canvas.conflict_dialog import conflict_dialog
from app.ui.components.canvas.flow_canvas import canvas_placeholder, flow_canvas
from app.ui.components.canvas.history_panel import diff_legend, history_panel, restore_dialog
from app.ui.components.canvas.inspector import inspector
from app.ui.components.canvas.leave_guard import leave_guard
from app.ui.components.canvas.output_panel import output_panel
from app.ui.components.canvas.palette import palette
from app.ui.components.canvas.refusal_note import refusal_note
from app.ui.components.canvas.schedule_panel import schedule_delete_dialog, schedule_panel
from app.ui.components.canvas.toolbar import problems_panel, toolbar
from app.ui.components.canvas.webhook_dialogs import webhook_dialogs
from app.ui.components.canvas.webhook_panel import webhook_panel
from app.ui.components.empty_state import empty_state
from app.ui.components.share_dialog import share_dialog
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_state import EditorState as E

TOOLBAR_HEIGHT = "56px"


def _editor() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.hstack(
            # A view-only caller adds no nodes.
            rx.cond(E.can_change, palette()),
            # The canvas column: panels above and below it take their own room, so they
            # never cover a node nor swallow a drop.
            rx.vstack(
                canvas_budget_banner(),
                problems_panel(),
                rx.box(
                    canvas_placeholder(),
                    flow_canvas(),
                    diff_legend(),
                    refusal_note(),
                    rx.cond(
                        E.loading,
                        rx.center(
                            rx.spinner(size="3"),
                            position="absolute",
                            inset="0",
                            background=rx.color("gray", 2),
                            z_index="20",
                        ),
                    ),
                    position="relative",
                    flex="1",
                    min_height="0",
                    width="100%",
                    data_testid="canvas-area",
                ),
                output_panel(),
                spacing="0",
                flex="1",
                min_width="0",
                height="100%",
                background=rx.color("gray", 2),
            ),
            inspector(),
            history_panel(),
            schedule_panel(),
            webhook_panel(),
            spacing="0",
            width="100%",
            height=f"calc(100vh - {TOOLBAR_HEIGHT})",
        ),
        leave_guard(),
        conflict_dialog(),
        share_dialog(),
        restore_dialog(),
        ab_dialog(),
        schedule_delete_dialog(),
        webhook_dialogs(),
        spacing="0",
        width="100%",
        height="100vh",
        # Leaving the editor stops following its run (the run itself goes on).
        on_unmount=RunState.stop_following,
    )


def workflow_editor_page() -> rx.Component:
    """The page of one workflow: a full-screen editor (the toolbar links back)."""
    # The editor renders at once (the canvas module loads while the workflow is fetched).
    return rx.el.main(
        rx.cond(
            E.found,
            _editor(),
            rx.center(
                rx.box(
                    empty_state(
                        "file_question",
                        "Workflow not found",
                        "It may have been deleted, or it is not shared with you.",
                        rx.link(rx.button("All workflows"), href="/workflows"),
                    ),
                    width="min(520px, 100% - 48px)",
                ),
                height="100vh",
            ),
        ),
        width="100%",
        height="100vh",
        overflow="hidden",
        background=rx.color("gray", 1),
    )
