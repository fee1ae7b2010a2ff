"""Ownership and sharing: workflows have an owner, shares grant named users access, and an
execution records who started it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the owner and starter columns, the shares table, and give existing rows an owner."""
    with op.batch_alter_table("workflows") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_workflows_owner_id", "users", ["owner_id"], ["id"])
        batch.create_index("ix_workflows_owner_id", ["owner_id"])
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("started_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_executions_started_by_id", "users", ["started_by_id"], ["id"])
    op.create_table(
        "workflow_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workflow_id",
            sa.Integer(),
            sa.ForeignKey("workflows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("permission", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workflow_id", "user_id", name="uq_workflow_shares"),
    )
    op.create_index("ix_workflow_shares_user_id", "workflow_shares", ["user_id"])
    # Workflows made before this revision belong to the owner, when there is one already.
    op.execute(
        "UPDATE workflows SET owner_id = (SELECT id FROM users WHERE role = 'owner') "
        "WHERE owner_id IS NULL"
    )


def downgrade() -> None:
    """Drop the shares table and the owner and starter columns."""
    op.drop_index("ix_workflow_shares_user_id", table_name="workflow_shares")
    op.drop_table("workflow_shares")
    with op.batch_alter_table("executions") as batch:
        batch.drop_constraint("fk_executions_started_by_id", type_="foreignkey")
        batch.drop_column("started_by_id")
    with op.batch_alter_table("workflows") as batch:
        batch.drop_index("ix_workflows_owner_id")
        batch.drop_constraint("fk_workflows_owner_id", type_="foreignkey")
        batch.drop_column("owner_id")
