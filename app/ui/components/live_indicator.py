"""A pulsing dot with a label, shown while a page refreshes itself."""

from __future__ import annotations

import reflex as rx


def live_indicator(label: str = "Live", color: str = "blue") -> rx.Component:
    """The "Live" marker of auto-refreshing views.

    Args:
        label: the text beside the dot.
        color: Radix colour of the dot.
    """
    return rx.hstack(
        rx.box(
            width="8px",
            height="8px",
            border_radius="50%",
            background=rx.color(color, 9),
            class_name="fb-pulse",
        ),
        rx.text(label, size="1", color=rx.color("gray", 11)),
        align="center",
        spacing="2",
    )
