"""The shell of the editor's right-hand side panels (history, schedules, webhooks): one at a
time beside the canvas, with a header of icon, title, an optional action and a close button."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventType

# Narrower below 1280 px, so the canvas keeps room at 1024 px.
PANEL_WIDTH = rx.breakpoints(initial="340px", lg="400px")


def side_panel_header(
    icon: str,
    title: str,
    *,
    on_close: EventType[()],
    close_label: str,
    action: rx.Component | None = None,
) -> rx.Component:
    """The panel's first row: icon and title, `action` (e.g. "Add …") and the close button."""
    return rx.hstack(
        rx.icon(icon, size=16),
        rx.text(title, weight="bold"),
        rx.spacer(),
        *([action] if action is not None else []),
        rx.icon_button(
            rx.icon("x", size=14),
            variant="ghost",
            size="1",
            on_click=on_close,
            aria_label=close_label,
        ),
        align="center",
        width="100%",
        padding="12px 12px 4px",
    )


def side_panel(*children: rx.Component, test_id: str, **props: Any) -> rx.Component:
    """The panel box: full height, a fixed width, scrolling vertically.

    A plain scrolling box, not a scroll area: a scroll area's content grows to its widest
    child (a code example), pushing the panel's controls out of view.
    """
    return rx.box(
        *children,
        overflow_y="auto",
        overflow_x="hidden",
        width=PANEL_WIDTH,
        min_width=PANEL_WIDTH,
        height="100%",
        border_left=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        data_testid=test_id,
        **props,
    )
