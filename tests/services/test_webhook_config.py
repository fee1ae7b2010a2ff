"""Webhook settings for the receiver: decrypted once, shared by a burst, reloaded on demand."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from app.models.webhook import SignatureMode
from app.services import webhook_config
from app.services.webhook_config import hook_config
from app.services.webhook_secrets import encrypt_secret
from tests.services.webhook_rows import hook_row


async def test_a_burst_reads_the_row_once_and_a_reload_reads_it_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhook_id = hook_row(
        engine,
        signature_mode=SignatureMode.TOKEN.value,
        secret_encrypted=encrypt_secret("s3cret"),
        ip_allowlist=["10.0.0.0/8", "not a block"],
    )
    with engine.connect() as connection:
        public_id = connection.exec_driver_sql(
            f"SELECT public_id FROM webhooks WHERE id = {webhook_id}"
        ).scalar_one()
    reads = []
    load = webhook_config.load_config

    def counted(name: str) -> webhook_config.HookConfig | None:
        reads.append(name)
        return load(name)

    monkeypatch.setattr(webhook_config, "load_config", counted)
    burst = await asyncio.gather(*(hook_config(public_id) for _ in range(32)))
    assert len(reads) == 1
    config = burst[0]
    assert config is not None and all(c is config for c in burst)
    assert config.secret == "s3cret" and config.id == webhook_id
    assert [str(n) for n in config.networks] == ["10.0.0.0/8"]
    assert await hook_config(public_id) is config and len(reads) == 1
    assert await hook_config(public_id, reload=True) is not config and len(reads) == 2
    assert await hook_config("no-such-hook") is None
