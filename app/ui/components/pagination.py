"""Previous/next pagination with a "1-20 of 57" summary."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType


def pagination(
    *,
    first: rx.Var[int],
    last: rx.Var[int],
    total: rx.Var[int],
    has_prev: rx.Var[bool],
    has_next: rx.Var[bool],
    on_prev: EventType[()],
    on_next: EventType[()],
) -> rx.Component:
    """The footer under a table.

    Args:
        first: 1-based index of the first row shown.
        last: index of the last row shown.
        total: rows that match.
        has_prev: whether a previous page exists.
        has_next: whether a next page exists.
        on_prev: go back a page.
        on_next: go forward a page.
    """
    return rx.hstack(
        rx.text(
            rx.cond(total > 0, f"{first}\u2013{last} of {total}", "No results"),
            size="2",
            color=rx.color("gray", 11),
        ),
        rx.spacer(),
        rx.icon_button(
            rx.icon("chevron_left", size=16),
            variant="soft",
            color_scheme="gray",
            disabled=~has_prev,
            on_click=on_prev,
            aria_label="Previous page",
        ),
        rx.icon_button(
            rx.icon("chevron_right", size=16),
            variant="soft",
            color_scheme="gray",
            disabled=~has_next,
            on_click=on_next,
            aria_label="Next page",
        ),
        align="center",
        width="100%",
        padding_top="12px",
        spacing="2",
    )
