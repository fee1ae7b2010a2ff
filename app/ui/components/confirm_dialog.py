"""A confirmation dialog for destructive actions."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType


def confirm_dialog(
    *,
    open: rx.Var[bool],
    on_open_change: EventType[bool],
    title: str | rx.Var[str],
    description: str | rx.Var[str],
    confirm_label: str | rx.Var[str],
    on_confirm: EventType[()],
) -> rx.Component:
    """An alert dialog with Cancel and a red confirm button.

    Args:
        open: whether the dialog shows.
        on_open_change: called with False when the user dismisses it.
        title: the question.
        description: what will happen.
        confirm_label: text of the destructive button.
        on_confirm: the action to run.
    """
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2", color=rx.color("gray", 11)),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red", on_click=on_confirm),
                ),
                spacing="3",
                margin_top="20px",
                justify="end",
            ),
            max_width="440px",
        ),
        open=open,
        on_open_change=on_open_change,
    )
