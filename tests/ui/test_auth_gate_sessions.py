"""The gate sees a logout or a deactivation with the page's very next event (no grace
period), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.models.account import Role, User
from app.services.accounts import set_active
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.services.user_sessions import end_session, start_session
from app.ui.auth_gate import AuthGate
from tests.credentials import user_with_key

pytestmark = pytest.mark.usefixtures("db_url")


def _session_of(email: str) -> tuple[int, str]:
    user_with_key(email, Role.EDITOR, ("workflows:read",))
    with session_scope() as session:
        user = session.query(User).filter_by(email=email).one()
        assert user.id is not None
        return user.id, start_session(session, user=user)


async def test_a_logout_is_seen_by_the_next_event() -> None:
    gate = AuthGate()
    _, token = _session_of("leaving@example.com")
    assert await gate._principal(token) is not None
    with session_scope() as session:
        end_session(session, token=token)
    assert await gate._principal(token) is None


async def test_a_deactivation_is_seen_by_the_next_event() -> None:
    gate = AuthGate()
    user_id, token = _session_of("gone@example.com")
    assert await gate._principal(token) is not None
    with session_scope() as session:
        set_active(session, principal=SYSTEM, user_id=user_id, active=False)
    assert await gate._principal(token) is None
