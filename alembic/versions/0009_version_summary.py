"""Each version stores the summary of its change from its parent ("2 nodes changed").

Written at save time so the history list never diffs documents; NULL for the versions 0008
made, whose summary the service computes when a page shows them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add workflow_versions.summary."""
    with op.batch_alter_table("workflow_versions") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop workflow_versions.summary."""
    with op.batch_alter_table("workflow_versions") as batch:
        batch.drop_column("summary")
