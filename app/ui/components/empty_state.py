"""A centered empty state: icon, title, explanation and an optional call to action."""

from __future__ import annotations

import reflex as rx


def empty_state(
    icon: str,
    title: str | rx.Var[str],
    description: str | rx.Var[str],
    action: rx.Component | None = None,
    compact: bool = False,
) -> rx.Component:
    """An empty state card.

    Args:
        icon: lucide icon name.
        title: one short line.
        description: what the user can do about it.
        action: a button (or link) shown below the text.
        compact: less padding, for a section of a page with several of them.
    """
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=26, color=rx.color("accent", 11)),
                width="56px",
                height="56px",
                border_radius="16px",
                background=rx.color("accent", 3),
            ),
            rx.heading(title, size="4", weight="medium"),
            rx.text(description, color=rx.color("gray", 11), size="2", text_align="center"),
            *([action] if action is not None else []),
            align="center",
            spacing="3",
            max_width="420px",
        ),
        padding="24px 24px" if compact else "56px 24px",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        width="100%",
        class_name="fb-empty",
    )
