"""The join page: who sent the invitation link and with which role, or why it is no good.

Its one event runs without a session (the gate lets it through): it only reads the
invitation the link's token names. The account itself is made by the form's POST to
/api/auth/join, which sets the HttpOnly session cookie.
"""

from __future__ import annotations

import reflex as rx

from app.services.db_threads import run_db
from app.services.errors import NotFoundError
from app.services.unit_of_work import session_scope
from app.services.user_directory import invite_details

TOKEN_MAX = 200


def invitation_intro(token: str) -> str | None:
    """The sentence the join form opens with, or None when the link is not valid."""
    if not token or len(token) > TOKEN_MAX:
        return None
    with session_scope(read_only=True) as session:
        try:
            details = invite_details(session, token=token)
        except NotFoundError:
            return None
    return (
        f"{details.invited_by} invited you as {details.role}. "
        "Choose your name and a password to create your account."
    )


class JoinState(rx.State):
    """Whether the link is valid, and the invitation's sentence."""

    checked: bool = False
    valid: bool = False
    intro: str = ""

    @rx.event
    async def open_join(self) -> None:
        """Read the invitation of the link's `token` (on page load)."""
        token = str(self.router.url.query_parameters.get("token", ""))
        intro = await run_db(invitation_intro, token)
        self.valid, self.intro, self.checked = intro is not None, intro or "", True
