"""Workflow versions and tags; executions record the version they ran.

Every existing workflow gets version 1 holding its current document.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 13:10:00
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _hash(definition: object) -> str:
    # As app.models.version.content_hash (copied: a migration must not change with the app).
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    """Create the versions and tags tables, the version columns, and each workflow's v1."""
    versions = op.create_table(
        "workflow_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workflow_id",
            sa.Integer(),
            sa.ForeignKey("workflows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column(
            "parent_id", sa.Integer(), sa.ForeignKey("workflow_versions.id"), nullable=True
        ),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workflow_id", "number", name="uq_workflow_versions_number"),
    )
    op.create_index(
        "ix_workflow_versions_workflow_id_number", "workflow_versions", ["workflow_id", "number"]
    )
    op.create_table(
        "version_tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workflow_id",
            sa.Integer(),
            sa.ForeignKey("workflows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("workflow_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workflow_id", "name", name="uq_version_tags_name"),
    )
    with op.batch_alter_table("workflows") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version_number", sa.Integer(), nullable=True))
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version_number", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_executions_version_id",
            "workflow_versions",
            ["version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_executions_version_id", ["version_id"])

    connection = op.get_bind()
    workflows = sa.table(
        "workflows",
        sa.column("id", sa.Integer()),
        sa.column("definition", sa.JSON()),
        sa.column("owner_id", sa.Integer()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("version_id", sa.Integer()),
        sa.column("version_number", sa.Integer()),
    )
    for row in connection.execute(
        sa.select(workflows.c.id, workflows.c.definition, workflows.c.owner_id, workflows.c.updated_at)
    ).all():
        inserted = connection.execute(
            versions.insert().values(
                workflow_id=row.id,
                number=1,
                kind="auto",
                message="",
                author_id=row.owner_id,
                parent_id=None,
                definition=row.definition,
                content_hash=_hash(row.definition),
                created_at=row.updated_at,
                updated_at=row.updated_at,
            )
        )
        connection.execute(
            workflows.update()
            .where(workflows.c.id == row.id)
            .values(version_id=inserted.inserted_primary_key[0], version_number=1)
        )


def downgrade() -> None:
    """Drop the version columns and the versions and tags tables."""
    with op.batch_alter_table("executions") as batch:
        batch.drop_index("ix_executions_version_id")
        batch.drop_constraint("fk_executions_version_id", type_="foreignkey")
        batch.drop_column("version_number")
        batch.drop_column("version_id")
    with op.batch_alter_table("workflows") as batch:
        batch.drop_column("version_number")
        batch.drop_column("version_id")
    op.drop_table("version_tags")
    op.drop_index("ix_workflow_versions_workflow_id_number", table_name="workflow_versions")
    op.drop_table("workflow_versions")
