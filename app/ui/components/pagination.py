"""Previous/next pagination with a "1-20 of 57" summary."""

from __future__ import annotations

import reflex as rx

from app.ui.state.paging import PagingMixin


def pagination(state: type[PagingMixin]) -> rx.Component:
    """The footer under a table whose rows come from `state`.

    Args:
        state: the list page's state class (a `PagingMixin`).
    """
    first, last, total = state.first, state.last, state.total
    has_prev, has_next = state.has_prev, state.has_next
    on_prev, on_next = state.prev_page, state.next_page
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
