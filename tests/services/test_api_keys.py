"""API keys: shown once, stored as a hash, scoped, expiring, revocable, on both databases."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.models.account import ApiKey, Role, Scope
from app.models.types import utc_now
from app.services.api_keys import (
    api_key_principal,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.principal import Via
from app.services.secret_tokens import new_token, token_digest
from tests.services.accounts_builders import member, owner


def test_a_key_is_shown_once_and_the_database_holds_no_usable_key(session: Session) -> None:
    ada = owner(session)
    listed, key = create_api_key(
        session, principal=ada, name="deploy", scopes=["workflows:read", "executions:run"]
    )
    assert key.startswith(f"fbk_{listed.prefix}_") and len(key) > 40
    session.flush()
    dump = " ".join(
        str(value) for row in session.execute(text("SELECT * FROM api_keys")) for value in row
    )
    secret = key.split("_", 2)[2]  # the secret itself may contain "_"
    assert secret not in dump and key not in dump
    assert [k.name for k in list_api_keys(session, principal=ada)] == ["deploy"]
    assert "secret" not in list_api_keys(session, principal=ada)[0].model_dump_json()

    acting = api_key_principal(session, key=key)
    assert acting is not None and acting.via is Via.API_KEY and acting.user_id == ada.user_id
    assert acting.has_scope(Scope.EXECUTIONS_RUN) and not acting.has_scope(Scope.WORKFLOWS_WRITE)
    assert "deploy" in acting.label
    assert list_api_keys(session, principal=ada)[0].last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),
        lambda key: key.replace("fbk_", "xyz_"),
        lambda key: key.split("_")[0] + "_" + key.split("_")[1],
        lambda key: "fbk_00000000_" + key.split("_", 2)[2],
        lambda key: "",
    ],
)
def test_a_wrong_or_mangled_key_is_refused(session: Session, mangle: object) -> None:
    ada = owner(session)
    _, key = create_api_key(session, principal=ada, name="k", scopes=["admin"])
    assert callable(mangle)
    assert api_key_principal(session, key=mangle(key)) is None


def test_expired_and_revoked_keys_are_refused(session: Session) -> None:
    ada = owner(session)
    soon = utc_now() + timedelta(hours=1)
    expiring, expiring_key = create_api_key(
        session, principal=ada, name="short", scopes=["workflows:read"], expires_at=soon
    )
    assert api_key_principal(session, key=expiring_key) is not None
    assert api_key_principal(session, key=expiring_key, now=soon) is None

    revoked, revoked_key = create_api_key(session, principal=ada, name="old", scopes=["admin"])
    assert revoke_api_key(session, principal=ada, key_id=revoked.id).revoked_at is not None
    assert api_key_principal(session, key=revoked_key) is None
    with pytest.raises(InvalidInputError, match="future"):
        create_api_key(session, principal=ada, name="past", scopes=["admin"], expires_at=utc_now())
    assert expiring.expires_at == soon


def test_scopes_are_checked_and_only_admins_make_admin_keys(session: Session) -> None:
    owner(session)
    editor = member(session, Role.EDITOR)
    with pytest.raises(InvalidInputError, match="Unknown scope"):
        create_api_key(session, principal=editor, name="k", scopes=["workflows:delete"])
    with pytest.raises(InvalidInputError, match="at least one"):
        create_api_key(session, principal=editor, name="k", scopes=[])
    with pytest.raises(PermissionDeniedError):
        create_api_key(session, principal=editor, name="k", scopes=["admin"])
    _, key = create_api_key(session, principal=editor, name="k", scopes=["workflows:read"])
    acting = api_key_principal(session, key=key)
    assert acting is not None
    # A key cannot mint keys unless it has the admin scope.
    with pytest.raises(PermissionDeniedError, match="admin scope"):
        create_api_key(session, principal=acting, name="k2", scopes=["workflows:read"])


def test_others_keys_are_not_found_unless_you_are_an_admin(session: Session) -> None:
    ada = owner(session)
    bob = member(session, Role.EDITOR, "bob@example.com")
    eve = member(session, Role.VIEWER, "eve@example.com")
    bobs, _ = create_api_key(session, principal=bob, name="bob's", scopes=["workflows:read"])
    with pytest.raises(NotFoundError):
        revoke_api_key(session, principal=eve, key_id=bobs.id)
    assert list_api_keys(session, principal=eve) == []
    assert revoke_api_key(session, principal=ada, key_id=bobs.id).revoked_at is not None


def test_new_keys_have_12_digit_prefixes_and_keys_with_8_digit_ones_still_work(
    session: Session,
) -> None:
    ada = owner(session)
    listed, key = create_api_key(session, principal=ada, name="new", scopes=["admin"])
    assert re.fullmatch(r"[0-9a-f]{12}", listed.prefix) and key.startswith(f"fbk_{listed.prefix}_")
    secret = new_token()
    session.add(
        ApiKey(
            user_id=ada.user_id,
            name="made before the wider prefixes",
            prefix="0a1b2c3d",
            secret_hash=token_digest(secret),
            scopes=["workflows:read"],
            created_at=utc_now(),
        )
    )
    session.flush()
    old = api_key_principal(session, key=f"fbk_0a1b2c3d_{secret}")
    assert old is not None and old.user_id == ada.user_id
    assert api_key_principal(session, key=f"fbk_0a1b2c3d00_{secret}") is None
