"""Shared, bounded request parameters: ids and pagination never reach the database unchecked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# Ids are 32-bit on PostgreSQL; larger values are refused here instead of overflowing there.
MAX_ID = 2_147_483_647
MAX_PAGE_SIZE = 200

WorkflowIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Workflow id.")]
ExecutionIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Execution id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows to return.")]
