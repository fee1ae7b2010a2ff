"""Migration 0004 encrypts the provider keys that earlier versions stored in plain text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pytest_alembic import MigrationContext
from sqlalchemy import Engine, text

from app.models.secret_box import SECRET_KEY_ENV, secret_box

SECRET = "sk-live-plain-0123456789WXYZ"


def _stored(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT api_key FROM provider_setting WHERE provider = 'openai'")
            ).scalar_one()
        )


def test_plain_keys_are_encrypted_and_decrypted_back(
    alembic_runner: MigrationContext, alembic_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_KEY_ENV, Fernet.generate_key().decode())
    alembic_runner.migrate_up_to("0003")
    with alembic_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO provider_setting (provider, api_key, enabled, updated_at) "
                "VALUES ('openai', :key, true, :now)"
            ),
            {"key": SECRET, "now": datetime.now(UTC)},
        )

    alembic_runner.migrate_up_one()
    token = _stored(alembic_engine)
    assert SECRET not in token
    assert secret_box(str(alembic_engine.url)).decrypt(token) == SECRET

    alembic_runner.migrate_down_one()
    assert _stored(alembic_engine) == SECRET
