"""The estimated cost of a workflow's LLM nodes, shown before an explicit run.

LLM nodes are side-effect nodes: auto-run never runs them, so the user runs them explicitly
and sees this estimate first. It is an estimate, not a quote:

- prompts are counted as written in the config: expressions are not rendered (the input
  they would bring in is unknown until the run);
- each call's output is counted at its `max_tokens`, or `DEFAULT_OUTPUT_TOKENS` without one;
- the provider is the one the client would try first, with the stored provider settings,
  the environment's keys and the settings' model map; without a usable key the mock answers,
  for free;
- a sequential agent reads the previous agent's (estimated) answer; a judge reads every
  agent's answer, and is counted even though it is skipped when all agents agree.

Disabled nodes and nodes with a pinned output make no call and are left out.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.engine import consensus
from app.engine.nodes import default_registry
from app.engine.nodes.agent import AgentConfig
from app.engine.nodes.orchestration import OrchestrationConfig, agent_message
from app.engine.spec import NodeSpec
from app.llm.cost import CostCalculator
from app.llm.estimate import CallEstimate, estimate_call
from app.llm.model_map import ModelMap
from app.llm.provider_access import reset_provider_lookup, use_provider_lookup
from app.models.cost import MICROS_PER_USD
from app.models.cost_estimate import CallCostEstimate, NodeCostEstimate, WorkflowCostEstimate
from app.models.orchestration import error_messages
from app.services.budgets import budget_status
from app.services.errors import NotFoundError
from app.services.llm_settings import current_llm_settings
from app.services.node_states import current_spec
from app.services.principal import Principal

__all__ = ["CallCostEstimate", "NodeCostEstimate", "WorkflowCostEstimate", "estimate_workflow_cost"]

LLM_NODE_TYPES = frozenset({"agent", "orchestration"})


def _public(label: str, call: CallEstimate) -> CallCostEstimate:
    return CallCostEstimate(label=label, **call.to_dict())


def _agent_calls(
    config: AgentConfig, model_map: ModelMap, costs: CostCalculator
) -> list[CallCostEstimate]:
    call = estimate_call(
        model=config.model,
        prompt=config.prompt,
        system=config.system_prompt or None,
        max_tokens=config.max_tokens,
        costs=costs,
        fallbacks=config.fallbacks,
        model_map=model_map,
    )
    return [_public("agent", call)]


def _orchestration_calls(
    config: OrchestrationConfig, model_map: ModelMap, costs: CostCalculator
) -> list[CallCostEstimate]:
    calls: list[CallEstimate] = []
    sequential = config.strategy == "sequential"
    for agent in config.agents:
        previous = calls[-1] if sequential and calls else None
        calls.append(
            estimate_call(
                model=agent.model,
                prompt=agent_message(agent, "" if previous else config.prompt),
                system=agent.system_prompt or None,
                max_tokens=None,
                costs=costs,
                model_map=model_map,
                context_tokens=previous.output_tokens if previous else 0,
            )
        )
    labelled = [_public(a.name, c) for a, c in zip(config.agents, calls, strict=True)]
    if config.strategy == "consensus" and config.voting == "judge":
        system, prompt = consensus.judge_messages(config.prompt, [])
        judge = estimate_call(
            model=config.judge_model,
            prompt=prompt,
            system=system,
            max_tokens=None,
            costs=costs,
            model_map=model_map,
            context_tokens=sum(c.output_tokens for c in calls),
        )
        labelled.append(_public("judge", judge))
    return labelled


def _calls(config: BaseModel, model_map: ModelMap, costs: CostCalculator) -> list[CallCostEstimate]:
    if isinstance(config, AgentConfig):
        return _agent_calls(config, model_map, costs)
    if isinstance(config, OrchestrationConfig):
        return _orchestration_calls(config, model_map, costs)
    raise TypeError(f"no cost estimate for {type(config).__name__}")


def _node_estimate(node: NodeSpec, model_map: ModelMap, costs: CostCalculator) -> NodeCostEstimate:
    node_type = default_registry().get(node.type)
    assert node_type is not None  # LLM_NODE_TYPES are built in
    calls: list[CallCostEstimate] = []
    error: str | None = None
    try:
        config = node_type.parse_config(node.config)
    except ValidationError as exc:
        error = "the config cannot be read before the run: " + "; ".join(error_messages(exc))
    else:
        calls = _calls(config, model_map, costs)
    prices = [c.cost_usd for c in calls]
    return NodeCostEstimate(
        node_id=node.id,
        node_name=node.name,
        node_type=node.type,
        calls=calls,
        cost_usd=None if error or None in prices else sum(p or 0.0 for p in prices),
        is_mock=any(c.is_mock for c in calls),
        error=error,
    )


def estimate_workflow_cost(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    node_ids: set[str] | None = None,
    costs: CostCalculator | None = None,
) -> WorkflowCostEstimate:
    """What the LLM calls of a workflow's agent and orchestration nodes would likely cost.

    Args:
        session: a session (only read).
        principal: the caller (it must be allowed to see the workflow).
        workflow_id: the workflow.
        node_ids: only these nodes (e.g. the ones an explicit run would run); None: all.
        costs: the price calculator; the `provider_pricing` prices by default, as for runs.

    Returns:
        One entry per LLM node that would call a model, in the workflow's node order, the
        totals, and the budgets covering the workflow with what is left of each this month.
        A workflow without LLM nodes gets no entries and a total of 0.

    Raises:
        NotFoundError: no such workflow (or it is deleted), or a node id not in it.
    """
    spec = current_spec(session, principal=principal, workflow_id=workflow_id)
    if node_ids is not None:
        unknown = sorted(node_ids - {n.id for n in spec.nodes})
        if unknown:
            raise NotFoundError(f"Node(s) {', '.join(unknown)} not found in workflow {workflow_id}")
    settings = current_llm_settings()
    calculator = costs if costs is not None else CostCalculator()
    selected = [
        n
        for n in spec.nodes
        if n.type in LLM_NODE_TYPES
        and (node_ids is None or n.id in node_ids)
        and not n.disabled
        and n.pinned_output is None
    ]
    # Stored keys and switches decide the provider, as they do for a run's calls.
    token = use_provider_lookup(settings.lookup)
    try:
        nodes = [_node_estimate(n, settings.model_map, calculator) for n in selected]
    finally:
        reset_provider_lookup(token)
    calls = [c for n in nodes for c in n.calls]
    total_usd = sum(c.cost_usd for c in calls if c.cost_usd is not None)
    covering = budget_status(session, principal=principal, workflow_id=workflow_id)
    total_micros = round(total_usd * MICROS_PER_USD)
    return WorkflowCostEstimate(
        nodes=nodes,
        total_usd=total_usd,
        any_unknown_price=any(c.cost_usd is None for c in calls) or any(n.error for n in nodes),
        uses_mock=any(c.is_mock for c in calls),
        budgets=covering,
        over_budget=any(
            b.enforce and (b.remaining_micros == 0 or total_micros > b.remaining_micros)
            for b in covering
        ),
    )
