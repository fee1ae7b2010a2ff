"""The frame of every page: sidebar on the left, a header and the content on the right."""

from __future__ import annotations

import reflex as rx

from app.ui.components.sidebar import sidebar
from app.ui.state.auth_state import AuthState

# `display` of a secondary table column: hidden below 1280 px, where the sidebar leaves the
# table too little room for all its columns.
WIDE_ONLY = rx.breakpoints(initial="none", lg="table-cell")


def page_header(
    title: str | rx.Var[str],
    description: str | rx.Var[str] | None = None,
    actions: list[rx.Component] | None = None,
    back: rx.Component | None = None,
) -> rx.Component:
    """A title row with an optional subtitle, back link and actions on the right.

    Args:
        title: the page title.
        description: one line under the title.
        actions: buttons on the right (the primary action last).
        back: a small link above the title.
    """
    return rx.vstack(
        *([back] if back is not None else []),
        rx.hstack(
            rx.vstack(
                rx.heading(title, size="6", weight="bold", class_name="fb-title"),
                *(
                    [rx.text(description, size="2", color=rx.color("gray", 11))]
                    if description is not None
                    else []
                ),
                spacing="1",
            ),
            rx.spacer(),
            *(actions or []),
            align="center",
            spacing="3",
            width="100%",
        ),
        spacing="2",
        width="100%",
        margin_bottom="24px",
    )


def page_layout(
    *children: rx.Component,
    title: str | rx.Var[str],
    description: str | rx.Var[str] | None = None,
    actions: list[rx.Component] | None = None,
    back: rx.Component | None = None,
    admin_only: bool = False,
) -> rx.Component:
    """A full page: sidebar plus a scrolling main column with a header.

    Args:
        *children: the page content below the header.
        title: the page title.
        description: one line under the title.
        actions: header buttons.
        back: a small link above the title.
        admin_only: the page is the owner's and admins' (the gate refuses its events to
            others): anyone else sees a notice instead of a page that never loads.
    """
    content: tuple[rx.Component, ...] = children
    if admin_only:
        refused = _refused_role()
        content = (rx.cond(refused, _admin_notice(), rx.fragment(*children)),)
        actions = [rx.cond(refused, rx.fragment(), action) for action in actions or []]
    return rx.hstack(
        sidebar(),
        rx.el.main(
            page_header(title, description, actions, back),
            *content,
            flex="1",
            min_width="0",
            max_width="1180px",
            margin="0 auto",
            padding="32px 40px 64px",
        ),
        spacing="0",
        width="100%",
        min_height="100vh",
        align="start",
        background=rx.color("gray", 1),
    )


def _refused_role() -> rx.Var[bool]:
    # An empty role: not loaded yet (the page shows its loading state meanwhile).
    role = AuthState.user_role
    return (role != "") & (role != "owner") & (role != "admin")


def _admin_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("lock", size=16)),
        rx.callout.text(
            "Only the owner and admins can open this page. ",
            rx.link("Back to workflows", href="/workflows"),
        ),
        color_scheme="gray",
        variant="surface",
        data_testid="admin-only-notice",
    )


def back_link(label: str, href: str) -> rx.Component:
    """A small "← label" link shown above a page title."""
    return rx.link(
        rx.hstack(rx.icon("arrow_left", size=14), rx.text(label, size="1"), align="center"),
        href=href,
        color=rx.color("gray", 11),
        underline="none",
    )
