"""Encrypt the provider API keys already stored in plain text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 07:10:00

The key comes from the same place the app takes it (FLOWBOOK_SECRET_KEY, else the key file
beside the database, created on first use), so the app reads what this writes. Rows that
already hold a token for that key are left alone; the downgrade decrypts them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from alembic import op
from app.models.secret_box import SecretBox, secret_box

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_settings = sa.table(
    "provider_setting", sa.column("provider", sa.String), sa.column("api_key", sa.Text)
)


def _rewrite_keys(change: Callable[[SecretBox, str], str | None]) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_settings.c.provider, _settings.c.api_key).where(_settings.c.api_key.is_not(None))
    ).all()
    if not rows:
        return
    box = secret_box(str(bind.engine.url))
    for provider, stored in rows:
        new_value = change(box, stored)
        if new_value is not None:
            bind.execute(
                _settings.update().where(_settings.c.provider == provider).values(api_key=new_value)
            )


def _encrypted(box: SecretBox, stored: str) -> str | None:
    return None if box.is_token(stored) else box.encrypt(stored)


def _decrypted(box: SecretBox, stored: str) -> str | None:
    return box.decrypt(stored) if box.is_token(stored) else None


def upgrade() -> None:
    """Replace every plain provider key by its Fernet token."""
    _rewrite_keys(_encrypted)


def downgrade() -> None:
    """Turn the tokens back into plain keys (those made with another key stay as they are)."""
    _rewrite_keys(_decrypted)
