"""What running a workflow's LLM nodes would likely cost: the schemas shown before a run."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models.budget_schemas import BudgetStatus


class CallCostEstimate(BaseModel):
    """One LLM call a node would make."""

    label: str = Field(description='What makes the call: "agent", an agent\'s name, "judge".')
    model: str = Field(description="The model that would most likely answer.")
    provider: str = Field(description='Its provider ("mock" when no provider can be called).')
    input_tokens: int = Field(description="Estimated prompt tokens.")
    output_tokens: int = Field(description="The output cap, or a default when there is none.")
    cost_usd: float | None = Field(description="Estimated USD; null when the price is unknown.")
    is_mock: bool = Field(description="The built-in mock provider would answer (free).")


class NodeCostEstimate(BaseModel):
    """The calls of one agent or orchestration node."""

    node_id: str
    node_name: str
    node_type: str
    calls: list[CallCostEstimate] = Field(default_factory=list)
    cost_usd: float | None = Field(
        description="The calls' summed cost; null when a price is unknown or the config "
        "cannot be read before the run."
    )
    is_mock: bool = Field(description="At least one call would be answered by the mock.")
    error: str | None = Field(
        default=None, description="Why the node's calls could not be estimated, if so."
    )


class WorkflowCostEstimate(BaseModel):
    """An estimate, not a quote: prompts are counted as written (expressions unrendered),
    outputs at their cap (or a default), and a judge call is counted even though it is
    skipped when every agent agrees."""

    nodes: list[NodeCostEstimate] = Field(default_factory=list)
    total_usd: float = Field(description="Summed cost of every call with a known price.")
    any_unknown_price: bool = Field(
        description="Some call's price is unknown (or a node could not be estimated): the "
        "total is a lower bound."
    )
    uses_mock: bool = Field(description="Some call would be answered by the mock provider.")
    budgets: list[BudgetStatus] = Field(
        default_factory=list,
        description="The monthly budgets covering the workflow (its own, the overall one), "
        "with what is left of each this month.",
    )
    over_budget: bool = Field(
        default=False,
        description="The estimate is more than an enforced budget has left (or one is used "
        "up): the run would be refused, or the next one will be.",
    )
