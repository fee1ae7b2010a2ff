"""The cost ledger: one row per billed LLM call, the prices it was charged at, daily rollups
the dashboards read, and monthly budgets.

Money is an exact integer of micro-dollars (1 USD = 1,000,000) everywhere in these tables;
prices are micro-dollars per million tokens, so a call costs
`round(tokens * price / 1_000_000)` micro-dollars per token kind and the sum of the rows is the
total, exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime

MICROS_PER_USD = 1_000_000
TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are per million tokens


class PriceSource(StrEnum):
    """Where a price row came from; an override wins over the others."""

    LITELLM = "litellm"  # LiteLLM's local price map, loaded at start-up
    DEFAULT = "default"  # Flowbook's defaults for models the map lacks
    OVERRIDE = "override"  # set by a user on the Prices page


class LLMCall(SQLModel, table=True):
    """One billed LLM call: an agent's answer, a judge's, or a failed attempt that was billed.

    Rows outlive what they describe (executions, node runs and workflows may be deleted): the
    references are set to NULL, the money stays.
    """

    __tablename__ = "llm_calls"
    __table_args__ = (
        Index("ix_llm_calls_created_at", "created_at"),
        Index("ix_llm_calls_workflow_id_created_at", "workflow_id", "created_at"),
        Index("ix_llm_calls_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_llm_calls_execution_id", "execution_id"),
        Index("ix_llm_calls_node_run_id", "node_run_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    execution_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("executions.id", ondelete="SET NULL")),
    )
    node_run_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("node_runs.id", ondelete="SET NULL")),
    )
    node_id: str | None = Field(default=None, sa_column=Column(String(64)))
    # "agent" for an agent node; an orchestration agent's role; "judge" for its judge.
    agent_role: str | None = Field(default=None, sa_column=Column(String(64)))
    workflow_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="SET NULL")),
    )
    workflow_version_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workflow_versions.id", ondelete="SET NULL")),
    )
    version_number: int | None = Field(default=None, sa_column=Column(Integer))
    owner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    model: str = Field(sa_column=Column(String(200), nullable=False))
    deployment: str = Field(sa_column=Column(String(200), nullable=False))
    input_tokens: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    output_tokens: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    cached_tokens: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    cost_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # False when no price was known for the model: cost_micros is 0 but not "free".
    priced: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    latency_ms: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # "ok" for the call that answered; a failure outcome for a billed failed attempt.
    outcome: str = Field(default="ok", sa_column=Column(String(32), nullable=False))
    # The answer came after at least one other attempt failed or was skipped.
    is_fallback: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    fallback_reason: str | None = Field(default=None, sa_column=Column(String(64)))
    is_mock: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class ProviderPrice(SQLModel, table=True):
    """A model's price from a date on. The newest row at or before a call's time is used; an
    override is preferred over LiteLLM's map and the defaults."""

    __tablename__ = "provider_pricing"
    __table_args__ = (
        UniqueConstraint(
            "provider", "model", "source", "effective_from", name="uq_provider_pricing_row"
        ),
        Index("ix_provider_pricing_model", "model", "effective_from"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    model: str = Field(sa_column=Column(String(200), nullable=False))
    input_micros_per_mtok: int = Field(sa_column=Column(BigInteger, nullable=False))
    output_micros_per_mtok: int = Field(sa_column=Column(BigInteger, nullable=False))
    # None: cached input tokens cost what other input tokens cost.
    cached_micros_per_mtok: int | None = Field(default=None, sa_column=Column(BigInteger))
    currency: str = Field(default="USD", sa_column=Column(String(3), nullable=False))
    effective_from: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    source: str = Field(sa_column=Column(String(16), nullable=False))
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CostDaily(SQLModel, table=True):
    """The ledger summed per UTC day and dimension set, kept up to date in the transaction
    that writes the ledger rows: the dashboards read this, not `llm_calls`.

    `dims` is a digest of the dimension columns (NULLs included), so one upsert on
    (day, dims) finds the row.
    """

    __tablename__ = "llm_cost_daily"
    __table_args__ = (
        UniqueConstraint("day", "dims", name="uq_llm_cost_daily_dims"),
        Index("ix_llm_cost_daily_workflow_id_day", "workflow_id", "day"),
        Index("ix_llm_cost_daily_owner_id_day", "owner_id", "day"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    day: date = Field(sa_column=Column(Date, nullable=False))
    dims: str = Field(sa_column=Column(String(64), nullable=False))
    workflow_id: int | None = Field(default=None, sa_column=Column(Integer))
    owner_id: int | None = Field(default=None, sa_column=Column(Integer))
    workflow_version_id: int | None = Field(default=None, sa_column=Column(Integer))
    version_number: int | None = Field(default=None, sa_column=Column(Integer))
    provider: str = Field(sa_column=Column(String(32), nullable=False))
    model: str = Field(sa_column=Column(String(200), nullable=False))
    agent_role: str | None = Field(default=None, sa_column=Column(String(64)))
    is_mock: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    calls: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    input_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    output_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    cached_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    cost_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class ExecutionDaily(SQLModel, table=True):
    """Finished executions summed per UTC day (of finishing) and workflow, written in the
    transaction that finishes the execution: runs, outcomes, duration and the cost of the
    successful ones (cost per successful execution, failure rate, mean duration)."""

    __tablename__ = "execution_daily"
    __table_args__ = (
        UniqueConstraint("day", "workflow_id", name="uq_execution_daily_workflow"),
        Index("ix_execution_daily_workflow_id_day", "workflow_id", "day"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    day: date = Field(sa_column=Column(Date, nullable=False))
    workflow_id: int = Field(sa_column=Column(Integer, nullable=False))
    owner_id: int | None = Field(default=None, sa_column=Column(Integer))
    runs: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    succeeded: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    failed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    duration_ms_sum: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    succeeded_cost_micros: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Budget(SQLModel, table=True):
    """A monthly spending limit (UTC calendar month) for one workflow or for everything.

    `scope` is "overall" or "workflow:<id>", unique, so each has at most one budget.
    """

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("scope", name="uq_budgets_scope"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    scope: str = Field(sa_column=Column(String(40), nullable=False))
    workflow_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE")),
    )
    monthly_limit_micros: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Refuse executions that would start over the limit (otherwise only alert).
    enforce: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
