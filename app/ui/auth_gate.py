"""The web app's gate: no event of a page runs for a connection without a valid session.

A Reflex event middleware sees every event before its handler: the login, set-up and join
pages' events and Reflex's own start-up events pass; any other event from a
connection whose session cookie is missing, ended or expired is dropped and the browser is
sent to the login page (or the set-up page on a fresh instance). The role counts too, as on
the API: the Settings, Monitoring, Users and Audit pages are the owner's and admins' (LLM
settings, their monitoring, accounts and the audit log), the Account page is everyone's
(each changes only their own account), and a viewer's other events are limited to looking
(loading pages, paging, searching, filtering). Who a token is comes from the credential
cache the API uses too (`app.services.credentials`): a burst of canvas events costs one
lookup, and a logout, deactivation or role change is forgotten there when it commits, so
the open page's next event already sees it. What each user may do with each workflow is
decided by the services (`app.services.access`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event

from app.models.account import Scope
from app.services.db_threads import run_db
from app.services.principal import Principal
from app.ui.state.account_state import AccountState
from app.ui.state.audit_state import AuditState
from app.ui.state.auth_state import AuthState, needs_owner, principal_for, session_token
from app.ui.state.join_state import JoinState
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.settings_state import SettingsState
from app.ui.state.users_state import UsersState

if TYPE_CHECKING:
    from reflex.app import App

# Reflex's own events that hydrate the page and run its on_load handlers (each gated itself).
OPEN_EVENTS = (
    "hydrate",
    "hydrate_and_load",
    "update_vars_internal",
    "on_load_internal",
    "set_is_hydrated",
)
# The login, set-up and join pages' own events (they only read whether a session exists,
# or the invitation a link's token names), by state.
PUBLIC_EVENTS: dict[type[BaseState], tuple[str, ...]] = {
    AuthState: ("open_login", "open_setup"),
    JoinState: ("open_join",),
}
# Pages whose every event needs an owner or admin (the API's `admin` scope).
ADMIN_STATES = (SettingsState, MonitoringState, UsersState, AuditState)
# Pages whose every event any logged-in user may send: they change only the sender's own
# account (a viewer changes their password and keys too).
SELF_SERVICE_STATES = (AccountState,)
# What a viewer may do: look (handler names starting so).
LOOKING = ("load", "set_search", "set_status_filter", "clear_", "next_page", "prev_page")


def login_target(path: str) -> str:
    """The login page, asked to come back to `path` afterwards.

    A page's events are dropped one by one: one sent after the browser has begun to follow
    the first redirect may carry the page's path with the login page's query. `next` is
    never carried over, so that event sends the browser where the first did.
    """
    parts = urlsplit(path)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "next"]
    )
    back = parts.path or "/"
    return f"/login?next={quote(f'{back}?{query}' if query else back)}"


class AuthGate(Middleware):
    """Drops the events of connections without a valid session; redirects them to log in."""

    def _open(self, event: Event) -> bool:
        state_name, _, handler = event.name.rpartition(".")
        for state, handlers in PUBLIC_EVENTS.items():
            if state_name == state.get_full_name():
                return handler in handlers
        return handler in OPEN_EVENTS

    async def _principal(self, token: str) -> Principal | None:
        return await run_db(principal_for, token)

    def _refusal(self, principal: Principal, event: Event) -> str | None:
        state_name, _, handler = event.name.rpartition(".")
        if state_name in {state.get_full_name() for state in ADMIN_STATES}:
            return None if principal.is_admin else "Only the owner and admins can use this page"
        if state_name in {state.get_full_name() for state in SELF_SERVICE_STATES}:
            return None
        if principal.has_scope(Scope.WORKFLOWS_WRITE) or handler.startswith(LOOKING):
            return None
        return "Your role lets you look, not change or run anything"

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        """None lets the event run; an update with a redirect or a message replaces it."""
        if self._open(event):
            return None
        # The connection's router data (a chained event carries none of its own).
        router_data = state.router_data or event.router_data
        headers = router_data.get("headers") or {}
        token = session_token(str(headers.get("cookie", "")))
        principal = await self._principal(token) if token else None
        if principal is not None:
            refusal = self._refusal(principal, event)
            if refusal is None:
                return None
            return StateUpdate(events=Event.from_event_type(rx.toast.error(refusal)))
        path = str(router_data.get("asPath") or router_data.get("pathname") or "/")
        target = "/setup" if await run_db(needs_owner) else login_target(path)
        return StateUpdate(events=Event.from_event_type(rx.redirect(target)))
