"""The web app's gate: no event of a page runs for a connection without a valid session.

A Reflex event middleware sees every event before its handler: the login and set-up pages'
events and Reflex's own start-up events pass; any other event from a
connection whose session cookie is missing, ended or expired is dropped and the browser is
sent to the login page (or the set-up page on a fresh instance). The decision is kept for two
seconds per token, so a burst of canvas events costs one lookup.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import quote

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event

from app.services.db_threads import run_db
from app.ui.state.auth_state import AuthState, needs_owner, principal_for, session_token

if TYPE_CHECKING:
    from reflex.app import App

CACHE_S = 2.0
# Reflex's own events that hydrate the page and run its on_load handlers (each gated itself).
OPEN_EVENTS = ("hydrate", "update_vars_internal", "on_load_internal", "set_is_hydrated")
# The login and set-up pages' own events (they only read whether a session exists).
AUTH_PAGE_EVENTS = ("open_login", "open_setup")


class AuthGate(Middleware):
    """Drops the events of connections without a valid session; redirects them to log in."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def _open(self, event: Event) -> bool:
        handler = event.name.rsplit(".", 1)[-1]
        if event.name.startswith(AuthState.get_full_name() + "."):
            return handler in AUTH_PAGE_EVENTS
        return handler in OPEN_EVENTS

    async def _allowed(self, token: str) -> bool:
        now = time.monotonic()
        if self._seen.get(token, 0.0) > now:
            return True
        if await run_db(principal_for, token) is None:
            return False
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[token] = now + CACHE_S
        return True

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        """None lets the event run; an update with a redirect replaces it."""
        if self._open(event):
            return None
        # The connection's router data (a chained event carries none of its own).
        router_data = state.router_data or event.router_data
        headers = router_data.get("headers") or {}
        token = session_token(str(headers.get("cookie", "")))
        if token and await self._allowed(token):
            return None
        path = str(router_data.get("asPath") or router_data.get("pathname") or "/")
        target = "/setup" if await run_db(needs_owner) else f"/login?next={quote(path)}"
        return StateUpdate(events=Event.from_event_type(rx.redirect(target)))
