"""Cost estimates of a workflow's LLM nodes on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from app.llm.estimate import DEFAULT_OUTPUT_TOKENS
from app.llm.provider_access import provider_config
from app.models.llm import ProviderSettingUpdate
from app.models.workflow import WorkflowCreate
from app.services import workflows
from app.services.cost_estimates import estimate_workflow_cost
from app.services.errors import NotFoundError
from app.services.llm_settings import update_provider
from app.services.outbound_http import ALLOWLIST_ENV
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import chain, greeting, node

GPT_4O_MINI_IN, GPT_4O_MINI_OUT = 0.15e-6, 0.60e-6
AGENTS = [{"name": name, "model": "gpt-4o-mini"} for name in ("Ann", "Bob", "Cy")]


pytestmark = pytest.mark.usefixtures("no_provider_keys")


@pytest.fixture
def openai_key(no_provider_keys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake OpenAI key in the environment (set after the others are removed)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")


def save(*nodes: dict[str, Any]) -> int:
    definition = chain(node("start", "manual_trigger"), *nodes)
    with session_scope() as session:
        data = WorkflowCreate(name="Costs", definition=definition)
        return workflows.create_workflow(session, principal=SYSTEM, data=data).id


def estimate(workflow_id: int, node_ids: set[str] | None = None) -> Any:
    with session_scope(read_only=True) as session:
        return estimate_workflow_cost(
            session, principal=SYSTEM, workflow_id=workflow_id, node_ids=node_ids
        )


def orchestration(strategy: str = "consensus", voting: str = "judge") -> dict[str, Any]:
    return node(
        "panel", "orchestration", strategy=strategy, voting=voting, agents=AGENTS, prompt="Q?"
    )


def test_without_keys_every_call_is_mock_and_free(db_url: str) -> None:
    workflow_id = save(node("ask", "agent", prompt="Tell me about {{ input }}"), orchestration())

    result = estimate(workflow_id)

    assert [(n.node_id, n.node_type, len(n.calls)) for n in result.nodes] == [
        ("ask", "agent", 1),
        ("panel", "orchestration", 4),
    ]
    assert all(c.provider == "mock" and c.cost_usd == 0.0 for n in result.nodes for c in n.calls)
    assert (result.total_usd, result.uses_mock, result.any_unknown_price) == (0.0, True, False)
    assert all(n.is_mock and n.cost_usd == 0.0 for n in result.nodes)


@pytest.mark.usefixtures("openai_key")
def test_an_orchestration_with_three_agents_and_a_judge_counts_four_priced_calls(
    db_url: str,
) -> None:
    workflow_id = save(orchestration())

    (panel,) = estimate(workflow_id).nodes

    assert [c.label for c in panel.calls] == ["Ann", "Bob", "Cy", "judge"]
    assert {(c.provider, c.model) for c in panel.calls} == {("openai", "gpt-4o-mini")}
    judge = panel.calls[-1]
    assert judge.input_tokens > 3 * DEFAULT_OUTPUT_TOKENS  # it reads every agent's answer
    expected = sum(
        c.input_tokens * GPT_4O_MINI_IN + c.output_tokens * GPT_4O_MINI_OUT for c in panel.calls
    )
    assert panel.cost_usd == pytest.approx(expected) and expected > 0
    majority = save(orchestration(voting="majority"))
    assert len(estimate(majority).nodes[0].calls) == 3


@pytest.mark.usefixtures("openai_key")
def test_a_priced_agent_and_the_workflow_totals(db_url: str) -> None:
    workflow_id = save(
        node("ask", "agent", prompt="x" * 400, system_prompt="y" * 40, max_tokens=100),
        orchestration(strategy="sequential"),
    )

    ask, panel = estimate(workflow_id).nodes
    (call,) = ask.calls
    assert (call.provider, call.input_tokens, call.output_tokens) == ("openai", 110, 100)
    assert call.cost_usd == pytest.approx(110 * GPT_4O_MINI_IN + 100 * GPT_4O_MINI_OUT)
    # Sequential: the later agents read the previous answer (its estimated length).
    assert [c.input_tokens for c in panel.calls[1:]] == [DEFAULT_OUTPUT_TOKENS] * 2
    result = estimate(workflow_id)
    assert result.total_usd == pytest.approx(call.cost_usd + panel.cost_usd)
    assert (result.uses_mock, result.any_unknown_price) == (False, False)


def test_unknown_prices_and_stored_provider_settings(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1:11434")
    with session_scope() as session:
        update_provider(
            session,
            principal=SYSTEM,
            provider="openai_compatible",
            data=ProviderSettingUpdate(api_base="http://127.0.0.1:11434/v1"),
        )
    workflow_id = save(node("local", "agent", model="openai_compatible/llama3"))

    result = estimate(workflow_id)

    (call,) = result.nodes[0].calls
    assert (call.provider, call.model, call.is_mock, call.cost_usd) == (
        "openai_compatible",
        "llama3",
        False,
        None,
    )
    assert result.nodes[0].cost_usd is None
    assert (result.any_unknown_price, result.total_usd, result.uses_mock) == (True, 0.0, False)
    assert provider_config("openai_compatible") is None  # the settings lookup was removed


@pytest.mark.usefixtures("openai_key")
def test_a_provider_switched_off_in_settings_is_not_estimated(db_url: str) -> None:
    with session_scope() as session:
        update_provider(
            session, principal=SYSTEM, provider="openai", data=ProviderSettingUpdate(enabled=False)
        )
    workflow_id = save(node("ask", "agent"))

    (call,) = estimate(workflow_id).nodes[0].calls

    assert (call.provider, call.cost_usd) == ("mock", 0.0)


def test_selection_skips_nodes_that_make_no_call(db_url: str) -> None:
    off = node("off", "agent") | {"disabled": True}
    pinned = node("pinned", "agent") | {"pinned_output": {"text": "kept"}}
    workflow_id = save(node("a", "agent"), node("b", "agent"), off, pinned)

    assert [n.node_id for n in estimate(workflow_id).nodes] == ["a", "b"]
    assert [n.node_id for n in estimate(workflow_id, {"b", "off"}).nodes] == ["b"]
    with pytest.raises(NotFoundError, match="ghost"):
        estimate(workflow_id, {"a", "ghost"})
    with pytest.raises(NotFoundError):
        estimate(workflow_id + 1000)


def test_workflows_without_llm_nodes_cost_nothing(db_url: str) -> None:
    with session_scope() as session:
        data = WorkflowCreate(name="Greeting", definition=greeting())
        workflow_id = workflows.create_workflow(session, principal=SYSTEM, data=data).id

    result = estimate(workflow_id)

    assert (result.nodes, result.total_usd) == ([], 0.0)
    assert (result.any_unknown_price, result.uses_mock) == (False, False)


def test_a_config_that_cannot_be_read_before_the_run_is_flagged(db_url: str) -> None:
    workflow_id = save(node("ask", "agent", max_tokens="{{ vars.budget }}"))

    result = estimate(workflow_id)

    (ask,) = result.nodes
    assert (ask.calls, ask.cost_usd) == ([], None)
    assert ask.error is not None and "max_tokens" in ask.error
    assert result.any_unknown_price
