"""A titled card for one part of a settings-like page, and an inline field error."""

from __future__ import annotations

import reflex as rx


def section_card(
    title: str,
    description: str,
    *children: rx.Component,
    action: rx.Component | None = None,
) -> rx.Component:
    """A card with a heading, one line of explanation, an optional button and its content.

    Args:
        title: the section's heading.
        description: what the section is for.
        *children: the content, stacked.
        action: a button on the right of the heading.
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(title, as_="h2", size="4", weight="bold"),
                    rx.text(description, size="2", color=rx.color("gray", 11)),
                    spacing="1",
                    min_width="0",
                ),
                rx.spacer(),
                *([action] if action is not None else []),
                align="start",
                spacing="3",
                width="100%",
            ),
            *children,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def field_error(error: rx.Var[str]) -> rx.Component:
    """The service's message under a field, when there is one (read out as it appears)."""
    return rx.cond(
        error != "",
        rx.text(error, size="1", color=rx.color("red", 11), role="alert", margin_top="4px"),
    )
