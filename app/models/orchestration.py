"""Orchestration schemas: an orchestration is a workflow row of kind "orchestration" whose
definition is manual_trigger -> orchestration node -> output; these are its editable form
and its runs, each agent's answer side by side."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, ValidationError, model_validator
from sqlmodel import Field, SQLModel

from app.engine.nodes.agent import DEFAULT_MODEL
from app.engine.nodes.orchestration import OrchestrationAgent, OrchestrationConfig
from app.models.workflow import DescriptionText, NameText

Strategy = Literal["sequential", "parallel", "consensus"]
Voting = Literal["majority", "weighted", "judge"]
MAX_AGENTS = 12


class AgentSpec(OrchestrationAgent):
    """One agent: name, model, system prompt, prompt ({input} marks the input), temperature
    and weight (its vote in weighted consensus)."""


def config_problems(config: dict[str, Any]) -> list[str]:
    """Why an orchestration node config is not acceptable (empty when it is).

    Args:
        config: strategy, voting, judge_model and agents, as the node stores them.

    Returns:
        One readable message per problem ("consensus needs at least two agents", ...).
    """
    try:
        OrchestrationConfig.model_validate(config)
    except ValidationError as exc:
        return error_messages(exc)
    return []


def error_messages(exc: ValidationError) -> list[str]:
    """One readable line per validation error: "agents.0.weight: ..." or the bare message."""
    messages = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        text = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        messages.append(f"{where}: {text}" if where else text)
    return messages


class OrchestrationCreate(SQLModel):
    """What it takes to create an orchestration."""

    # Documents the strategy rule `_agents_fit_the_strategy` enforces (the default is
    # consensus, so an absent strategy counts).
    model_config = ConfigDict(  # type: ignore[assignment]  # SQLModel's config is a ConfigDict
        json_schema_extra={
            "if": {"properties": {"strategy": {"const": "consensus"}}},
            "then": {"properties": {"agents": {"minItems": 2}}},
        }
    )

    name: NameText
    description: DescriptionText = ""
    strategy: Strategy = "consensus"
    voting: Voting = "majority"
    judge_model: str = Field(default=DEFAULT_MODEL, min_length=1, max_length=200)
    agents: list[AgentSpec] = Field(min_length=1, max_length=MAX_AGENTS)

    @model_validator(mode="after")
    def _agents_fit_the_strategy(self) -> OrchestrationCreate:
        problems = config_problems(self.node_config())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def node_config(self, prompt: str = "{{ input }}") -> dict[str, Any]:
        """The orchestration node's config for these settings."""
        return {
            "strategy": self.strategy,
            "voting": self.voting,
            "judge_model": self.judge_model,
            "agents": [agent.model_dump() for agent in self.agents],
            "prompt": prompt,
        }


class OrchestrationUpdate(SQLModel):
    """A change to an orchestration; fields left out (None) keep their value."""

    name: NameText | None = None
    description: DescriptionText | None = None
    strategy: Strategy | None = None
    voting: Voting | None = None
    judge_model: str | None = Field(default=None, min_length=1, max_length=200)
    agents: list[AgentSpec] | None = Field(default=None, min_length=1, max_length=MAX_AGENTS)


class OrchestrationPublic(SQLModel):
    """An orchestration as the page edits it."""

    id: int
    workflow_id: int = Field(description="The workflow row behind it (same as `id`).")
    name: str
    description: str
    strategy: str
    voting: str
    judge_model: str
    agents: list[AgentSpec]
    created_at: datetime
    updated_at: datetime
    # What the caller may do: "read", "change", "run", "delete", "share".
    access: list[str] = Field(default_factory=list)


class OrchestrationSummary(SQLModel):
    """An orchestration in a list."""

    id: int
    name: str
    description: str
    strategy: str
    voting: str
    agent_count: int
    models: list[str]
    created_at: datetime
    updated_at: datetime
    access: list[str] = Field(default_factory=list)


class OrchestrationsPage(SQLModel):
    """One page of orchestrations and the total that match."""

    items: list[OrchestrationSummary]
    total: int


class AgentAnswer(SQLModel):
    """One agent's part of a run."""

    name: str
    model: str | None = None
    provider: str | None = None
    text: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    is_mock: bool = False
    weight: float | None = None
    agrees_with_winner: bool | None = Field(
        default=None, description="Consensus only: its answer is the winning one."
    )


class OrchestrationRun(SQLModel):
    """One run of an orchestration, read from its orchestration node's output."""

    execution_id: int
    status: str
    input: Any = None
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    strategy: str | None = None
    voting: str | None = None
    answer: Any = None
    winner: str | None = Field(default=None, description="Consensus: the winning answer.")
    votes: dict[str, float] = Field(default_factory=dict)
    disagreement: float | None = None
    tie_answers: list[str] = Field(
        default_factory=list,
        description="Consensus: the answers that shared the most votes, when the tie rule "
        "picked the winner among them (empty when there was no tie).",
    )
    tie_rule: str | None = Field(default=None, description="How a tie was broken.")
    agents: list[AgentAnswer] = Field(default_factory=list)
    judge: dict[str, Any] | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = Field(default=None, description="The orchestration node's time.")
    is_mock: bool = Field(default=False, description="Some answer came from the mock provider.")


class OrchestrationRunsPage(SQLModel):
    """One page of runs, newest first, and the total."""

    items: list[OrchestrationRun]
    total: int
