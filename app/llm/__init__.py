"""The LLM layer: the only part of the app that imports LiteLLM (lazily, on first real call).

`LLMClient.complete(LLMRequest)` returns an `LLMResponse` with text, tokens, cost, provider,
model, latency and the path of attempts, falling back across deployments behind a circuit
breaker. Without keys, the built-in mock provider answers, labelled as mock.
"""

from __future__ import annotations

from app.llm.breaker import CircuitBreaker
from app.llm.breaker_store import (
    BreakerPhase,
    BreakerState,
    BreakerStore,
    InMemoryBreakerStore,
)
from app.llm.client import LLMClient
from app.llm.cost import CostCalculator, Price
from app.llm.deployments import Deployment, Provider
from app.llm.engine_adapter import EngineLLMAdapter
from app.llm.errors import LLMCallFailed, LLMError, NoDeploymentError, ProviderError
from app.llm.estimate import CallEstimate, estimate_call
from app.llm.fallback import FallbackPolicy
from app.llm.model_map import ModelMap
from app.llm.provider_access import ProviderConfig, reset_provider_lookup, use_provider_lookup
from app.llm.router import RoutingStrategy
from app.llm.types import Attempt, FallbackEvent, LLMRequest, LLMResponse, Message, Outcome

__all__ = [
    "Attempt",
    "BreakerPhase",
    "BreakerState",
    "BreakerStore",
    "CallEstimate",
    "CircuitBreaker",
    "CostCalculator",
    "Deployment",
    "EngineLLMAdapter",
    "FallbackEvent",
    "FallbackPolicy",
    "InMemoryBreakerStore",
    "LLMCallFailed",
    "LLMClient",
    "LLMError",
    "LLMRequest",
    "LLMResponse",
    "Message",
    "ModelMap",
    "NoDeploymentError",
    "Outcome",
    "Price",
    "Provider",
    "ProviderConfig",
    "ProviderError",
    "RoutingStrategy",
    "estimate_call",
    "reset_provider_lookup",
    "use_provider_lookup",
]
