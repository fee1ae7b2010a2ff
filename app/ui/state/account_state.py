"""The account page: one's own name and theme, password, API keys and sessions.

Every logged-in user may use it (a viewer too: it changes only their own account); each
handler asks who sent the event and the services check the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import reflex as rx
from reflex_base.event import EventSpec

from app.models.account import (
    PASSWORD_MAX,
    ApiKeyPublic,
    Scope,
    Theme,
    UserPublic,
    public_user,
)
from app.services import accounts, api_keys, user_sessions
from app.services.db_threads import run_db
from app.services.errors import AuthenticationError, ServiceError
from app.services.principal import ROLE_SCOPES, Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import AuthState, acting_principal, session_token
from app.ui.state.display import error_message, iso

SCOPE_ORDER = [scope.value for scope in Scope]


@dataclass
class KeyRow:
    """One API key in the table: never its secret."""

    id: int
    name: str
    prefix: str
    scopes: str
    created_at: str
    last_used_at: str
    expires_at: str
    status: str


def key_row(key: ApiKeyPublic, now: datetime) -> KeyRow:
    """How a key is listed; `status` is active, expired or revoked."""
    if key.revoked_at is not None:
        status = "revoked"
    elif key.expires_at is not None and key.expires_at.replace(tzinfo=UTC) <= now:
        status = "expired"
    else:
        status = "active"
    return KeyRow(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=", ".join(key.scopes),
        created_at=iso(key.created_at),
        last_used_at=iso(key.last_used_at),
        expires_at=iso(key.expires_at),
        status=status,
    )


def expiry_of(value: str) -> datetime | None:
    """The end (UTC) of the day a date field names, or None when it is empty.

    Raises:
        ValueError: the text is not a date (YYYY-MM-DD).
    """
    if not value.strip():
        return None
    day = date.fromisoformat(value.strip())
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def read_account(principal: Principal) -> tuple[UserPublic, list[ApiKeyPublic]]:
    """The principal's profile and API keys (run on a db thread)."""
    with session_scope(read_only=True) as session:
        user = accounts.get_user(session, user_id=principal.user_id)
        return public_user(user), api_keys.list_api_keys(session, principal=principal)


def save_profile(principal: Principal, name: str | None, theme: Theme | None, ip: str) -> None:
    """Change the principal's name or theme (run on a db thread)."""
    with session_scope() as session:
        accounts.update_profile(session, principal=principal, name=name, theme=theme, ip=ip)


def change_password(principal: Principal, current: str, new: str, keep: str, ip: str) -> None:
    """Change the principal's password; their other sessions end (run on a db thread)."""
    with session_scope() as session:
        accounts.change_password(
            session, principal=principal, current=current, new=new, keep_session_token=keep, ip=ip
        )


def create_key(
    principal: Principal, name: str, scopes: list[str], expires_at: datetime | None, ip: str
) -> str:
    """Create an API key and return its full text, shown once (run on a db thread)."""
    with session_scope() as session:
        _, secret = api_keys.create_api_key(
            session, principal=principal, name=name, scopes=scopes, expires_at=expires_at, ip=ip
        )
    return secret


def revoke_key(principal: Principal, key_id: int, ip: str) -> None:
    """Revoke one of the principal's keys (run on a db thread)."""
    with session_scope() as session:
        api_keys.revoke_api_key(session, principal=principal, key_id=key_id, ip=ip)


def end_everywhere(principal: Principal, ip: str) -> None:
    """End every session of the principal's user, this one too (run on a db thread)."""
    with session_scope() as session:
        user_sessions.end_all_sessions(session, principal=principal, ip=ip)


class AccountState(rx.State):
    """State of the account page and its dialogs."""

    loading: bool = True
    name: str = ""
    email: str = ""
    role: str = ""
    theme: str = Theme.SYSTEM.value
    current_password: str = ""
    new_password: str = ""
    current_error: str = ""
    new_error: str = ""
    keys: list[KeyRow] = []
    scope_choices: list[str] = []
    create_open: bool = False
    key_scopes: list[str] = []
    create_error: str = ""
    # The whole key, between its creation and the closing of the dialog that shows it.
    secret: str = ""
    revoke_open: bool = False
    revoke_id: int = 0
    revoke_name: str = ""
    everywhere_open: bool = False

    def _ip(self) -> str:
        return self.router.session.client_ip

    async def _reload(self, principal: Principal) -> None:
        user, keys = await run_db(read_account, principal)
        self.name, self.email, self.role, self.theme = user.name, user.email, user.role, user.theme
        now = datetime.now(UTC)
        self.keys = [key_row(key, now) for key in keys]
        allowed = ROLE_SCOPES[principal.role]
        self.scope_choices = [scope for scope in SCOPE_ORDER if scope in allowed]
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load the profile and the keys (on page load)."""
        self.current_password = self.new_password = self.current_error = self.new_error = ""
        self.secret = ""
        await self._reload(await acting_principal(self))

    @rx.event
    async def save_name(self, form: dict[str, str]) -> list[EventSpec] | EventSpec:
        """Save the name typed in the profile form."""
        principal = await acting_principal(self)
        try:
            await run_db(save_profile, principal, str(form.get("name", "")), None, self._ip())
        except ServiceError as exc:
            return rx.toast.error(f"Name not saved: {error_message(exc)}")
        await self._reload(principal)
        return [AuthState.load_user, rx.toast.success("Name saved")]

    @rx.event
    async def save_theme(self, value: str) -> EventSpec | None:
        """Keep the chosen theme with the account (the page applies it in this browser)."""
        try:
            theme = Theme(value)
        except ValueError:
            return rx.toast.error("Choose light, dark or system")
        principal = await acting_principal(self)
        await run_db(save_profile, principal, None, theme, self._ip())
        self.theme = theme.value
        return None

    @rx.event
    def set_current_password(self, value: str) -> None:
        """Keep the current password as typed."""
        self.current_password, self.current_error = value, ""

    @rx.event
    def set_new_password(self, value: str) -> None:
        """Keep the new password as typed (the strength meter follows it)."""
        self.new_password, self.new_error = value, ""

    @rx.event
    async def change_password(self) -> EventSpec | None:
        """Change the password; wrong current password or a weak new one shown inline."""
        if not self.current_password:
            self.current_error = "Enter your current password"
            return None
        if len(self.new_password) > PASSWORD_MAX:
            self.new_error = f"Use at most {PASSWORD_MAX} characters"
            return None
        principal = await acting_principal(self)
        keep = session_token(self.router.headers.cookie)
        try:
            await run_db(
                change_password,
                principal,
                self.current_password,
                self.new_password,
                keep,
                self._ip(),
            )
        except AuthenticationError as exc:
            self.current_error = error_message(exc)
            return None
        except ServiceError as exc:
            self.new_error = error_message(exc)
            return None
        self.current_password = self.new_password = ""
        return rx.toast.success("Password changed. Your other sessions have ended.")

    @rx.event
    def set_create_open(self, value: bool) -> None:
        """Open or close the new-key dialog (it opens with the read scopes ticked)."""
        self.create_open, self.create_error = value, ""
        if value:
            self.key_scopes = [scope for scope in self.scope_choices if scope.endswith(":read")]

    @rx.event
    def toggle_scope(self, scope: str, on: bool) -> None:
        """Tick or untick one scope of the new key."""
        chosen = set(self.key_scopes) - {scope}
        if on:
            chosen.add(scope)
        self.key_scopes = [item for item in SCOPE_ORDER if item in chosen]

    @rx.event
    async def create_key(self, form: dict[str, str]) -> None:
        """Create the key from the dialog's form and show its text once."""
        try:
            expires_at = expiry_of(str(form.get("expires", "")))
        except ValueError:
            self.create_error = "The expiry must be a date such as 2027-01-31"
            return
        principal = await acting_principal(self)
        try:
            secret = await run_db(
                create_key,
                principal,
                str(form.get("name", "")),
                list(self.key_scopes),
                expires_at,
                self._ip(),
            )
        except ServiceError as exc:
            self.create_error = error_message(exc)
            return
        self.create_open, self.secret = False, secret
        await self._reload(principal)

    @rx.event
    def close_secret(self, value: bool) -> None:
        """Forget the key's text when its dialog closes: it is never shown again."""
        if not value:
            self.secret = ""

    @rx.event
    def ask_revoke(self, key_id: int, name: str) -> None:
        """Ask to confirm revoking a key."""
        self.revoke_id, self.revoke_name, self.revoke_open = key_id, name, True

    @rx.event
    def set_revoke_open(self, value: bool) -> None:
        """Open or close the revoke confirmation."""
        self.revoke_open = value

    @rx.event
    async def confirm_revoke(self) -> EventSpec:
        """Revoke the key the confirmation names."""
        principal = await acting_principal(self)
        self.revoke_open = False
        try:
            await run_db(revoke_key, principal, self.revoke_id, self._ip())
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload(principal)
        return rx.toast.success(f"Revoked “{self.revoke_name}”: it no longer works")

    @rx.event
    def set_everywhere_open(self, value: bool) -> None:
        """Open or close the log-out-everywhere confirmation."""
        self.everywhere_open = value

    @rx.event
    async def log_out_everywhere(self) -> EventSpec:
        """End every session of this account, this browser's too, and show the login page."""
        principal = await acting_principal(self)
        await run_db(end_everywhere, principal, self._ip())
        self.everywhere_open = False
        return rx.redirect("/login")
