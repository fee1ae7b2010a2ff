"""LLM tables: shared circuit breaker states, fallback events, provider settings, model map.

Breaker times are wall-clock epoch seconds (floats), exactly as the breaker computes with
them; the monitoring schemas turn them into timestamps.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, StrictBool
from pydantic import Field as PydanticField
from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type
from app.models.workflow import WHITESPACE

DEPLOYMENT_MAX = 200
GROUP_NAME_MAX = 100
MODEL_NAME_MAX = 200
API_BASE_MAX = 500
API_KEY_MAX = 500


class LLMBreaker(SQLModel, table=True):
    """The circuit breaker state of one deployment, shared by every worker."""

    __tablename__ = "llm_breaker"

    deployment: str = Field(sa_column=Column(String(DEPLOYMENT_MAX), primary_key=True))
    phase: str = Field(sa_column=Column(String(16), nullable=False))
    failures: list[float] = Field(
        default_factory=list, sa_column=Column(json_column_type(), nullable=False)
    )
    opened_at: float | None = Field(default=None, sa_column=Column(Float))
    probe_started_at: float | None = Field(default=None, sa_column=Column(Float))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: float | None = Field(default=None, sa_column=Column(Float))


class LLMFallbackEvent(SQLModel, table=True):
    """The LLM client moved from one deployment to the next (or to nothing)."""

    __tablename__ = "llm_fallback_event"
    __table_args__ = (Index("ix_llm_fallback_event_at", "at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # No foreign keys: the event log outlives the executions it mentions.
    execution_id: int | None = Field(default=None, sa_column=Column(Integer))
    node_id: str | None = Field(default=None, sa_column=Column(String(64)))
    from_deployment: str = Field(sa_column=Column(String(DEPLOYMENT_MAX), nullable=False))
    to_deployment: str | None = Field(default=None, sa_column=Column(String(DEPLOYMENT_MAX)))
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(Text))


class ProviderSetting(SQLModel, table=True):
    """A provider's key, base URL and switch. The key is stored encrypted, never returned."""

    __tablename__ = "provider_setting"

    provider: str = Field(sa_column=Column(String(32), primary_key=True))
    # A Fernet token (app.models.secret_box), never the key itself.
    api_key: str | None = Field(default=None, sa_column=Column(Text), repr=False)
    api_base: str | None = Field(default=None, sa_column=Column(String(API_BASE_MAX)))
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ModelMapping(SQLModel, table=True):
    """One group of equivalent models across providers, in preference order."""

    __tablename__ = "model_mapping"

    name: str = Field(sa_column=Column(String(GROUP_NAME_MAX), primary_key=True))
    models: list[str] = Field(sa_column=Column(json_column_type(), nullable=False))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class BreakerStatePublic(SQLModel):
    """A deployment's breaker as the monitoring page shows it."""

    deployment: str
    phase: str
    failures_in_window: int
    opened_at: datetime | None = None
    probe_started_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None


class FallbackEventPublic(SQLModel):
    """One recorded fallback: when, from, to, why."""

    id: int
    at: datetime
    execution_id: int | None = None
    node_id: str | None = None
    from_deployment: str
    to_deployment: str | None = None
    reason: str
    detail: str | None = None


class ProviderSettingPublic(SQLModel):
    """A provider's settings without its key: only whether one is set and its last 4 chars."""

    provider: str
    configured: bool = Field(description="A key is stored in the settings.")
    key_last4: str | None = Field(default=None, description="Last 4 characters of that key.")
    key_error: str | None = Field(
        default=None, description="Why the stored key cannot be decrypted (enter it again)."
    )
    env_configured: bool = Field(description="The provider's environment variable is set.")
    env_var: str | None = None
    api_base: str | None = None
    enabled: bool = True
    updated_at: datetime | None = None


class ProviderSettingUpdate(SQLModel):
    """A change to a provider's settings; only the fields sent change.

    `api_key`: a new key, or null / "" to remove the stored one. `api_base`: an http(s) URL,
    or null / "" to remove it.
    """

    api_key: str | None = Field(default=None, max_length=API_KEY_MAX)
    api_base: str | None = Field(default=None, max_length=API_BASE_MAX)
    enabled: StrictBool | None = None


class ModelMapPublic(SQLModel):
    """Groups of equivalent models (editable) and the built-in short aliases."""

    groups: dict[str, list[str]]
    aliases: dict[str, str]


# Group and model names: no whitespace around them, no NUL (Python `re` semantics).
TRIMMED_NAME = rf"^[^{WHITESPACE}\x00]([^\x00]*[^{WHITESPACE}\x00])?$"
MAX_GROUPS = 50
MAX_GROUP_MODELS = 20
ModelName = Annotated[
    str,
    PydanticField(
        min_length=1, max_length=MODEL_NAME_MAX, json_schema_extra={"pattern": TRIMMED_NAME}
    ),
]
GroupModels = Annotated[
    list[ModelName],
    PydanticField(
        min_length=1, max_length=MAX_GROUP_MODELS, json_schema_extra={"uniqueItems": True}
    ),
]
GROUPS_SCHEMA: dict[str, Any] = {
    "maxProperties": MAX_GROUPS,
    "propertyNames": {"minLength": 1, "maxLength": GROUP_NAME_MAX, "pattern": TRIMMED_NAME},
}


def _checked_names(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """Refuse what `TRIMMED_NAME` documents as invalid (the service checks the rest)."""
    names = [*groups, *(model for models in groups.values() for model in models)]
    bad = next((name for name in names if not re.fullmatch(TRIMMED_NAME, name)), None)
    if bad is not None:
        raise ValueError(
            f"{bad!r}: names must not be empty, start or end with whitespace, or hold NUL"
        )
    return groups


class ModelMapUpdate(SQLModel):
    """The whole new set of groups (group name -> models in preference order)."""

    groups: Annotated[
        dict[str, GroupModels],
        PydanticField(json_schema_extra=GROUPS_SCHEMA),
        AfterValidator(_checked_names),
    ]
