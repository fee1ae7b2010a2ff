"""LLM layer: shared breaker states, fallback events, provider settings, model map; workflow
kinds (orchestrations) and executions.uses_mock.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:05:00

model_mapping is seeded with the built-in groups of equivalent models (copied here, not
imported, so this migration never changes when the defaults in app.llm.model_map do).
Breaker times are epoch seconds (float), as the breaker computes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_GROUPS: tuple[tuple[str, list[str]], ...] = (
    ("flagship", ["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-pro"]),
    ("fast", ["openai/gpt-4o-mini", "anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash"]),
)


def _timestamp(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the LLM tables, seed the model map, add workflows.kind and executions.uses_mock."""
    op.create_table(
        "llm_breaker",
        sa.Column("deployment", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=True),
        sa.Column("probe_started_at", sa.Float(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("deployment"),
    )
    op.create_table(
        "llm_fallback_event",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("at", nullable=False),
        sa.Column("execution_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("from_deployment", sa.String(length=200), nullable=False),
        sa.Column("to_deployment", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_llm_fallback_event_at", "llm_fallback_event", ["at"])
    op.create_table(
        "provider_setting",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("api_key", sa.Text(), nullable=True),
        sa.Column("api_base", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("provider"),
    )
    model_mapping = op.create_table(
        "model_mapping",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        model_mapping,
        [
            {"name": name, "models": models, "position": index, "updated_at": now}
            for index, (name, models) in enumerate(SEED_GROUPS)
        ],
    )
    with op.batch_alter_table("workflows") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="workflow")
        )
        batch.create_index("ix_workflows_kind_updated_at", ["kind", "updated_at"])
    with op.batch_alter_table("executions") as batch:
        batch.add_column(
            sa.Column("uses_mock", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("uses_mock")
    with op.batch_alter_table("workflows") as batch:
        batch.drop_index("ix_workflows_kind_updated_at")
        batch.drop_column("kind")
    op.drop_table("model_mapping")
    op.drop_table("provider_setting")
    op.drop_index("ix_llm_fallback_event_at", table_name="llm_fallback_event")
    op.drop_table("llm_fallback_event")
    op.drop_table("llm_breaker")
