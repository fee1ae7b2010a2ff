"""Orchestration services on SQLite and PostgreSQL: create, edit, list, run, read runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.consensus import TIE_RULE
from app.models.orchestration import OrchestrationCreate, OrchestrationUpdate
from app.models.workflow import WorkflowCreate, WorkflowKind
from app.services import execution_reads, orchestrations, workflow_list, workflows
from app.services.errors import InvalidInputError, NotFoundError
from app.services.orchestration_runs import orchestration_runs
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.orchestration_views import tie_text
from tests.documents import greeting

PET_QUESTION = "Which is the best pet for a small flat? Options: cat, dog, fish"
# The mock provider picks a vote option from a hash of the model name and the prompt: for
# PET_QUESTION, mock/agent-a and mock/agent-b pick "cat", mock/agent-c picks "dog".
VOTERS = [
    {"name": "Ann", "model": "mock/agent-a"},
    {"name": "Bob", "model": "mock/agent-b"},
    {"name": "Cy", "model": "mock/agent-c"},
]


pytestmark = pytest.mark.usefixtures("no_provider_keys")


def create(**fields: Any) -> int:
    data = OrchestrationCreate.model_validate({"name": "Pet panel", "agents": VOTERS} | fields)
    with session_scope() as session:
        return orchestrations.create_orchestration(session, principal=SYSTEM, data=data).id


async def run_and_wait(orchestration_id: int, question: Any = PET_QUESTION) -> int:
    with session_scope() as session:
        started = orchestrations.run_orchestration(
            session, principal=SYSTEM, orchestration_id=orchestration_id, input=question
        )
    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)
    assert done.status == "succeeded", done.error
    return started.id


async def test_consensus_of_three_mock_agents_where_two_agree(db_url: str) -> None:
    orchestration_id = create(strategy="consensus", voting="majority")
    execution_id = await run_and_wait(orchestration_id)

    with session_scope(read_only=True) as session:
        page = orchestration_runs(session, principal=SYSTEM, orchestration_id=orchestration_id)
        detail = execution_reads.get_execution_detail(
            session, principal=SYSTEM, execution_id=execution_id
        )
    assert page.total == 1
    (run,) = page.items
    assert (run.execution_id, run.status, run.input) == (execution_id, "succeeded", PET_QUESTION)
    assert (run.strategy, run.voting, run.winner, run.answer) == (
        "consensus",
        "majority",
        "cat",
        "cat",
    )
    assert run.votes == {"cat": 2, "dog": 1}
    assert run.disagreement == pytest.approx(1 / 3, abs=1e-6)
    assert [(a.name, a.model, a.text, a.agrees_with_winner) for a in run.agents] == [
        ("Ann", "agent-a", "cat", True),
        ("Bob", "agent-b", "cat", True),
        ("Cy", "agent-c", "dog", False),
    ]
    for agent in run.agents:
        assert agent.is_mock and agent.provider == "mock"
        assert agent.tokens_in and agent.tokens_in > 0 and agent.tokens_out == 1
        assert agent.cost_usd == 0.0
        assert agent.latency_ms is not None and agent.latency_ms >= 0
    assert run.tokens_in == sum(a.tokens_in or 0 for a in run.agents)
    assert run.tokens_out == 3
    assert run.cost_usd == 0.0 and run.is_mock
    assert run.latency_ms is not None and run.latency_ms > 0

    # The execution record says plainly that mock answers were used, and the ledger is filled.
    assert detail.uses_mock is True
    assert detail.output == {"answer": "cat"}
    (node_run,) = [r for r in detail.node_runs if r.node_type == "orchestration"]
    assert (node_run.tokens_in, node_run.tokens_out, node_run.cost_usd) == (
        run.tokens_in,
        3,
        0.0,
    )


async def test_free_mock_answers_differ_by_agent_and_a_tie_is_shown_as_a_tie(
    db_url: str,
) -> None:
    # For this question the three mock agents take three different stances (A, B, C).
    question = "Should we rewrite the billing service in Rust?"
    orchestration_id = create(strategy="consensus", voting="majority")
    await run_and_wait(orchestration_id, question)
    with session_scope(read_only=True) as session:
        (run,) = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        ).items
    texts = [a.text or "" for a in run.agents]
    assert len(set(texts)) == 3
    assert all(t.startswith("[mock] Answer ") and t.endswith(question) for t in texts)
    assert run.winner == texts[0]
    assert run.tie_answers == texts and run.tie_rule == TIE_RULE
    assert tie_text(run) == f"3 answers tied with 1 vote each; tie rule: {TIE_RULE}."

    decided = await run_and_wait(orchestration_id, "Is a four-day week a good idea for our team?")
    with session_scope(read_only=True) as session:
        runs = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        ).items
    (latest,) = [r for r in runs if r.execution_id == decided]
    assert sorted(latest.votes.values()) == [1, 2]
    assert (latest.tie_answers, latest.tie_rule, tie_text(latest)) == ([], None, "")


async def test_weighted_consensus_lets_a_heavy_agent_outvote_two(db_url: str) -> None:
    agents = [*VOTERS[:2], VOTERS[2] | {"weight": 5}]
    orchestration_id = create(strategy="consensus", voting="weighted", agents=agents)
    await run_and_wait(orchestration_id)
    with session_scope(read_only=True) as session:
        (run,) = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        ).items
    assert run.winner == "dog"
    assert run.votes == {"cat": 2.0, "dog": 5.0}
    assert run.disagreement == pytest.approx(2 / 7, abs=1e-6)
    assert [a.agrees_with_winner for a in run.agents] == [False, False, True]
    assert [a.weight for a in run.agents] == [1.0, 1.0, 5.0]


async def test_judge_voting_adds_the_judge_call_to_the_run(db_url: str) -> None:
    orchestration_id = create(voting="judge", judge_model="mock/judge")
    await run_and_wait(orchestration_id)
    with session_scope(read_only=True) as session:
        (run,) = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        ).items
    assert run.judge is not None and run.judge["is_mock"] is True
    assert run.judge["text"] in {"cat", "dog"}
    assert run.winner == run.judge["text"] == run.answer
    agents_in = sum(a.tokens_in or 0 for a in run.agents)
    assert run.tokens_in is not None and run.tokens_in > agents_in, "the judge's call counts"


async def test_parallel_runs_list_every_answer_without_votes(db_url: str) -> None:
    orchestration_id = create(strategy="parallel")
    await run_and_wait(orchestration_id, {"question": "hello"})
    with session_scope(read_only=True) as session:
        (run,) = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        ).items
    assert run.winner is None and run.votes == {}
    assert run.answer == [a.text for a in run.agents]
    assert all(a.agrees_with_winner is None for a in run.agents)
    # A JSON input reaches the agents as JSON text.
    assert run.agents[0].text is not None and '"question": "hello"' in run.agents[0].text


async def test_runs_are_listed_newest_first_with_paging(db_url: str) -> None:
    orchestration_id = create()
    first = await run_and_wait(orchestration_id)
    second = await run_and_wait(orchestration_id)
    with session_scope(read_only=True) as session:
        page = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id, limit=1
        )
        rest = orchestration_runs(
            session, principal=SYSTEM, orchestration_id=orchestration_id, offset=1
        )
    assert page.total == 2
    assert [r.execution_id for r in page.items] == [second]
    assert [r.execution_id for r in rest.items] == [first]


def test_invalid_orchestrations_are_refused_with_clear_messages() -> None:
    with pytest.raises(ValidationError, match="consensus needs at least two agents"):
        OrchestrationCreate(name="Solo", strategy="consensus", agents=[VOTERS[0]])
    with pytest.raises(ValidationError, match="agent names must be unique: Ann"):
        OrchestrationCreate(name="Twins", agents=[VOTERS[0], VOTERS[0]])
    with pytest.raises(ValidationError, match="weight"):
        OrchestrationCreate(name="Zero", agents=[VOTERS[0], VOTERS[1] | {"weight": 0}])
    with pytest.raises(ValidationError, match="agents"):
        OrchestrationCreate(name="Nobody", agents=[])
    # One agent is fine when nobody has to vote.
    assert OrchestrationCreate(name="Solo", strategy="sequential", agents=[VOTERS[0]])


def test_update_keeps_what_is_not_sent_and_validates_the_result(db_url: str) -> None:
    orchestration_id = create(description="Three voters")
    with session_scope() as session:
        updated = orchestrations.update_orchestration(
            session,
            principal=SYSTEM,
            orchestration_id=orchestration_id,
            data=OrchestrationUpdate(voting="judge", judge_model="mock/judge"),
        )
    assert (updated.voting, updated.judge_model, updated.description) == (
        "judge",
        "mock/judge",
        "Three voters",
    )
    assert [a.name for a in updated.agents] == ["Ann", "Bob", "Cy"]

    with session_scope() as session, pytest.raises(InvalidInputError) as caught:
        orchestrations.update_orchestration(
            session,
            principal=SYSTEM,
            orchestration_id=orchestration_id,
            data=OrchestrationUpdate(agents=[VOTERS[0]]),
        )
    assert "consensus needs at least two agents" in caught.value.message
    with session_scope(read_only=True) as session:
        kept = orchestrations.get_orchestration(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        )
    assert len(kept.agents) == 3


def test_orchestrations_and_workflows_are_listed_apart(db_url: str) -> None:
    orchestration_id = create()
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Plain", definition=greeting())
        ).id
    with session_scope(read_only=True) as session:
        listed = orchestrations.list_orchestrations(session, principal=SYSTEM)
        plain = workflow_list.list_workflows(session, principal=SYSTEM)
        every = workflow_list.list_workflows(session, principal=SYSTEM, kind=None)
        behind = workflows.get_workflow(session, principal=SYSTEM, workflow_id=orchestration_id)
        with pytest.raises(NotFoundError):
            orchestrations.get_orchestration(
                session, principal=SYSTEM, orchestration_id=workflow_id
            )
    assert [(o.id, o.agent_count, o.strategy) for o in listed.items] == [
        (orchestration_id, 3, "consensus")
    ]
    assert listed.items[0].models == ["mock/agent-a", "mock/agent-b", "mock/agent-c"]
    assert [w.id for w in plain.items] == [workflow_id]
    assert {w.id for w in every.items} == {workflow_id, orchestration_id}
    assert behind.kind == WorkflowKind.ORCHESTRATION.value
    assert not behind.problems, "the generated workflow is valid"


def test_delete_hides_an_orchestration(db_url: str) -> None:
    orchestration_id = create()
    with session_scope() as session:
        orchestrations.delete_orchestration(
            session, principal=SYSTEM, orchestration_id=orchestration_id
        )
    with session_scope(read_only=True) as session:
        assert orchestrations.list_orchestrations(session, principal=SYSTEM).total == 0
        with pytest.raises(NotFoundError):
            orchestrations.get_orchestration(
                session, principal=SYSTEM, orchestration_id=orchestration_id
            )
        with pytest.raises(NotFoundError):
            orchestration_runs(session, principal=SYSTEM, orchestration_id=orchestration_id)


async def test_a_plain_workflow_cannot_be_run_as_an_orchestration(db_url: str) -> None:
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Plain", definition=greeting())
        ).id
    with session_scope() as session, pytest.raises(NotFoundError):
        orchestrations.run_orchestration(
            session, principal=SYSTEM, orchestration_id=workflow_id, input="hi"
        )


async def test_the_async_run_starts_an_orchestration_and_refuses_a_plain_workflow(
    db_url: str,
) -> None:
    orchestration_id = create(strategy="parallel")
    started = await orchestrations.run_orchestration_async(
        principal=SYSTEM, orchestration_id=orchestration_id, input=PET_QUESTION
    )
    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)
    assert (done.workflow_id, done.status) == (orchestration_id, "succeeded")
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Plain", definition=greeting())
        ).id
    with pytest.raises(NotFoundError):
        await orchestrations.run_orchestration_async(
            principal=SYSTEM, orchestration_id=workflow_id, input="hi"
        )
