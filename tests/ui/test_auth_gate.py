"""The web app's gate: which events pass without a session, and reading the cookie."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex_base.event import Event

from app.models.account import Role
from app.services.principal import ROLE_SCOPES, Principal
from app.ui.auth_gate import AuthGate, login_target
from app.ui.state.account_state import AccountState
from app.ui.state.audit_state import AuditState
from app.ui.state.auth_state import AuthState, session_token
from app.ui.state.join_state import JoinState
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.settings_state import SettingsState
from app.ui.state.users_state import UsersState
from app.ui.state.workflows_state import WorkflowsState


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("flowbook_session=abc123", "abc123"),
        ("theme=dark; flowbook_session=abc123; other=1", "abc123"),
        ("other=1", ""),
        ("", ""),
        ('flowbook_session="unterminated', ""),
    ],
)
def test_the_session_token_is_read_from_the_cookie_header(header: str, token: str) -> None:
    assert session_token(header) == token


def test_only_start_up_login_and_join_page_events_pass_without_a_session() -> None:
    gate = AuthGate()
    auth = AuthState.get_full_name()
    passing = [
        f"{auth}.open_login",
        f"{auth}.open_setup",
        f"{JoinState.get_full_name()}.open_join",
        "reflex___state____state.hydrate",
        "reflex___state____state.hydrate_and_load",
        "reflex___state____state.reflex___state____on_load_internal_state.on_load_internal",
    ]
    gated = [
        f"{auth}.load_user",
        "reflex___state____state.app___ui___state___workflows_state____workflows_state.load",
        "reflex___state____state.some_state.delete_workflow",
        f"{JoinState.get_full_name()}.set_valid",
        f"{AccountState.get_full_name()}.load",
        f"{UsersState.get_full_name()}.load",
        "reflex___state____state.some_state.open_join",
    ]
    assert all(gate._open(Event(name=name)) for name in passing)
    assert not any(gate._open(Event(name=name)) for name in gated)


@pytest.mark.parametrize(
    ("role", "state", "handler", "allowed"),
    [
        (Role.VIEWER, WorkflowsState, "load", True),
        (Role.VIEWER, WorkflowsState, "set_search", True),
        (Role.VIEWER, WorkflowsState, "duplicate", False),
        (Role.VIEWER, WorkflowsState, "run", False),
        (Role.EDITOR, WorkflowsState, "duplicate", True),
        (Role.EDITOR, SettingsState, "load", False),
        (Role.EDITOR, MonitoringState, "load", False),
        (Role.ADMIN, SettingsState, "save_key", True),
        (Role.OWNER, SettingsState, "load", True),
        (Role.EDITOR, UsersState, "load", False),
        (Role.EDITOR, UsersState, "change_role", False),
        (Role.VIEWER, UsersState, "load", False),
        (Role.EDITOR, AuditState, "load", False),
        (Role.VIEWER, AuditState, "set_actor_filter", False),
        (Role.ADMIN, UsersState, "change_role", True),
        (Role.ADMIN, AuditState, "load", True),
        (Role.OWNER, UsersState, "confirm_toggle", True),
        # Everyone changes their own account, a viewer too.
        (Role.VIEWER, AccountState, "create_key", True),
        (Role.VIEWER, AccountState, "change_password", True),
        (Role.VIEWER, AccountState, "log_out_everywhere", True),
        (Role.EDITOR, AccountState, "confirm_revoke", True),
    ],
)
def test_roles_limit_what_page_events_may_do(
    role: Role, state: type[rx.State], handler: str, allowed: bool
) -> None:
    principal = Principal(user_id=1, role=role, label="x", scopes=ROLE_SCOPES[role])
    event = Event(name=f"{state.get_full_name()}.{handler}")
    assert (AuthGate()._refusal(principal, event) is None) is allowed


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/executions", "/login?next=/executions"),
        ("/executions?status=failed", "/login?next=/executions%3Fstatus%3Dfailed"),
        # An event sent while the browser followed the first redirect: the page's path with
        # the login page's query. It goes where the first went, not to a nested next.
        ("/executions?next=/executions", "/login?next=/executions"),
        ("", "/login?next=/"),
    ],
)
def test_the_login_redirect_comes_back_to_the_page_and_never_nests_next(
    path: str, target: str
) -> None:
    assert login_target(path) == target
