"""Triggers: cron schedules and the record of every fire time; webhooks, their call log,
the delivery ids seen (replay protection) and their rate-limit buckets.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _ref(name: str, table: str, ondelete: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    """Create the schedule and webhook tables."""
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("workflow_id", "workflows", "CASCADE"),
        _ref("created_by", "users", "SET NULL", nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cron", sa.String(120), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("input", sa.JSON(), nullable=True),
        sa.Column("version_tag", sa.String(64), nullable=True),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("misfire_policy", sa.String(16), nullable=False),
        sa.Column("allow_overlap", sa.Boolean(), nullable=False),
        sa.Column("retry_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_backoff_seconds", sa.Integer(), nullable=False),
        _when("next_fire_at"),
        _when("last_fire_at"),
        sa.Column("revision", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
    )
    op.create_index("ix_schedules_workflow_id", "schedules", ["workflow_id"])
    op.create_index("ix_schedules_enabled_next_fire_at", "schedules", ["enabled", "next_fire_at"])
    op.create_table(
        "schedule_fires",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("schedule_id", "schedules", "CASCADE"),
        _when("fire_time", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _when("started_at"),
        sa.Column("lag_ms", sa.Integer(), nullable=True),
        _ref("execution_id", "executions", "SET NULL", nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _when("next_retry_at"),
        _when("created_at", nullable=False),
        sa.UniqueConstraint("schedule_id", "fire_time", name="uq_schedule_fires_time"),
    )
    op.create_index("ix_schedule_fires_schedule_id_id", "schedule_fires", ["schedule_id", "id"])
    op.create_index("ix_schedule_fires_next_retry_at", "schedule_fires", ["next_retry_at"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(64), nullable=False),
        _ref("workflow_id", "workflows", "CASCADE"),
        _ref("created_by", "users", "SET NULL", nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("signature_mode", sa.String(16), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("previous_secret_encrypted", sa.Text(), nullable=True),
        _when("previous_secret_expires_at"),
        sa.Column("token_header", sa.String(64), nullable=False),
        sa.Column("rate_limit_per_hour", sa.Integer(), nullable=False),
        sa.Column("ip_allowlist", sa.JSON(), nullable=False),
        sa.Column("body_limit_bytes", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=True),
        sa.Column("respond_mode", sa.String(16), nullable=False),
        sa.Column("respond_timeout_seconds", sa.Float(), nullable=False),
        sa.Column("version_tag", sa.String(64), nullable=True),
        _when("last_called_at"),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.UniqueConstraint("public_id", name="uq_webhooks_public_id"),
    )
    op.create_index("ix_webhooks_workflow_id", "webhooks", ["workflow_id"])
    op.create_table(
        "webhook_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("webhook_id", "webhooks", "CASCADE"),
        _when("received_at", nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("delivery_id", sa.String(128), nullable=True),
        _ref("execution_id", "executions", "SET NULL", nullable=True),
        sa.Column("mapped_input", sa.JSON(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_webhook_calls_webhook_id_id", "webhook_calls", ["webhook_id", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("webhook_id", "webhooks", "CASCADE"),
        sa.Column("delivery_id", sa.String(128), nullable=False),
        _when("received_at", nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.UniqueConstraint("webhook_id", "delivery_id", name="uq_webhook_deliveries_id"),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])
    op.create_table(
        "webhook_rate_buckets",
        sa.Column(
            "webhook_id",
            sa.Integer(),
            sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tokens", sa.Float(), nullable=False),
        _when("updated_at", nullable=False),
    )


def downgrade() -> None:
    """Drop the schedule and webhook tables."""
    for table in ("webhook_rate_buckets", "webhook_deliveries", "webhook_calls", "webhooks"):
        op.drop_table(table)
    op.drop_table("schedule_fires")
    op.drop_table("schedules")
