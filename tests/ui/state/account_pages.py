"""Page states for the account page tests, opened by a logged-in user's connection."""

from __future__ import annotations

from typing import TypeVar

import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData

from app.models.account import Role, User
from app.services.unit_of_work import session_scope
from app.services.user_sessions import SESSION_COOKIE, start_session
from tests.services.accounts_builders import member, owner

S = TypeVar("S", bound=rx.State)


def log_in(role: Role, email: str | None = None) -> tuple[int, str]:
    """A user with `role` (the owner is made first when needed) and a session token."""
    with session_scope() as session:
        principal = owner(session) if role is Role.OWNER else member(session, role, email)
        user = session.get(User, principal.user_id)
        assert user is not None
        return principal.user_id, start_session(session, user=user)


async def page_state(cls: type[S], token: str, url: str) -> S:
    """`cls` in a fresh state tree, as the page at `url` of a browser holding `token`."""
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(cls)
    state.router = RouterData(
        url=ReflexURL(f"http://localhost:3000{url}"),
        headers=HeaderData(cookie=f"{SESSION_COOKIE}={token}"),
    )
    return state
