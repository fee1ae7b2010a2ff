"""The node type catalogue: config JSON schemas, handles and icons for palettes and clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.engine.nodes import default_registry

router = APIRouter(prefix="/api/node-types", tags=["node types"])


@router.get("", summary="List node types")
def list_node_types() -> list[dict[str, Any]]:
    """Every registered node type with its config JSON schema and handles."""
    return default_registry().describe()
