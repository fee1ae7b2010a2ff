"""Webhooks that start runs of a workflow, the log of their calls, the delivery ids seen
(replay protection) and each webhook's rate-limit bucket.

The URL holds `public_id`, a random name that is not the secret: requests prove who sent
them by their signature. Secrets are stored encrypted (`app/models/secret_box.py`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type

NAME_MAX = 200
PUBLIC_ID_MAX = 64
DELIVERY_ID_MAX = 128
HEADER_NAME_MAX = 64
MAPPING_MAX = 2_000
RATE_LIMIT_DEFAULT_PER_HOUR = 100
BODY_LIMIT_DEFAULT_BYTES = 1024 * 1024
RESPOND_TIMEOUT_DEFAULT_SECONDS = 10.0
CALL_LOG_KEPT = 100
REPLAY_WINDOW_SECONDS = 24 * 3600
TIMESTAMP_TOLERANCE_SECONDS = 300


class SignatureMode(StrEnum):
    """How a webhook's requests prove who sent them."""

    STANDARD = "standard"  # Standard Webhooks: webhook-id, -timestamp, -signature (v1,...)
    GITHUB = "github"  # X-Hub-Signature-256: sha256=<hex HMAC of the body>
    TOKEN = "token"  # a static token in a header of the webhook's choosing
    NONE = "none"  # no check at all (explicit opt-in; the UI warns)


class RespondMode(StrEnum):
    """What the caller gets back."""

    ACCEPTED = "accepted"  # 202 {"execution_id": ...} at once
    OUTPUT = "output"  # wait for the run (up to respond_timeout_seconds) and return its output


class Webhook(SQLModel, table=True):
    """A URL that starts runs of a workflow when a signed request reaches it."""

    __tablename__ = "webhooks"
    __table_args__ = (
        UniqueConstraint("public_id", name="uq_webhooks_public_id"),
        Index("ix_webhooks_workflow_id", "workflow_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    public_id: str = Field(sa_column=Column(String(PUBLIC_ID_MAX), nullable=False))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    name: str = Field(default="", sa_column=Column(String(NAME_MAX), nullable=False))
    enabled: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    signature_mode: str = Field(
        default=SignatureMode.STANDARD.value, sa_column=Column(String(16), nullable=False)
    )
    # Fernet-encrypted secret (None for mode `none`).
    secret_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # After a regenerate, the old secret stays valid until `previous_secret_expires_at`.
    previous_secret_encrypted: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True)
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # The header that carries the token in mode `token`.
    token_header: str = Field(
        default="X-Webhook-Token", sa_column=Column(String(HEADER_NAME_MAX), nullable=False)
    )
    rate_limit_per_hour: int = Field(
        default=RATE_LIMIT_DEFAULT_PER_HOUR, sa_column=Column(Integer, nullable=False)
    )
    # CIDR blocks allowed to call (empty: everyone).
    ip_allowlist: list[str] = Field(
        default_factory=list, sa_column=Column(json_column_type(), nullable=False)
    )
    body_limit_bytes: int = Field(
        default=BODY_LIMIT_DEFAULT_BYTES, sa_column=Column(Integer, nullable=False)
    )
    # A JMESPath expression over {"body", "headers", "query"} giving the workflow input
    # (None: the body as it came).
    mapping: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    respond_mode: str = Field(
        default=RespondMode.ACCEPTED.value, sa_column=Column(String(16), nullable=False)
    )
    respond_timeout_seconds: float = Field(
        default=RESPOND_TIMEOUT_DEFAULT_SECONDS, sa_column=Column(Float, nullable=False)
    )
    # Run the version this tag names (None: the workflow as it is now).
    version_tag: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    last_called_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class WebhookCall(SQLModel, table=True):
    """One request to a webhook, accepted or refused (the newest `CALL_LOG_KEPT` are kept)."""

    __tablename__ = "webhook_calls"
    __table_args__ = (Index("ix_webhook_calls_webhook_id_id", "webhook_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    webhook_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    )
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ip: str = Field(default="", sa_column=Column(String(64), nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    # Why it was refused (None when accepted).
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    delivery_id: str | None = Field(
        default=None, sa_column=Column(String(DELIVERY_ID_MAX), nullable=True)
    )
    execution_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("executions.id", ondelete="SET NULL"), nullable=True),
    )
    mapped_input: Any = Field(default=None, sa_column=Column(json_column_type(), nullable=True))
    # True for "send test event" calls made by the server itself.
    test: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """A `webhook-id` seen in the last 24 h and the answer it got (replays get it again)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "delivery_id", name="uq_webhook_deliveries_id"),
        Index("ix_webhook_deliveries_received_at", "received_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    webhook_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    )
    delivery_id: str = Field(sa_column=Column(String(DELIVERY_ID_MAX), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    response: Any = Field(default=None, sa_column=Column(json_column_type(), nullable=True))


class WebhookRateBucket(SQLModel, table=True):
    """A webhook's token bucket, shared by every serving process through the database."""

    __tablename__ = "webhook_rate_buckets"

    webhook_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), primary_key=True)
    )
    tokens: float = Field(sa_column=Column(Float, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
