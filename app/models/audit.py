"""The audit log: one row per change, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when and from where; `detail` holds a short diff."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor_user_id", "at"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_user_id: int | None = Field(default=None, foreign_key="users.id")
    actor: str = Field(sa_column=Column(String(300), nullable=False))
    action: str = Field(sa_column=Column(String(40), nullable=False))
    object_type: str = Field(sa_column=Column(String(40), nullable=False))
    object_id: str = Field(default="", sa_column=Column(String(64), nullable=False))
    ip: str = Field(default="", sa_column=Column(String(64), nullable=False))
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(json_column_type(), nullable=False)
    )


class AuditEventPublic(SQLModel):
    """An audit row as listed on the audit page and by the API."""

    id: int
    at: datetime
    actor_user_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    ip: str
    detail: dict[str, Any]
