"""The pre-run estimate shows what is left of the budgets covering the workflow, and whether
the run would go over an enforced one (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from app.services.cost_estimates import estimate_workflow_cost
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.budget_records import add_spend, put_budget
from tests.documents import chain, node
from tests.records import make_workflow


def estimate(workflow_id: int):  # type: ignore[no-untyped-def]
    with session_scope(read_only=True) as session:
        return estimate_workflow_cost(session, principal=SYSTEM, workflow_id=workflow_id)


def agent_workflow() -> int:
    document = chain(
        node("start", "manual_trigger"),
        node("ask", "agent", model="gpt-4o", prompt="x" * 4000, max_tokens=4000),
    )
    return make_workflow(document, name="Summaries")


@pytest.mark.usefixtures("no_provider_keys")
def test_the_estimate_lists_what_is_left_of_each_budget(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")
    workflow_id = agent_workflow()
    put_budget(None, "100", enforce=False)
    put_budget(workflow_id, "1")
    add_spend(workflow_id, 990_000)

    result = estimate(workflow_id)

    assert result.total_usd > 0.01  # 4,000 output tokens of gpt-4o
    assert [(b.name, b.remaining_micros) for b in result.budgets] == [
        ("All workflows", 99_010_000),
        ("Summaries", 10_000),
    ]
    assert result.over_budget
    put_budget(workflow_id, "1", enforce=False)  # alert only: nothing would be refused
    assert not estimate(workflow_id).over_budget
    put_budget(workflow_id, "50")
    assert not estimate(workflow_id).over_budget


@pytest.mark.usefixtures("no_provider_keys")
def test_a_used_up_enforced_budget_is_over_even_for_a_free_run(db_url: str) -> None:
    workflow_id = agent_workflow()  # no key: the mock answers, for free
    put_budget(workflow_id, "1")
    add_spend(workflow_id, 1_000_000)
    result = estimate(workflow_id)
    assert (result.total_usd, result.over_budget) == (0.0, True)
    assert make_workflow() and estimate(make_workflow()).budgets == []
