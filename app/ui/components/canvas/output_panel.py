"""The output panel: a bottom drawer with a node's input, output, error, duration, attempts."""

from __future__ import annotations

import reflex as rx

from app.ui.components.json_view import json_view
from app.ui.components.status_badge import status_badge
from app.ui.state.editor_drawer_state import DrawerState as W


def _stat(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 10)),
        rx.text(value, size="2", weight="medium", white_space="nowrap"),
        spacing="0",
    )


def _pane(title: str, text: rx.Var[str], empty: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="1", weight="bold", color=rx.color("gray", 10)),
        rx.cond(
            text != "",
            json_view(text, max_height="210px"),
            rx.text(empty, size="2", color=rx.color("gray", 9), font_style="italic"),
        ),
        spacing="1",
        width="100%",
        min_width="0",
    )


def output_panel() -> rx.Component:
    """The drawer below the canvas (open with "Output" or a double click); it shrinks the canvas."""
    return rx.cond(
        W.drawer_open,
        rx.vstack(
            rx.hstack(
                rx.icon("panel_bottom", size=16, color=rx.color("accent", 10), flex_shrink="0"),
                rx.text(W.drawer.name, size="2", weight="bold", white_space="nowrap"),
                rx.code(W.drawer.node_id, size="1", variant="ghost", color_scheme="gray"),
                status_badge(W.drawer.status),
                rx.spacer(),
                _stat("Duration", W.drawer.duration),
                _stat("Attempts", W.drawer.attempts),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    color_scheme="gray",
                    on_click=W.close_output,
                    aria_label="Close output",
                ),
                align="center",
                spacing="4",
                width="100%",
                # A narrow canvas (inspector open at 1024 px) wraps the stats, never hides them.
                flex_wrap="wrap",
                row_gap="8px",
            ),
            rx.cond(
                W.drawer.error != "",
                rx.callout(
                    W.drawer.error, icon="circle_x", color_scheme="red", size="1", width="100%"
                ),
            ),
            rx.grid(
                _pane("Input", W.drawer.input, "No recorded input"),
                _pane("Output", W.drawer.output, "No output yet"),
                columns="2",
                spacing="3",
                width="100%",
            ),
            spacing="3",
            width="100%",
            flex_shrink="0",
            max_height="45%",
            overflow="auto",
            padding="14px 16px",
            border_top=f"1px solid {rx.color('gray', 6)}",
            background=rx.color("gray", 1),
            data_testid="output-panel",
        ),
    )
