"""How an orchestration run is shown: costs, vote bars, winner, agents side by side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models.orchestration import AgentAnswer, OrchestrationRun
from app.ui.state.orchestration_views import (
    format_cost,
    format_tokens,
    run_view,
    strategy_label,
    vote_bars,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_format_cost_keeps_small_amounts_readable() -> None:
    assert format_cost(None) == "—"
    assert format_cost(0) == "$0"
    assert format_cost(0.000125) == "$0.000125"
    assert format_cost(0.5) == "$0.5000"
    assert format_tokens(None) == "—"
    assert format_tokens(12345) == "12,345"


def test_strategy_label_names_the_voting_of_a_consensus_only() -> None:
    assert strategy_label("consensus", "weighted") == "Consensus · weighted vote"
    assert strategy_label("parallel", "majority") == "Parallel"


def test_vote_bars_are_sorted_by_votes_and_sized_by_share() -> None:
    bars = vote_bars({"dog": 1.0, "cat": 2.0, "fish": 1.0}, "cat")
    assert [(b.answer, b.votes, b.percent, b.is_winner) for b in bars] == [
        ("cat", "2", "50.0%", True),
        ("dog", "1", "25.0%", False),
        ("fish", "1", "25.0%", False),
    ]
    assert vote_bars({}, None) == []


def test_run_view_of_a_finished_consensus() -> None:
    run = OrchestrationRun(
        execution_id=7,
        status="succeeded",
        input="cat or dog?",
        created_at=T0,
        started_at=T0,
        finished_at=T0 + timedelta(milliseconds=40),
        strategy="consensus",
        voting="majority",
        answer="cat",
        winner="cat",
        votes={"cat": 2, "dog": 1},
        disagreement=1 / 3,
        agents=[
            AgentAnswer(
                name="Ann",
                model="agent-a",
                provider="mock",
                text="cat",
                tokens_in=16,
                tokens_out=1,
                cost_usd=0.0,
                latency_ms=0.2,
                is_mock=True,
                agrees_with_winner=True,
            ),
            AgentAnswer(
                name="Cy",
                model="openai/gpt-4o",
                provider="openai",
                text="dog",
                agrees_with_winner=False,
            ),
        ],
        tokens_in=16,
        tokens_out=1,
        cost_usd=0.0,
        is_mock=True,
    )
    view = run_view(run)
    assert (view.active, view.winner, view.disagreement, view.disagreement_value) == (
        False,
        "cat",
        "33%",
        33,
    )
    assert view.duration == "40 ms"
    assert [(a.name, a.model, a.agrees, a.is_mock) for a in view.agents] == [
        ("Ann", "mock/agent-a", "yes", True),
        ("Cy", "openai/gpt-4o", "no", False),
    ]
    assert view.votes[0].is_winner and view.votes[0].answer == "cat"
    assert view.judge == ""


def test_run_view_of_a_queued_run_has_no_outcome_yet() -> None:
    view = run_view(OrchestrationRun(execution_id=8, status="queued", created_at=T0))
    assert view.active
    assert (view.winner, view.answer, view.disagreement, view.agents, view.votes) == (
        "",
        "",
        "—",
        [],
        [],
    )


def test_run_view_explains_the_judge() -> None:
    base = {"execution_id": 9, "status": "succeeded", "created_at": T0, "voting": "judge"}
    skipped = run_view(OrchestrationRun(**base, judge={"model": "gpt-4o", "skipped": True}))
    assert "was not asked" in skipped.judge
    unclear = run_view(
        OrchestrationRun(**base, judge={"model": "gpt-4o", "fell_back_to_majority": True})
    )
    assert "majority answer won" in unclear.judge
