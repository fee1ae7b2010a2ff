"""The login page and the owner's set-up page: one centred form on an empty page."""

from __future__ import annotations

import reflex as rx

from app.ui.components.auth_form import LoginForm, SetupForm
from app.ui.components.sidebar import brand


def _centred(form: rx.Component) -> rx.Component:
    return rx.el.main(
        rx.center(
            rx.vstack(
                brand(32),
                form,
                align="center",
                spacing="5",
            ),
            min_height="100vh",
            background=rx.color("gray", 2),
        )
    )


def login_page() -> rx.Component:
    """/login: e-mail and password; errors and the rate limit shown in the form."""
    return _centred(LoginForm())


def setup_page() -> rx.Component:
    """/setup: the owner account of a fresh instance (only while no user exists)."""
    return _centred(SetupForm())
