"""SQLModel tables, their schemas, and database engine/session set-up."""

from __future__ import annotations

from app.models.execution import Execution, NodeRun
from app.models.llm import LLMBreaker, LLMFallbackEvent, ModelMapping, ProviderSetting
from app.models.node_cache import NodeCacheEntry
from app.models.workflow import Workflow

__all__ = [
    "Execution",
    "LLMBreaker",
    "LLMFallbackEvent",
    "ModelMapping",
    "NodeCacheEntry",
    "NodeRun",
    "ProviderSetting",
    "Workflow",
]
