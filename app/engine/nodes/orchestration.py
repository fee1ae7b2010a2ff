"""Orchestration node: several agents in sequence, in parallel, or voting on one answer.

- sequential: each agent gets the previous agent's answer (the first gets the node's input);
  the answer is the last agent's.
- parallel: every agent gets the node's input concurrently; the answer is the list of their
  answers in agent order.
- consensus: every agent answers the node's input concurrently, then they vote (majority,
  weighted, or a judge model's pick; see `app.engine.consensus`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.engine import consensus
from app.engine.context import NodeContext
from app.engine.llm_port import LLMAnswer, LLMPort
from app.engine.nodes.agent import DEFAULT_MODEL
from app.engine.nodes.llm_calls import call_report, prompt_text, require_llm
from app.engine.registry import NodeCategory, NodeType

INPUT_PLACEHOLDER = "{input}"


class AgentFailed(RuntimeError):
    """One agent's LLM call failed; the message names the agent."""


class OrchestrationAgent(BaseModel):
    """One agent of an orchestration."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=100, title="Name", description="Shown beside its answer."
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        min_length=1,
        max_length=200,
        title="Model",
        description="Model or deployment name, e.g. gpt-4o-mini, claude-sonnet, mock/demo.",
    )
    system_prompt: str = Field(
        default="",
        max_length=20_000,
        title="System prompt",
        description="This agent's instructions (its role), sent as the system message.",
    )
    prompt: str = Field(
        default="",
        max_length=20_000,
        title="Prompt",
        description="This agent's message; {input} stands for its input (the node's input, "
        "or the previous agent's answer in sequential mode). Empty: the input alone; "
        "without {input}, the input follows the prompt.",
    )
    temperature: float = Field(
        default=0.7, ge=0, le=2, title="Temperature", description="Sampling temperature (0-2)."
    )
    weight: float = Field(
        default=1.0,
        gt=0,
        le=1000,
        title="Weight",
        description="This agent's vote in weighted consensus.",
    )


class OrchestrationConfig(BaseModel):
    """Config of the orchestration node."""

    model_config = ConfigDict(extra="forbid")

    strategy: Literal["sequential", "parallel", "consensus"] = Field(
        default="consensus",
        title="Strategy",
        description="sequential: each agent gets the previous answer; parallel: all answer "
        "the input at once; consensus: all answer, then vote.",
    )
    agents: list[OrchestrationAgent] = Field(
        min_length=1, max_length=12, title="Agents", description="The agents, in order."
    )
    voting: Literal["majority", "weighted", "judge"] = Field(
        default="majority",
        title="Voting",
        description="Consensus only. majority: most common answer; weighted: largest summed "
        "agent weight; judge: a judge model picks (majority if its reply is unclear).",
    )
    judge_model: str = Field(
        default=DEFAULT_MODEL,
        min_length=1,
        max_length=200,
        title="Judge model",
        description="The model that picks the best answer when voting by judge.",
    )
    prompt: str = Field(
        default="{{ input }}",
        title="Input",
        description="The input the agents work on; expressions allowed. Objects become JSON.",
    )

    @field_validator("prompt", mode="before")
    @classmethod
    def _prompt_as_text(cls, value: Any) -> str:
        return prompt_text(value)

    @model_validator(mode="after")
    def _agents_fit_the_strategy(self) -> OrchestrationConfig:
        names = [agent.name for agent in self.agents]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"agent names must be unique: {', '.join(duplicates)}")
        if self.strategy == "consensus" and len(self.agents) < 2:
            raise ValueError("consensus needs at least two agents")
        return self


@dataclass(frozen=True)
class AgentRun:
    """One agent's answer."""

    agent: OrchestrationAgent
    answer: LLMAnswer

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, model, text, tokens, cost, latency, mock flag, path, weight."""
        report = {"name": self.agent.name, "text": self.answer.text}
        return report | call_report(self.answer) | {"weight": self.agent.weight}


def agent_message(agent: OrchestrationAgent, agent_input: str) -> str:
    """The user message an agent is sent for its input."""
    if not agent.prompt.strip():
        return agent_input
    if INPUT_PLACEHOLDER in agent.prompt:
        return agent.prompt.replace(INPUT_PLACEHOLDER, agent_input)
    return f"{agent.prompt}\n\n{agent_input}"


async def _ask(llm: LLMPort, agent: OrchestrationAgent, agent_input: str) -> AgentRun:
    try:
        answer = await llm.complete(
            prompt=agent_message(agent, agent_input),
            system=agent.system_prompt or None,
            model=agent.model,
            temperature=agent.temperature,
            max_tokens=None,
            json_output=False,
            fallbacks=[],
        )
    except Exception as exc:
        raise AgentFailed(f"agent {agent.name!r} ({agent.model}) failed: {exc}") from exc
    return AgentRun(agent, answer)


async def _all(calls: list[Awaitable[AgentRun]]) -> list[AgentRun]:
    """Run calls concurrently, results in order; the first failure cancels the rest."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass(frozen=True)
class JudgeVerdict:
    """The judge's vote, its report for the output, and its call (None when skipped)."""

    vote: consensus.VoteResult
    report: dict[str, Any]
    answer: LLMAnswer | None


async def _judge(
    llm: LLMPort, config: OrchestrationConfig, question: str, ballots: list[consensus.Ballot]
) -> JudgeVerdict:
    candidates = consensus.group_answers(ballots)
    if len(candidates) == 1:
        # Every agent gave the same answer: do not pay for a judge call.
        skipped = {
            "model": config.judge_model,
            "text": None,
            "choice": None,
            "fell_back_to_majority": False,
            "skipped": True,
        }
        return JudgeVerdict(consensus.judged_vote(ballots, 0), skipped, None)
    system, prompt = consensus.judge_messages(question, candidates)
    try:
        answer = await llm.complete(
            prompt=prompt,
            system=system,
            model=config.judge_model,
            temperature=0.0,
            max_tokens=None,
            json_output=False,
            fallbacks=[],
        )
    except Exception as exc:
        raise AgentFailed(f"the judge ({config.judge_model}) failed: {exc}") from exc
    choice = consensus.parse_judge_reply(answer.text, candidates)
    report = {
        "text": answer.text,
        "choice": None if choice is None else choice + 1,
        "fell_back_to_majority": choice is None,
        "skipped": False,
        **call_report(answer),
    }
    return JudgeVerdict(consensus.judged_vote(ballots, choice), report, answer)


def _totals(answers: list[LLMAnswer]) -> dict[str, Any]:
    return {
        # Calls whose model has no known price count as free here (their cost_usd is None).
        "total_cost_usd": sum(a.cost_usd or 0.0 for a in answers),
        "total_tokens": {
            "input": sum(a.input_tokens for a in answers),
            "output": sum(a.output_tokens for a in answers),
        },
    }


async def run_orchestration(
    ctx: NodeContext, inputs: dict[str, Any], config: OrchestrationConfig
) -> dict[str, Any]:
    """Run the agents and return `{"strategy", "voting", "answer", "answers", "votes",
    "disagreement", "tie", "agents", "judge", "total_cost_usd", "total_tokens"}`.

    `votes`, `disagreement` and `voting` are filled for consensus only, `judge` for judge
    voting only, `tie` (`{"answers", "rule"}`) only when the tie rule picked the answer
    (None otherwise).

    Raises:
        LLMNotConfigured: the run has no LLM client.
        AgentFailed: an agent's (or the judge's) call failed.
    """
    llm = require_llm(ctx)
    if config.strategy == "sequential":
        runs: list[AgentRun] = []
        agent_input = config.prompt
        for agent in config.agents:
            run = await _ask(llm, agent, agent_input)
            runs.append(run)
            agent_input = run.answer.text
    else:
        runs = await _all([_ask(llm, agent, config.prompt) for agent in config.agents])
    texts = [run.answer.text for run in runs]
    calls = [run.answer for run in runs]
    result: dict[str, Any] = {
        "strategy": config.strategy,
        "voting": None,
        "answer": texts[-1] if config.strategy == "sequential" else texts,
        "answers": texts,
        "votes": {},
        "disagreement": None,
        "tie": None,
        "agents": [run.to_dict() for run in runs],
        "judge": None,
    }
    if config.strategy == "consensus":
        ballots = [consensus.Ballot(run.answer.text, run.agent.weight) for run in runs]
        if config.voting == "judge":
            verdict = await _judge(llm, config, config.prompt, ballots)
            vote, result["judge"] = verdict.vote, verdict.report
            if verdict.answer is not None:
                calls.append(verdict.answer)
        elif config.voting == "weighted":
            vote = consensus.weighted_vote(ballots)
        else:
            vote = consensus.majority_vote(ballots)
        result |= {
            "voting": config.voting,
            "answer": vote.answer,
            "votes": vote.votes,
            "disagreement": vote.disagreement,
            "tie": (
                {"answers": list(vote.tied), "rule": consensus.TIE_RULE} if vote.tied else None
            ),
        }
    return result | _totals(calls)


ORCHESTRATION = NodeType(
    type="orchestration",
    label="Orchestration",
    category=NodeCategory.AI,
    description="Several agents in sequence, in parallel, or voting on one answer.",
    config_model=OrchestrationConfig,
    run=run_orchestration,
    side_effect=True,
    icon="users",
)
