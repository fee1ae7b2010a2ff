"""Users: the owner's set-up, roles, deactivation, profile and password, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models.account import Role, Theme, User
from app.models.audit import AuditEvent
from app.services.accounts import (
    change_password,
    change_role,
    create_owner,
    list_users,
    needs_owner,
    set_active,
    update_profile,
)
from app.services.api_keys import api_key_principal, create_api_key
from app.services.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from app.services.login import log_in
from app.services.user_sessions import session_principal
from tests.services.accounts_builders import PASSWORD, member, owner


def test_the_first_user_is_the_owner_and_there_is_only_one(session: Session) -> None:
    assert needs_owner(session)
    ada = owner(session)
    assert ada.role is Role.OWNER and not needs_owner(session)
    with pytest.raises(ConflictError, match="owner already"):
        create_owner(session, email="bob@example.com", name="Bob", password=PASSWORD)
    row = session.exec(select(User)).one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    # The database itself refuses a second owner.
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, theme, active, "
                "created_at, updated_at) VALUES ('x@example.com', 'X', 'h', 'owner', 'system', "
                "true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-address", PASSWORD, "e-mail address"),
        ("ada@example.com", "short", "at least 12"),
        ("ada@example.com", "password1234", "too easy"),
        ("ada.lovelace@example.com", "ada.lovelace-2024", "e-mail"),
    ],
)
def test_the_owner_form_refuses_bad_input(
    session: Session, email: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        create_owner(session, email=email, name="Ada", password=password)
    assert needs_owner(session)


def test_only_owner_and_admins_manage_users_and_nobody_manages_the_owner(
    session: Session,
) -> None:
    ada = owner(session)
    admin = member(session, Role.ADMIN)
    editor = member(session, Role.EDITOR)
    viewer = member(session, Role.VIEWER)

    assert (
        change_role(session, principal=admin, user_id=viewer.user_id, role=Role.EDITOR).role
        == "editor"
    )
    for who in (editor, viewer):
        with pytest.raises(PermissionDeniedError):
            change_role(session, principal=who, user_id=admin.user_id, role=Role.VIEWER)
        with pytest.raises(PermissionDeniedError):
            list_users(session, principal=who)
    with pytest.raises(PermissionDeniedError, match="owner"):
        change_role(session, principal=admin, user_id=ada.user_id, role=Role.VIEWER)
    with pytest.raises(PermissionDeniedError, match="yourself"):
        set_active(session, principal=admin, user_id=admin.user_id, active=False)
    with pytest.raises(InvalidInputError):
        change_role(session, principal=ada, user_id=admin.user_id, role=Role.OWNER)
    assert [u.role for u in list_users(session, principal=ada)] == [
        "owner",
        "admin",
        "editor",
        "editor",
    ]
    actions = session.exec(select(AuditEvent.action)).all()
    assert actions.count("user.role") == 1


def test_deactivating_a_user_ends_their_sessions_and_keys_at_once(session: Session) -> None:
    ada = owner(session)
    bob = member(session, Role.EDITOR, "bob@example.com")
    token = log_in(session, email="bob@example.com", password=PASSWORD).token
    assert token is not None
    _, key = create_api_key(session, principal=bob, name="ci", scopes=["executions:run"])
    assert session_principal(session, token=token) is not None
    assert api_key_principal(session, key=key) is not None

    set_active(session, principal=ada, user_id=bob.user_id, active=False)
    assert session_principal(session, token=token) is None
    assert api_key_principal(session, key=key) is None
    assert log_in(session, email="bob@example.com", password=PASSWORD).token is None

    # Coming back does not bring the old credentials back.
    set_active(session, principal=ada, user_id=bob.user_id, active=True)
    assert session_principal(session, token=token) is None
    assert api_key_principal(session, key=key) is None
    assert log_in(session, email="bob@example.com", password=PASSWORD).token is not None


def test_changing_the_password_ends_the_other_sessions(session: Session) -> None:
    ada = owner(session)
    here = log_in(session, email="ada@example.com", password=PASSWORD).token
    elsewhere = log_in(session, email="ada@example.com", password=PASSWORD).token
    assert here and elsewhere
    with pytest.raises(AuthenticationError):
        change_password(session, principal=ada, current="wrong password!", new="x" * 20)
    with pytest.raises(InvalidInputError, match="at least 12"):
        change_password(session, principal=ada, current=PASSWORD, new="short")
    change_password(
        session,
        principal=ada,
        current=PASSWORD,
        new="a new long passphrase",
        keep_session_token=here,
    )
    assert session_principal(session, token=here) is not None
    assert session_principal(session, token=elsewhere) is None
    assert log_in(session, email="ada@example.com", password=PASSWORD).token is None
    assert log_in(session, email="ada@example.com", password="a new long passphrase").token


def test_a_user_changes_their_own_name_and_theme(session: Session) -> None:
    ada = owner(session)
    changed = update_profile(session, principal=ada, name="  Ada L.  ", theme=Theme.DARK)
    assert (changed.name, changed.theme) == ("Ada L.", "dark")
    with pytest.raises(InvalidInputError):
        update_profile(session, principal=ada, name="   ")
    detail = session.exec(select(AuditEvent.detail).where(AuditEvent.action == "user.update")).one()
    assert detail == {"name": ["Ada", "Ada L."], "theme": ["system", "dark"]}
