"""The login, set-up and join forms (assets/auth_form.jsx), the password strength meter and
the logout button as Reflex components."""

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


class JoinForm(rx.NoSSRComponent):
    """Name, e-mail and password for an invited person; posts to /api/auth/join."""

    library = AUTH_MODULE.importable_path
    tag = "JoinForm"

    # Who sent the invitation and with which role, in one sentence.
    intro: rx.Var[str]


class PasswordStrength(rx.NoSSRComponent):
    """The strength meter shown under a new password."""

    library = AUTH_MODULE.importable_path
    tag = "PasswordStrength"

    password: rx.Var[str]
