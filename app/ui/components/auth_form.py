"""The login and set-up form (assets/auth_form.jsx) and the logout button as Reflex components."""

from __future__ import annotations

import reflex as rx

AUTH_MODULE = rx.asset("auth_form.jsx")


class AuthForm(rx.NoSSRComponent):
    """Posts to /api/auth/login or /api/auth/setup, then loads the page `?next=` names."""

    library = AUTH_MODULE.importable_path
    tag = "AuthForm"

    mode: rx.Var[str]


class LogoutButton(rx.NoSSRComponent):
    """Ends this browser's session (POST /api/auth/logout) and shows the login page."""

    library = AUTH_MODULE.importable_path
    tag = "LogoutButton"
