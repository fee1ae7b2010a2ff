"""Sharing: a workflow (or orchestration) shared with a named user as viewer or editor.

Its executions follow it: who may read a workflow may read its runs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class SharePermission(StrEnum):
    """What a share grants: viewers look; editors also change and run."""

    VIEWER = "viewer"
    EDITOR = "editor"


class WorkflowShare(SQLModel, table=True):
    """One user's access to one workflow they do not own."""

    __tablename__ = "workflow_shares"
    __table_args__ = (UniqueConstraint("workflow_id", "user_id", name="uq_workflow_shares"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    permission: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ShareCreate(SQLModel):
    """Share with the user of this e-mail address (added or changed: one share per user)."""

    email: str = Field(min_length=3, max_length=254)
    permission: SharePermission = SharePermission.VIEWER


class SharePublic(SQLModel):
    """A share as the sharing dialog and the API list it."""

    user_id: int
    email: str
    name: str
    permission: SharePermission
    created_at: datetime
