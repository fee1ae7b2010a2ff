"""The login, set-up and join pages: one centred form on an empty page."""

from __future__ import annotations

import reflex as rx

from app.ui.components.auth_form import JoinForm, LoginForm, SetupForm
from app.ui.components.sidebar import brand
from app.ui.state.join_state import JoinState


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


def _unusable_link() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("This invitation link cannot be used", as_="h1", size="6"),
            rx.text(
                "It was used already, it expired (links last 7 days), or it was copied "
                "incompletely. Ask whoever invited you for a new link.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.text(
                "Have an account already? ",
                rx.link("Log in", href="/login", weight="medium"),
                size="2",
            ),
            spacing="3",
        ),
        size="4",
        width="min(420px, 92vw)",
        role="alert",
    )


def join_page() -> rx.Component:
    """/join?token=…: an invited person creates their account (no session needed)."""
    return _centred(
        rx.cond(
            JoinState.checked,
            rx.cond(JoinState.valid, JoinForm.create(intro=JoinState.intro), _unusable_link()),
            rx.spinner(size="3"),
        )
    )
