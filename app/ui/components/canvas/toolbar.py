"""The editor's top bar (name, save state, history, runs) and the floating problems list."""

from __future__ import annotations

import reflex as rx

from app.ui.components.canvas.schedule_panel import schedules_button
from app.ui.components.share_dialog import share_button
from app.ui.state.editor_canvas_state import CanvasState as C
from app.ui.state.editor_document_state import DocumentState as D
from app.ui.state.editor_run_state import RunState as R
from app.ui.state.editor_state import EditorState as E
from app.ui.state.editor_versions_state import VersionsState as V
from app.ui.state.editor_views import ProblemView
from app.ui.state.editor_webhooks_state import WebhooksPanelState as WH

CANNOT_RUN_TIP = "You can look at this workflow but not run it (shared with you as viewer)"


def _save_state() -> rx.Component:
    return rx.cond(
        E.view_only != "",
        rx.badge(
            rx.icon("eye", size=12),
            E.view_only,
            color_scheme="blue",
            variant="soft",
            size="2",
            white_space="nowrap",
            data_testid="view-only-badge",
        ),
        _saved_marker(),
    )


def _saved_marker() -> rx.Component:
    return rx.cond(
        E.dirty,
        rx.hstack(
            rx.box(
                width="7px", height="7px", border_radius="99px", background=rx.color("amber", 9)
            ),
            rx.text("Unsaved changes", size="1", color=rx.color("amber", 11)),
            align="center",
            spacing="1",
            data_testid="unsaved-marker",
        ),
        rx.hstack(
            rx.icon("cloud_check", size=13, color=rx.color("gray", 10)),
            rx.text("Saved", size="1", color=rx.color("gray", 10)),
            align="center",
            spacing="1",
            data_testid="saved-marker",
        ),
    )


def _icon_button(icon: str, label: str, **props: object) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=15), variant="ghost", color_scheme="gray", aria_label=label, **props
        ),
        content=label,
    )


def _input_popover() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("braces", size=14),
                # Seen only where the toolbar has room (the Run button stays in view), read
                # by screen readers everywhere.
                rx.text("Test input", class_name="fb-wide-only"),
                variant="ghost",
                color_scheme="gray",
                size="2",
                title="Test input",
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text(
                    "Trigger payload (JSON), available as {{ trigger }}.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.text_area(
                    value=R.run_input,
                    on_change=R.set_run_input,
                    on_blur=R.save_run_input,
                    read_only=~E.can_change,
                    placeholder='{"name": "Ada"}',
                    rows="6",
                    width="100%",
                    class_name="fb-mono",
                    aria_label="Test input",
                ),
                rx.cond(
                    R.run_input_error != "",
                    rx.text(
                        R.run_input_error,
                        size="1",
                        color=rx.color("red", 11),
                        data_testid="run-input-error",
                    ),
                ),
                rx.text(
                    "Saved with this workflow. Blank: reuse the last run's input.",
                    size="1",
                    color=rx.color("gray", 10),
                ),
                spacing="2",
            ),
            width="340px",
        ),
    )


def _run_controls() -> rx.Component:
    run_stale = rx.button(
        rx.icon("refresh_cw", size=14),
        "Run stale",
        variant="soft",
        size="2",
        on_click=R.run_stale,
        disabled=R.run_active | ~E.can_run,
    )
    run = rx.button(
        rx.icon("play", size=14),
        "Run",
        size="2",
        on_click=R.run_all,
        disabled=~E.can_run,
        data_testid="run-button",
    )
    return rx.cond(
        E.can_run,
        rx.hstack(
            run_stale,
            rx.cond(
                R.run_active,
                rx.button(
                    rx.spinner(size="1"),
                    "Running… Cancel",
                    color_scheme="gray",
                    variant="surface",
                    size="2",
                    on_click=R.cancel_run,
                ),
                run,
            ),
            align="center",
            spacing="3",
        ),
        # A disabled button gets no pointer events: the tooltip sits on a wrapper.
        rx.tooltip(
            rx.hstack(run_stale, run, align="center", spacing="3", tab_index=0),
            content=CANNOT_RUN_TIP,
        ),
    )


def toolbar() -> rx.Component:
    """Name and save state on the left, editing and run controls on the right."""
    return rx.hstack(
        rx.link(
            rx.icon("arrow_left", size=16),
            href="/workflows",
            color=rx.color("gray", 11),
            aria_label="All workflows",
        ),
        rx.heading(
            E.name,
            size="4",
            weight="bold",
            max_width="320px",
            min_width="0",
            white_space="nowrap",
            overflow="hidden",
            text_overflow="ellipsis",
        ),
        _save_state(),
        rx.spacer(),
        rx.cond(
            E.can_change,
            rx.hstack(
                _icon_button("undo_2", "Undo (Ctrl+Z)", on_click=D.undo, disabled=~D.can_undo),
                _icon_button(
                    "redo_2", "Redo (Ctrl+Shift+Z)", on_click=D.redo, disabled=~D.can_redo
                ),
                _icon_button("layout_dashboard", "Auto-layout", on_click=C.arrange),
                _icon_button("save", "Save (Ctrl+S)", on_click=D.save),
                align="center",
                spacing="3",
            ),
        ),
        rx.button(
            rx.icon("git_branch", size=14),
            # The label only where the toolbar has room (the Run button stays in view).
            rx.text("History", display=rx.breakpoints(initial="none", lg="inline")),
            variant=rx.cond(V.history_open, "soft", "ghost"),
            color_scheme="gray",
            size="2",
            on_click=V.toggle_history,
            aria_label="History",
            title="History",
            data_testid="history-button",
        ),
        schedules_button(),
        rx.button(
            rx.icon("webhook", size=14),
            rx.text("Webhooks", display=rx.breakpoints(initial="none", lg="inline")),
            variant=rx.cond(WH.webhooks_open, "soft", "ghost"),
            color_scheme="gray",
            size="2",
            on_click=WH.toggle_webhooks,
            aria_label="Webhooks",
            title="Webhooks",
            data_testid="webhooks-button",
        ),
        rx.cond(E.can_share, share_button(E.workflow_id, E.name)),
        rx.cond(E.can_change | E.can_share, rx.separator(orientation="vertical", size="1")),
        rx.link(
            rx.button(
                rx.icon("history", size=14),
                rx.text("Executions", display=rx.breakpoints(initial="none", lg="inline")),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Executions",
                title="Executions",
            ),
            href=f"/executions?workflow={E.workflow_id}",
            display="flex",  # an inline link sits the button on the text baseline, too high
        ),
        rx.hstack(
            rx.switch(
                checked=E.auto_run,
                on_change=R.set_auto_run,
                size="1",
                aria_label="Auto-run",
                disabled=~E.can_run,
            ),
            rx.text("Auto-run", size="2", white_space="nowrap"),
            align="center",
            spacing="2",
            title="Run stale nodes after each edit (nodes with side effects wait for you)",
        ),
        _input_popover(),
        _run_controls(),
        align="center",
        spacing="3",
        height="56px",
        padding="0 16px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        width="100%",
    )


def _problem(problem: ProblemView) -> rx.Component:
    return rx.hstack(
        rx.icon("circle_alert", size=13, color=rx.color("red", 10), min_width="13px"),
        rx.vstack(
            rx.cond(problem.node_name != "", rx.text(problem.node_name, size="1", weight="bold")),
            rx.text(problem.message, size="1"),
            spacing="0",
        ),
        align="start",
        spacing="2",
        padding="6px 8px",
        border_radius="6px",
        cursor=rx.cond(problem.node_id != "", "pointer", "default"),
        class_name="fb-row",
        on_click=D.focus_node(problem.node_id),
        data_problem_node=problem.node_id,
        width="100%",
    )


def problems_panel() -> rx.Component:
    """The list of validation problems, docked above the canvas (it never covers a node)."""
    return rx.cond(
        D.problems.length() > 0,
        rx.box(
            rx.el.details(
                rx.el.summary(
                    rx.hstack(
                        rx.icon("triangle_alert", size=14, color=rx.color("red", 10)),
                        rx.text(
                            D.problems.length(),
                            rx.cond(D.problems.length() == 1, " problem", " problems"),
                            size="2",
                            weight="medium",
                        ),
                        rx.spacer(),
                        rx.icon(
                            "chevron_right",
                            size=14,
                            color=rx.color("gray", 10),
                            class_name="fb-chevron",
                        ),
                        align="center",
                        spacing="2",
                    ),
                    padding="8px 12px",
                ),
                rx.vstack(
                    rx.foreach(D.problems, _problem),
                    spacing="0",
                    padding="0 6px 8px",
                    max_height="150px",
                    overflow_y="auto",
                ),
                open=True,
                # The chevron replaces the browser's marker (see flowbook.css).
                class_name="fb-run",
            ),
            width="100%",
            flex_shrink="0",
            border_bottom=f"1px solid {rx.color('red', 6)}",
            background=rx.color("gray", 1),
            data_testid="problems-list",
        ),
    )
