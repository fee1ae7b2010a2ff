"""What the cost dashboards show: totals, breakdowns, trends and execution stats, read from
the daily rollups; money in exact integer micro-dollars (`cost_usd` is derived, for display).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from app.models.cost import MICROS_PER_USD

# The widest date range a dashboard or export covers (about ten years).
RANGE_DAYS_MAX = 3660
DEFAULT_RANGE_DAYS = 30
TOP_WORKFLOWS = 10


class CostGroup(StrEnum):
    """What a cost breakdown groups by."""

    WORKFLOW = "workflow"
    PROVIDER = "provider"
    MODEL = "model"
    AGENT_ROLE = "agent_role"
    VERSION = "version"


class CsvKind(StrEnum):
    """What a CSV export holds: the ledger rows themselves, a breakdown, or the daily trend."""

    ROWS = "rows"
    WORKFLOW = "workflow"
    PROVIDER = "provider"
    MODEL = "model"
    AGENT_ROLE = "agent_role"
    VERSION = "version"
    TREND = "trend"


def usd(micros: int) -> float:
    """Micro-dollars as (inexact) US dollars, for charts and display."""
    return micros / MICROS_PER_USD


class CostTotals(BaseModel):
    """Cost, tokens and calls summed over a period."""

    cost_micros: int = 0
    tokens: int = Field(default=0, description="Input plus output tokens.")
    calls: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float:
        """`cost_micros` in US dollars."""
        return usd(self.cost_micros)


class PeriodTotals(BaseModel):
    """Totals for fixed periods ending today (UTC); they follow the workflow filter, not the
    dashboard's date range."""

    today: CostTotals
    last_7_days: CostTotals
    last_30_days: CostTotals
    all_time: CostTotals


class CostBreakdownRow(BaseModel):
    """Cost and tokens of one group (a workflow, provider, model, agent role or version)."""

    key: str = Field(
        description="The group's value: a workflow id, a provider, a model, an agent role, or "
        '"<workflow id>:<version number>"; "" when the calls had none.'
    )
    label: str = Field(description="What the group is called on screen.")
    workflow_id: int | None = Field(
        default=None, description="The workflow (workflow and version groups)."
    )
    cost_micros: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    calls: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float:
        """`cost_micros` in US dollars."""
        return usd(self.cost_micros)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


class TrendRow(BaseModel):
    """One provider's cost and tokens on one UTC day."""

    day: date
    provider: str
    cost_micros: int
    tokens: int
    calls: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float:
        """`cost_micros` in US dollars."""
        return usd(self.cost_micros)


class WorkflowExecutionStats(BaseModel):
    """How a workflow's finished executions went in the date range."""

    workflow_id: int
    name: str
    runs: int = Field(
        description="Executions that finished succeeded or failed (cancelled and crashed ones "
        "are not counted)."
    )
    succeeded: int
    failed: int
    failure_rate: float | None = Field(description="failed / runs; null without runs.")
    mean_duration_ms: float | None = Field(description="Mean duration of the finished runs.")
    cost_per_success_micros: int | None = Field(
        description="LLM cost of the succeeded executions / their number; null when none succeeded."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_per_success_usd(self) -> float | None:
        """`cost_per_success_micros` in US dollars."""
        micros = self.cost_per_success_micros
        return None if micros is None else usd(micros)


class TokenUsage(BaseModel):
    """Tokens used in the date range."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = Field(default=0, description="Part of the input tokens.")
    calls: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


class WorkflowOption(BaseModel):
    """A workflow the caller may filter the dashboard by."""

    id: int
    name: str


class CostDashboard(BaseModel):
    """Everything the costs page shows, for the caller's visible workflows."""

    start: date
    end: date = Field(description="Inclusive, like start (UTC days).")
    workflow_id: int | None = Field(description="The workflow filter; null for all.")
    totals: PeriodTotals
    by_workflow: list[CostBreakdownRow] = Field(description="Most expensive first.")
    by_provider: list[CostBreakdownRow]
    by_model: list[CostBreakdownRow]
    by_agent_role: list[CostBreakdownRow]
    by_version: list[CostBreakdownRow]
    trend: list[TrendRow] = Field(description="By day, then provider.")
    top_workflows: list[CostBreakdownRow] = Field(description="The ten most expensive.")
    execution_stats: list[WorkflowExecutionStats] = Field(description="Most runs first.")
    tokens: TokenUsage
    workflows: list[WorkflowOption] = Field(description="The workflow filter's choices.")


class CostBreakdown(BaseModel):
    """Cost and tokens per group in a date range, most expensive first."""

    start: date
    end: date
    workflow_id: int | None
    group_by: CostGroup
    rows: list[CostBreakdownRow]


class UsageReport(BaseModel):
    """Tokens in a date range, the period totals, and how the workflows' executions went."""

    start: date
    end: date
    workflow_id: int | None
    tokens: TokenUsage
    totals: PeriodTotals
    executions: list[WorkflowExecutionStats]


class CostTrend(BaseModel):
    """Cost per UTC day and provider in a date range."""

    start: date
    end: date
    workflow_id: int | None
    rows: list[TrendRow]


class ExpensiveWorkflows(BaseModel):
    """The most expensive workflows in a date range, most expensive first."""

    start: date
    end: date
    rows: list[CostBreakdownRow]
