"""A read-only field with a Copy button, for a secret or a link shown once."""

from __future__ import annotations

import reflex as rx


def copy_field(value: rx.Var[str], *, label: str, test_id: str) -> rx.Component:
    """The value selected on focus, and a button that copies it (with a toast)."""
    return rx.hstack(
        rx.input(
            value=value,
            read_only=True,
            class_name="fb-mono",
            aria_label=label,
            on_focus=rx.call_script("document.activeElement.select()"),
            flex="1",
            data_testid=test_id,
        ),
        rx.button(
            rx.icon("copy", size=15),
            "Copy",
            variant="soft",
            on_click=[rx.set_clipboard(value), rx.toast.success("Copied")],
        ),
        spacing="2",
        width="100%",
    )
