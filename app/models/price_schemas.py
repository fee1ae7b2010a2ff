"""What the Prices page and `/api/pricing` show and accept: model prices per million tokens.

Amounts travel as decimal strings in USD ("2.50"), never floats, so what a person types is
stored exactly as integer micro-dollars per million tokens.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

MODEL_NAME_MAX = 200
USD_TEXT_MAX = 32


class PricedProvider(StrEnum):
    """The providers a price can be set for (the mock provider is always free)."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    OPENAI_COMPATIBLE = "openai_compatible"


class PriceSourceName(StrEnum):
    """Where a row came from (a filter of the list)."""

    LITELLM = "litellm"
    DEFAULT = "default"
    OVERRIDE = "override"


class PriceStatus(StrEnum):
    """Where a row stands today."""

    IN_FORCE = "in_force"  # the price a call made now would be charged
    SCHEDULED = "scheduled"  # starts later (an override with a future date)
    SUPERSEDED = "superseded"  # replaced by a newer row or by an override; kept for the past


class PricePublic(BaseModel):
    """One row of the price table."""

    id: int
    provider: str
    model: str
    input_usd: str = Field(description="USD per million input tokens, exact decimal.")
    output_usd: str = Field(description="USD per million output tokens, exact decimal.")
    cached_usd: str | None = Field(
        description="USD per million cached input tokens; null: charged as other input tokens."
    )
    input_micros_per_mtok: int
    output_micros_per_mtok: int
    cached_micros_per_mtok: int | None
    currency: str
    source: str = Field(description='"litellm", "default" or "override".')
    effective_from: datetime
    status: PriceStatus
    created_at: datetime


class PricesPage(BaseModel):
    """A page of price rows and how many match in all."""

    items: list[PricePublic]
    total: int


class PriceOverrideCreate(BaseModel):
    """A price of one's own for a model; it wins over LiteLLM's map and the defaults."""

    provider: PricedProvider
    model: str = Field(max_length=MODEL_NAME_MAX, description='The model, e.g. "gpt-4o".')
    input_usd: str = Field(max_length=USD_TEXT_MAX, description='USD per 1M input tokens: "2.5".')
    output_usd: str = Field(max_length=USD_TEXT_MAX, description="USD per 1M output tokens.")
    cached_usd: str | None = Field(
        default=None,
        max_length=USD_TEXT_MAX,
        description="USD per 1M cached input tokens; empty: the input price.",
    )
    effective_from: datetime | None = Field(
        default=None,
        description="When it starts (now or later; no time zone means UTC); default: now.",
    )
