"""Pretty-printed JSON or plain text in a scrollable monospace block."""

from __future__ import annotations

import reflex as rx


def json_view(text: rx.Var[str] | str, *, max_height: str = "320px") -> rx.Component:
    """A read-only code block for a value already formatted as text.

    Args:
        text: the formatted value (pretty JSON, or the text itself).
        max_height: taller content scrolls.
    """
    return rx.el.pre(
        text,
        class_name="fb-json",
        max_height=max_height,
        width="100%",
    )
