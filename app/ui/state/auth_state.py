"""Who is using the web app: read from the HttpOnly session cookie of the page's connection
(headers the browser sent when it connected, which page code can neither read nor forge)."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any

import reflex as rx

from app.services import accounts
from app.services.credentials import authenticated_principal
from app.services.db_threads import run_db
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.user_sessions import SESSION_COOKIE, session_principal


def session_token(cookie_header: str) -> str:
    """The session token in a `Cookie:` header, or "" when there is none."""
    try:
        morsel = SimpleCookie(cookie_header).get(SESSION_COOKIE)
    except CookieError:
        return ""
    return morsel.value if morsel else ""


def principal_for(token: str) -> Principal | None:
    """The principal of a session token (None when unknown, ended or expired)."""
    return authenticated_principal(bearer=None, cookie=token or None)


async def acting_principal(state: rx.State) -> Principal:
    """Who sent the event `state` is handling, from its connection's session cookie.

    Raises:
        PermissionError: the session ended since the gate let the event through.
    """
    principal = await run_db(principal_for, session_token(state.router.headers.cookie))
    if principal is None:
        raise PermissionError("Your session has ended; log in again")
    return principal


def needs_owner() -> bool:
    """Whether nobody has set the instance up yet."""
    with session_scope(read_only=True) as session:
        return accounts.needs_owner(session)


def _display(token: str) -> dict[str, Any] | None:
    with session_scope() as session:
        principal = session_principal(session, token=token)
        if principal is None:
            return None
        user = accounts.get_user(session, user_id=principal.user_id)
        return {"name": user.name, "email": user.email, "role": user.role}


class AuthState(rx.State):
    """The logged-in user as the sidebar shows it, and the login and set-up pages' routing."""

    user_name: str = ""
    user_email: str = ""
    user_role: str = ""

    def _token(self) -> str:
        return session_token(self.router.headers.cookie)

    @rx.event
    async def load_user(self) -> None:
        """Show who is logged in (the gate has already let the page load)."""
        shown = await run_db(_display, self._token())
        if shown is not None:
            self.user_name, self.user_email, self.user_role = (
                shown["name"],
                shown["email"],
                shown["role"],
            )

    @rx.event
    async def open_login(self) -> Any:
        """The login page: set-up first on a fresh instance; logged in already, go on."""
        if await run_db(needs_owner):
            return rx.redirect("/setup")
        if await run_db(principal_for, self._token()) is not None:
            return rx.redirect("/workflows")
        return None

    @rx.event
    async def open_setup(self) -> Any:
        """The set-up page exists only until the owner account does."""
        if not await run_db(needs_owner):
            return rx.redirect("/login")
        return None
