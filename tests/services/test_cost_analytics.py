"""The cost dashboard over the seeded ledger of cost_seed (its table has every figure):
totals, each breakdown, the trend, execution stats, the date and workflow filters, and who
sees what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.models.cost_schemas import CostBreakdownRow, CostDashboard, CostTotals
from app.services.cost_analytics import cost_dashboard
from app.services.errors import InvalidInputError, PermissionDeniedError
from app.services.principal import SYSTEM, Principal
from tests.services.cost_seed import CostWorld, seed_costs


@pytest.fixture
def world(session: Session) -> CostWorld:
    """The seeded ledger, committed."""
    seeded = seed_costs(session)
    session.commit()
    return seeded


def dashboard(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    workflow_id: int | None = None,
) -> CostDashboard:
    return cost_dashboard(
        session, principal=principal, start=start, end=end, workflow_id=workflow_id
    )


def last_30(world: CostWorld) -> tuple[date, date]:
    return world.today - timedelta(days=29), world.today


def figures(rows: list[CostBreakdownRow]) -> list[tuple[Any, ...]]:
    """(label, cost, input, output, cached, calls) of each row, in order."""
    return [
        (r.label, r.cost_micros, r.input_tokens, r.output_tokens, r.cached_tokens, r.calls)
        for r in rows
    ]


def costs(rows: list[CostBreakdownRow]) -> list[tuple[str, int]]:
    return [(row.label, row.cost_micros) for row in rows]


def test_admin_totals_follow_fixed_periods(session: Session, world: CostWorld) -> None:
    # A narrow date range does not change the totals.
    totals = dashboard(session, world.admin, world.today, world.today).totals
    assert totals.today == CostTotals(cost_micros=76600, tokens=4720, calls=5)
    assert totals.last_7_days == CostTotals(cost_micros=142600, tokens=6840, calls=7)
    assert totals.last_30_days == CostTotals(cost_micros=142825, tokens=7340, calls=8)
    assert totals.all_time == CostTotals(cost_micros=144825, tokens=9340, calls=9)


def test_admin_breakdowns_of_the_last_30_days(session: Session, world: CostWorld) -> None:
    start, end = last_30(world)
    board = dashboard(session, world.admin, start, end)
    assert figures(board.by_workflow) == [
        ("Alpha", 126225, 3400, 700, 500, 3),
        ("Epsilon (deleted)", 9000, 100, 100, 0, 1),
        ("Gamma", 6250, 1000, 1000, 0, 1),
        ("(no workflow)", 900, 10, 10, 0, 1),
        ("Beta", 450, 810, 210, 0, 2),
    ]
    assert [row.key for row in board.by_workflow][:1] == [str(world.workflows["Alpha"])]
    assert board.by_workflow[0].workflow_id == world.workflows["Alpha"]
    assert figures(board.by_provider) == [
        ("openai", 135900, 3110, 710, 500, 4),
        ("gemini", 6250, 1000, 1000, 0, 1),
        ("anthropic", 675, 1200, 300, 0, 2),
        ("mock", 0, 10, 10, 0, 1),
    ]
    assert costs(board.by_model) == [
        ("gpt-4", 135900),
        ("gemini-1.5-pro", 6250),
        ("claude-3-haiku", 675),
        ("mock-model", 0),
    ]
    assert figures(board.by_agent_role) == [
        ("agent", 141250, 4110, 1710, 500, 5),
        ("(none)", 900, 10, 10, 0, 1),
        ("researcher", 450, 800, 200, 0, 1),
        ("judge", 225, 400, 100, 0, 1),
    ]
    assert costs(board.by_version) == [
        ("Alpha · v2", 66225),
        ("Alpha · v1", 60000),
        ("Epsilon (deleted) · v1", 9000),
        ("Gamma · v1", 6250),
        ("(no workflow) · unversioned", 900),
        ("Beta · v1", 450),
    ]
    assert board.top_workflows == board.by_workflow
    tokens = board.tokens
    assert (tokens.input_tokens, tokens.output_tokens, tokens.cached_tokens) == (5320, 2020, 500)
    assert (tokens.total_tokens, tokens.calls) == (7340, 8)
    assert [option.name for option in board.workflows] == ["Alpha", "Beta", "Gamma"]


def test_top_workflows_are_the_ten_most_expensive(session: Session, world: CostWorld) -> None:
    # Only five workflows have costs here: every one is in the top ten, most expensive first.
    board = dashboard(session, world.admin, *last_30(world))
    assert [row.label for row in board.top_workflows][:2] == ["Alpha", "Epsilon (deleted)"]
    assert len(board.top_workflows) == 5


def test_the_trend_is_per_day_and_provider(session: Session, world: CostWorld) -> None:
    three_days_ago = world.today - timedelta(days=3)
    board = dashboard(session, world.admin, three_days_ago, world.today)
    assert [(p.day, p.provider, p.cost_micros, p.tokens, p.calls) for p in board.trend] == [
        (three_days_ago, "mock", 0, 20, 1),
        (three_days_ago, "openai", 66000, 2100, 1),
        (world.today, "anthropic", 450, 1000, 1),
        (world.today, "gemini", 6250, 2000, 1),
        (world.today, "openai", 69900, 1720, 3),
    ]


def test_the_date_range_filters_every_breakdown(session: Session, world: CostWorld) -> None:
    start, end = world.today - timedelta(days=10), world.today - timedelta(days=3)
    board = dashboard(session, world.admin, start, end)
    assert costs(board.by_workflow) == [("Alpha", 66225), ("Beta", 0)]
    assert costs(board.by_provider) == [("openai", 66000), ("anthropic", 225), ("mock", 0)]
    assert costs(board.by_agent_role) == [("agent", 66000), ("judge", 225)]
    assert costs(board.by_version) == [("Alpha · v2", 66225), ("Beta · v1", 0)]
    assert board.tokens.calls == 3
    assert {p.day for p in board.trend} == {end, start}
    # e2 and e3 finished three days ago; e1 today is outside.
    assert [(s.name, s.runs) for s in board.execution_stats] == [("Alpha", 2)]


def test_the_workflow_filter_applies_to_totals_and_breakdowns(
    session: Session, world: CostWorld
) -> None:
    alpha = world.workflows["Alpha"]
    board = dashboard(session, world.admin, *last_30(world), workflow_id=alpha)
    assert board.totals.today.cost_micros == 60000
    assert board.totals.all_time == CostTotals(cost_micros=126225, tokens=4100, calls=3)
    assert costs(board.by_provider) == [("openai", 126000), ("anthropic", 225)]
    assert [s.workflow_id for s in board.execution_stats] == [alpha]
    assert board.workflow_id == alpha


def test_execution_stats_per_workflow(session: Session, world: CostWorld) -> None:
    stats = dashboard(session, world.admin, *last_30(world)).execution_stats
    alpha, beta, gamma = stats
    assert (alpha.name, alpha.runs, alpha.succeeded, alpha.failed) == ("Alpha", 3, 2, 1)
    assert alpha.failure_rate == pytest.approx(1 / 3)
    assert alpha.mean_duration_ms == pytest.approx(7000 / 3)
    # (60000 + 225) / 2 succeeded executions, half up.
    assert alpha.cost_per_success_micros == 30113
    # The cancelled run of Beta is not counted; its failed one is.
    assert (beta.name, beta.runs, beta.failure_rate, beta.cost_per_success_micros) == (
        "Beta",
        1,
        1.0,
        None,
    )
    assert (gamma.name, gamma.runs, gamma.cost_per_success_micros) == ("Gamma", 1, 6250)
    assert gamma.mean_duration_ms == 500


def test_a_user_sees_own_shared_and_charged_costs_only(session: Session, world: CostWorld) -> None:
    start, end = last_30(world)
    # Alice: Alpha (hers), Beta (shared), Delta (hers, deleted); not Gamma (bob's), not
    # Epsilon (shared once, now deleted), not the call charged to the admin.
    board = dashboard(session, world.alice, start, end)
    assert costs(board.by_workflow) == [("Alpha", 126225), ("Beta", 450)]
    assert board.totals.all_time == CostTotals(cost_micros=128675, tokens=7120, calls=6)
    assert board.totals.today == CostTotals(cost_micros=60450, tokens=2500, calls=2)
    assert [s.name for s in board.execution_stats] == ["Alpha", "Beta"]
    assert [option.name for option in board.workflows] == ["Alpha", "Beta"]
    older = dashboard(session, world.alice, world.today - timedelta(days=60), end)
    assert ("Delta (deleted)", 2000) in costs(older.by_workflow)
    # Bob: Beta, Gamma and Epsilon (his, deleted).
    bobs = dashboard(session, world.bob, start, end)
    assert costs(bobs.by_workflow) == [("Epsilon (deleted)", 9000), ("Gamma", 6250), ("Beta", 450)]
    assert bobs.totals.all_time.cost_micros == 15700
    assert [s.name for s in bobs.execution_stats] == ["Beta", "Gamma"]


def test_filtering_by_a_workflow_one_may_not_see_shows_nothing(
    session: Session, world: CostWorld
) -> None:
    board = dashboard(session, world.alice, *last_30(world), workflow_id=world.workflows["Gamma"])
    assert board.by_workflow == board.by_provider == board.trend == []
    assert board.totals.all_time == CostTotals()
    assert board.execution_stats == []


def test_an_empty_ledger_gives_zeros(session: Session) -> None:
    today = date.today()
    board = dashboard(session, SYSTEM, today - timedelta(days=6), today)
    assert board.totals.all_time == CostTotals()
    assert board.by_workflow == board.trend == board.execution_stats == []
    assert board.tokens.calls == 0


def test_bad_ranges_are_refused(session: Session, world: CostWorld) -> None:
    with pytest.raises(InvalidInputError, match="after the end date"):
        dashboard(session, world.admin, world.today, world.today - timedelta(days=1))
    with pytest.raises(InvalidInputError, match="at most 3660 days"):
        dashboard(session, world.admin, world.today - timedelta(days=3660), world.today)


def test_credentials_without_read_scope_are_refused(session: Session, world: CostWorld) -> None:
    runner_only = Principal(
        user_id=world.alice.user_id,
        role=world.alice.role,
        label="key",
        scopes=frozenset(),
    )
    with pytest.raises(PermissionDeniedError):
        dashboard(session, runner_only, world.today, world.today)
