"""One execution: header with status, duration and trigger, timeline, node run cards."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.execution_timeline import execution_timeline
from app.ui.components.json_view import json_view
from app.ui.components.mock_badge import mock_badge
from app.ui.components.node_run_card import node_run_card
from app.ui.components.page_layout import back_link, page_layout
from app.ui.components.status_badge import status_badge
from app.ui.pages.executions import ticker, trigger_label
from app.ui.state.execution_detail_state import ExecutionDetailState as S


def _stat(label: str, value: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="1", color=rx.color("gray", 10), weight="medium"),
            value,
            spacing="2",
        ),
        size="1",
        width="100%",
    )


def _stats() -> rx.Component:
    return rx.grid(
        _stat(
            "Status",
            rx.hstack(
                rx.box(status_badge(S.status), data_testid="execution-status"),
                rx.cond(S.uses_mock, mock_badge()),
                spacing="2",
                align="center",
            ),
        ),
        _stat("Duration", rx.text(S.duration, size="3", weight="medium", class_name="fb-mono")),
        _stat("Trigger", trigger_label(S.trigger)),
        _stat(
            "Started",
            rx.text(
                rx.cond(
                    S.started_at != "",
                    rx.moment(S.started_at, from_now=True, interval=15_000),
                    "Not started",
                ),
                size="2",
            ),
        ),
        _stat("Node runs", rx.text(S.runs.length(), size="3", weight="medium")),
        columns="5",
        spacing="3",
        width="100%",
    )


def _io_card(title: str, text: rx.Var[str]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="2", weight="medium"),
            rx.cond(
                text != "",
                json_view(text, max_height="220px"),
                rx.text("Nothing", size="2", color=rx.color("gray", 9), font_style="italic"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _actions() -> list[rx.Component]:
    buttons = [
        rx.link(
            rx.button(
                rx.icon("workflow", size=15), "Open workflow", variant="soft", color_scheme="gray"
            ),
            href=f"/workflows/{S.workflow_id}",
        ),
        # Cancelling and running again need the right to run the workflow.
        rx.cond(
            S.can_run,
            rx.cond(
                S.is_active,
                rx.button(
                    rx.icon("square", size=14), "Cancel", color_scheme="red", on_click=S.cancel
                ),
                rx.button(rx.icon("rotate_ccw", size=15), "Run again", on_click=S.run_again),
            ),
        ),
    ]
    return [rx.cond(S.found & ~S.loading, rx.hstack(*buttons, spacing="3"))]


def _body() -> rx.Component:
    return rx.vstack(
        _stats(),
        rx.cond(
            S.error != "",
            rx.callout(
                rx.cond(S.error_node_id != "", f"{S.error} (node {S.error_node_id})", S.error),
                icon="triangle_alert",
                color_scheme="red",
                width="100%",
            ),
        ),
        execution_timeline(),
        rx.grid(
            _io_card("Execution input", S.input_text),
            _io_card("Execution output", S.output_text),
            columns="2",
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.heading("Node runs", size="4", weight="medium"),
            rx.badge(S.runs.length(), variant="soft", color_scheme="gray", radius="full"),
            align="center",
            spacing="2",
            margin_top="8px",
        ),
        rx.vstack(rx.foreach(S.runs, node_run_card), spacing="2", width="100%"),
        rx.cond(
            S.is_active & (S.unfinished_nodes > 0),
            rx.hstack(
                rx.spinner(size="2"),
                rx.text(
                    f"Running… {S.unfinished_nodes} node(s) have not finished yet.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                align="center",
                spacing="2",
                padding="14px 16px",
                border=f"1px dashed {rx.color('gray', 6)}",
                border_radius="10px",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def execution_detail_page() -> rx.Component:
    """The page of one execution (`/executions/[execution_id]`)."""
    return page_layout(
        rx.cond(
            S.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.cond(
                S.found,
                _body(),
                empty_state(
                    "file_question",
                    "Execution not found",
                    "It may have been deleted with its workflow.",
                    rx.link(rx.button("All executions"), href="/executions"),
                ),
            ),
        ),
        ticker(S.tick),
        title=f"Execution #{S.execution_id}",
        description=S.workflow_name,
        actions=_actions(),
        back=back_link("Executions", "/executions"),
    )
