"""How an orchestration run is shown: agents side by side, vote bars, winner, totals."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.orchestration import AgentAnswer, OrchestrationRun
from app.ui.state.display import elapsed_ms, format_ms, iso, pretty

ACTIVE_STATUSES = frozenset({"queued", "running", "paused"})
STRATEGY_LABELS = {
    "sequential": "Sequential",
    "parallel": "Parallel",
    "consensus": "Consensus",
}
VOTING_LABELS = {"majority": "majority vote", "weighted": "weighted vote", "judge": "judge model"}


def format_cost(cost: float | None) -> str:
    """A USD amount: "—" unknown, "$0" free, cents with enough digits to be non-zero."""
    if cost is None:
        return "—"
    if cost == 0:
        return "$0"
    if cost < 0.01:
        return f"${cost:.6f}".rstrip("0")
    return f"${cost:.4f}"


def format_tokens(count: int | None) -> str:
    """A token count with thousands separators ("—" when unknown)."""
    return "—" if count is None else f"{count:,}"


def format_number(value: float) -> str:
    """A vote count or weight without a needless ".0"."""
    return f"{value:g}"


def strategy_label(strategy: str, voting: str) -> str:
    """ "Consensus · majority vote", "Parallel", ..."""
    label = STRATEGY_LABELS.get(strategy, strategy.capitalize())
    if strategy == "consensus" and voting in VOTING_LABELS:
        return f"{label} · {VOTING_LABELS[voting]}"
    return label


@dataclass
class AgentAnswerView:
    """One agent's column in a run card."""

    name: str
    model: str
    text: str
    tokens_in: str
    tokens_out: str
    cost: str
    latency: str
    is_mock: bool
    # "yes" / "no" in consensus runs, "" otherwise.
    agrees: str
    weight: str


@dataclass
class VoteBar:
    """One distinct answer with its share of the votes."""

    answer: str
    votes: str
    percent: str
    is_winner: bool


@dataclass
class RunView:
    """One run of an orchestration as a card."""

    execution_id: int
    status: str
    active: bool
    input: str
    error: str
    created_at: str
    duration: str
    strategy: str
    answer: str
    winner: str
    disagreement: str
    # 0-100, for the meter.
    disagreement_value: int
    judge: str
    # "" without a tie; else which answers tied and the rule that picked the winner.
    tie: str
    tokens_in: str
    tokens_out: str
    cost: str
    is_mock: bool
    votes: list[VoteBar] = field(default_factory=list)
    agents: list[AgentAnswerView] = field(default_factory=list)


def _model_name(agent: AgentAnswer) -> str:
    model = agent.model or ""
    if agent.provider and model and not model.startswith(f"{agent.provider}/"):
        return f"{agent.provider}/{model}"
    return model


def agent_view(agent: AgentAnswer) -> AgentAnswerView:
    """The column of one agent's answer."""
    agrees = "" if agent.agrees_with_winner is None else "yes" if agent.agrees_with_winner else "no"
    return AgentAnswerView(
        name=agent.name,
        model=_model_name(agent),
        text=pretty(agent.text) if agent.text is not None else "",
        tokens_in=format_tokens(agent.tokens_in),
        tokens_out=format_tokens(agent.tokens_out),
        cost=format_cost(agent.cost_usd),
        latency=format_ms(agent.latency_ms),
        is_mock=agent.is_mock,
        agrees=agrees,
        weight=format_number(agent.weight) if agent.weight is not None else "",
    )


def vote_bars(votes: dict[str, float], winner: str | None) -> list[VoteBar]:
    """Bars for the distinct answers, most votes first, sized by share of all votes."""
    total = sum(votes.values()) or 1.0
    ordered = sorted(votes.items(), key=lambda item: (-item[1], item[0]))
    return [
        VoteBar(
            answer=answer,
            votes=format_number(count),
            percent=f"{count / total * 100:.1f}%",
            is_winner=winner is not None and answer == winner,
        )
        for answer, count in ordered
    ]


def _judge_text(judge: dict[str, object] | None) -> str:
    if not judge:
        return ""
    model = str(judge.get("model") or "judge")
    if judge.get("skipped"):
        return f"{model} was not asked: every agent gave the same answer."
    if judge.get("fell_back_to_majority"):
        return f"{model} gave no clear pick; the majority answer won."
    return f"{model} picked this answer."


def tie_text(run: OrchestrationRun) -> str:
    """ "3 answers tied with 1 vote each; tie rule: ..." ("" when there was no tie)."""
    if len(run.tie_answers) < 2:
        return ""
    top = format_number(run.votes.get(run.tie_answers[0], 0))
    unit = "vote" if top == "1" else "votes"
    rule = run.tie_rule or "the first answer wins"
    return f"{len(run.tie_answers)} answers tied with {top} {unit} each; tie rule: {rule}."


def run_view(run: OrchestrationRun) -> RunView:
    """The card of one run (a run still queued has no agents yet)."""
    winner = run.winner
    disagreement = run.disagreement
    return RunView(
        execution_id=run.execution_id,
        status=run.status,
        active=run.status in ACTIVE_STATUSES,
        input=pretty(run.input),
        error=run.error or "",
        created_at=iso(run.created_at),
        duration=format_ms(elapsed_ms(run.started_at, run.finished_at)),
        strategy=run.strategy or "",
        answer=pretty(run.answer),
        winner=winner or "",
        disagreement="—" if disagreement is None else f"{disagreement * 100:.0f}%",
        disagreement_value=0 if disagreement is None else round(disagreement * 100),
        judge=_judge_text(run.judge) if run.voting == "judge" else "",
        tie=tie_text(run),
        tokens_in=format_tokens(run.tokens_in),
        tokens_out=format_tokens(run.tokens_out),
        cost=format_cost(run.cost_usd),
        is_mock=run.is_mock,
        votes=vote_bars(run.votes, winner),
        agents=[agent_view(agent) for agent in run.agents],
    )
