"""The login and set-up form (assets/auth_form.jsx) and the logout button as Reflex components."""

from __future__ import annotations

import reflex as rx

AUTH_MODULE = rx.asset("auth_form.jsx")


class LoginForm(rx.NoSSRComponent):
    """E-mail and password; posts to /api/auth/login, then loads the page `?next=` names."""

    library = AUTH_MODULE.importable_path
    tag = "LoginForm"


class SetupForm(rx.NoSSRComponent):
    """The owner account with a strength meter; posts to /api/auth/setup."""

    library = AUTH_MODULE.importable_path
    tag = "SetupForm"


class LogoutButton(rx.NoSSRComponent):
    """Ends this browser's session (POST /api/auth/logout) and shows the login page."""

    library = AUTH_MODULE.importable_path
    tag = "LogoutButton"
