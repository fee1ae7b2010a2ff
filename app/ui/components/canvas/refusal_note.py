"""Why the canvas refused a connection (a cycle, a duplicate), shown over the canvas."""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_canvas_state import CanvasState as C


def refusal_note() -> rx.Component:
    """A dismissible note at the bottom of the canvas while a refusal is fresh."""
    return rx.cond(
        C.refused != "",
        rx.hstack(
            rx.icon("ban", size=15, color=rx.color("red", 11), flex_shrink="0"),
            rx.text(C.refused, size="2", color=rx.color("red", 12)),
            rx.icon_button(
                rx.icon("x", size=14),
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=C.dismiss_refusal,
                aria_label="Dismiss",
            ),
            align="center",
            spacing="2",
            position="absolute",
            top="12px",
            left="50%",
            transform="translateX(-50%)",
            max_width="min(560px, 90%)",
            padding="8px 10px 8px 12px",
            border_radius="10px",
            border=f"1px solid {rx.color('red', 6)}",
            background=rx.color("red", 2),
            box_shadow="0 6px 20px rgba(0,0,0,.10)",
            z_index="6",
            role="alert",
            data_testid="connection-refused",
        ),
    )
