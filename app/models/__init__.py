"""SQLModel tables, their schemas, and database engine/session set-up."""

from __future__ import annotations

from app.models.account import ApiKey, Invite, LoginAttempt, User, UserSession
from app.models.audit import AuditEvent
from app.models.cost import Budget, CostDaily, ExecutionDaily, LLMCall, ProviderPrice
from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.execution import Execution, NodeRun
from app.models.llm import LLMBreaker, LLMFallbackEvent, ModelMapping, ProviderSetting
from app.models.node_cache import NodeCacheEntry
from app.models.schedule import Schedule, ScheduleFire
from app.models.sharing import WorkflowShare
from app.models.version import VersionTag, WorkflowVersion
from app.models.webhook import Webhook, WebhookCall, WebhookDelivery, WebhookRateBucket
from app.models.workflow import Workflow

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Budget",
    "CostDaily",
    "ErrorEvent",
    "ErrorGroup",
    "Execution",
    "ExecutionDaily",
    "Invite",
    "LLMBreaker",
    "LLMCall",
    "LLMFallbackEvent",
    "LoginAttempt",
    "ModelMapping",
    "NodeCacheEntry",
    "NodeRun",
    "ProviderPrice",
    "ProviderSetting",
    "Schedule",
    "ScheduleFire",
    "User",
    "UserSession",
    "VersionTag",
    "Webhook",
    "WebhookCall",
    "WebhookDelivery",
    "WebhookRateBucket",
    "Workflow",
    "WorkflowShare",
    "WorkflowVersion",
]
