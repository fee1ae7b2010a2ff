"""SQLModel tables, their schemas, and database engine/session set-up."""

from __future__ import annotations

from app.models.execution import Execution, NodeRun
from app.models.workflow import Workflow

__all__ = ["Execution", "NodeRun", "Workflow"]
