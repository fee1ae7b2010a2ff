"""LLM settings and monitoring routes: providers (keys masked), model map, breakers, fallbacks.

Provider keys can be written here but are never returned: reads give only whether a key is
stored and its last 4 characters.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.authorization import Caller
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.llm import (
    BreakerStatePublic,
    FallbackEventPublic,
    ModelMapPublic,
    ModelMapUpdate,
    ProviderSettingPublic,
    ProviderSettingUpdate,
)
from app.services import llm_monitoring, llm_settings
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/llm",
    route_class=StrictJSONRoute,
    tags=["llm"],
    responses={
        404: {"model": ErrorResponse, "description": "No such provider."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

ProviderPath = Annotated[
    str, Path(max_length=32, description="openai, anthropic, gemini or openai_compatible.")
]


@router.get("/providers", response_model=list[ProviderSettingPublic], summary="List providers")
def list_providers(
    caller: Caller,
) -> list[ProviderSettingPublic]:
    """Every provider: key stored or not (last 4 characters only), base URL, enabled."""
    with session_scope(read_only=True) as session:
        return llm_settings.list_providers(session, principal=caller)


@router.put(
    "/providers/{provider}", response_model=ProviderSettingPublic, summary="Update a provider"
)
def update_provider(
    caller: Caller, provider: ProviderPath, data: ProviderSettingUpdate
) -> ProviderSettingPublic:
    """Set the fields sent: `api_key` (null or "" removes it), `api_base`, `enabled`."""
    with session_scope() as session:
        return llm_settings.update_provider(session, principal=caller, provider=provider, data=data)


@router.get("/model-map", response_model=ModelMapPublic, summary="Get the model map")
def get_model_map(
    caller: Caller,
) -> ModelMapPublic:
    """Groups of equivalent models across providers, and the built-in aliases."""
    with session_scope(read_only=True) as session:
        return llm_settings.get_model_map(session, principal=caller)


@router.put("/model-map", response_model=ModelMapPublic, summary="Replace the model map")
def update_model_map(caller: Caller, data: ModelMapUpdate) -> ModelMapPublic:
    """Replace every group of equivalent models (in the order sent)."""
    with session_scope() as session:
        return llm_settings.update_model_map(session, principal=caller, data=data)


@router.get("/breakers", response_model=list[BreakerStatePublic], summary="Circuit breakers")
def breaker_states() -> list[BreakerStatePublic]:
    """Every deployment's circuit breaker: phase, failures in the window, when it opened."""
    with session_scope(read_only=True) as session:
        return llm_monitoring.breaker_states(session)


@router.get("/fallbacks", response_model=list[FallbackEventPublic], summary="Recent fallbacks")
def recent_fallbacks(
    limit: Annotated[int, Query(ge=1, le=llm_monitoring.MAX_EVENTS)] = 50,
) -> list[FallbackEventPublic]:
    """The latest fallback events, newest first: when, from, to, why."""
    with session_scope(read_only=True) as session:
        return llm_monitoring.recent_fallbacks(session, limit=limit)
