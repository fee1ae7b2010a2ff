"""Reactive runs: the node_cache table and executions.node_states.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:45:00

node_cache is content-addressed (the key hashes a node's type, resolved config, inputs and
pinned output), so one entry can serve several workflows: workflow_id records which workflow
wrote it last and carries no foreign key. executions.node_states keeps every node's final
state of a run, including cached and stale nodes, which have no node_runs rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create node_cache and add executions.node_states."""
    op.create_table(
        "node_cache",
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("node_type", sa.String(length=64), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("taken_handles", sa.JSON(), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cache_key"),
    )
    op.create_index("ix_node_cache_last_used_at", "node_cache", ["last_used_at"])
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("node_states", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop executions.node_states and node_cache."""
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("node_states")
    op.drop_index("ix_node_cache_last_used_at", table_name="node_cache")
    op.drop_table("node_cache")
