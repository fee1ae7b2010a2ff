"""The web app's gate: which events pass without a session, and reading the cookie."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex_base.event import Event

from app.models.account import Role
from app.services.principal import ROLE_SCOPES, Principal
from app.ui.auth_gate import AuthGate
from app.ui.state.auth_state import AuthState, session_token
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.settings_state import SettingsState
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


def test_only_start_up_and_login_page_events_pass_without_a_session() -> None:
    gate = AuthGate()
    auth = AuthState.get_full_name()
    passing = [
        f"{auth}.open_login",
        f"{auth}.open_setup",
        "reflex___state____state.hydrate",
        "reflex___state____state.reflex___state____on_load_internal_state.on_load_internal",
    ]
    gated = [
        f"{auth}.load_user",
        "reflex___state____state.app___ui___state___workflows_state____workflows_state.load",
        "reflex___state____state.some_state.delete_workflow",
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
    ],
)
def test_roles_limit_what_page_events_may_do(
    role: Role, state: type[rx.State], handler: str, allowed: bool
) -> None:
    principal = Principal(user_id=1, role=role, label="x", scopes=ROLE_SCOPES[role])
    event = Event(name=f"{state.get_full_name()}.{handler}")
    assert (AuthGate()._refusal(principal, event) is None) is allowed
