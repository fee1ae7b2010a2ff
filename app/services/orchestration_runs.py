"""An orchestration's run history: each agent's answer, votes, winner, disagreement, tokens,
cost and latency side by side, read from the orchestration node's node run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.engine.consensus import normalize_answer
from app.models.execution import ExecutionPublic
from app.models.orchestration import AgentAnswer, OrchestrationRun, OrchestrationRunsPage
from app.services import execution_store as store
from app.services.access import Action
from app.services.execution_reads import list_executions
from app.services.llm_usage import node_usage
from app.services.orchestrations import ORCHESTRATION_TYPE, load_orchestration
from app.services.principal import Principal


def _agent(report: dict[str, Any], winner: str | None) -> AgentAnswer:
    tokens = report.get("tokens") or {}
    text = report.get("text")
    agrees = None
    if winner is not None and isinstance(text, str):
        agrees = normalize_answer(text) == normalize_answer(winner)
    return AgentAnswer(
        name=str(report.get("name", "")),
        model=report.get("model"),
        provider=report.get("provider"),
        text=text,
        tokens_in=tokens.get("input"),
        tokens_out=tokens.get("output"),
        cost_usd=report.get("cost_usd"),
        latency_ms=report.get("latency_ms"),
        is_mock=bool(report.get("is_mock")),
        weight=report.get("weight"),
        agrees_with_winner=agrees,
    )


def _run(execution: ExecutionPublic, node_run: Any) -> OrchestrationRun:
    run = OrchestrationRun(
        execution_id=execution.id,
        status=execution.status,
        input=execution.input,
        error=execution.error,
        created_at=execution.created_at,
        started_at=execution.started_at,
        finished_at=execution.finished_at,
    )
    if node_run is None:
        return run
    output = node_run.output if isinstance(node_run.output, dict) else {}
    winner = output.get("answer") if output.get("strategy") == "consensus" else None
    winner = winner if isinstance(winner, str) else None
    usage = node_usage(ORCHESTRATION_TYPE, output)
    run.strategy = output.get("strategy")
    run.voting = output.get("voting")
    run.answer = output.get("answer")
    run.winner = winner
    run.votes = output.get("votes") or {}
    run.disagreement = output.get("disagreement")
    tie = output.get("tie")
    if isinstance(tie, dict):
        run.tie_answers = [str(answer) for answer in tie.get("answers") or ()]
        run.tie_rule = str(tie.get("rule") or "") or None
    run.agents = [_agent(report, winner) for report in output.get("agents") or ()]
    run.judge = output.get("judge")
    run.tokens_in, run.tokens_out, run.cost_usd = usage.tokens_in, usage.tokens_out, usage.cost_usd
    run.latency_ms = node_run.duration_ms
    run.is_mock = usage.is_mock
    run.error = run.error or node_run.error
    return run


def orchestration_runs(
    session: Session,
    *,
    principal: Principal,
    orchestration_id: int,
    offset: int = 0,
    limit: int = 20,
) -> OrchestrationRunsPage:
    """Runs of an orchestration, newest first.

    Raises:
        NotFoundError: no such orchestration, or the caller may not see it.
        InvalidInputError: bad offset or limit.
    """
    load_orchestration(session, principal, orchestration_id, Action.READ)
    page = list_executions(
        session, principal=principal, workflow_id=orchestration_id, offset=offset, limit=limit
    )
    ids = [execution.id for execution in page.items]
    node_runs = store.NODE_RUNS
    rows = session.connection().execute(
        select(node_runs)
        .where(
            node_runs.c.execution_id.in_(ids),
            node_runs.c.node_type == ORCHESTRATION_TYPE,
        )
        .order_by(node_runs.c.id)
    )
    # The last attempt of each execution's orchestration node wins.
    last = {row.execution_id: row for row in rows}
    items = [_run(execution, last.get(execution.id)) for execution in page.items]
    return OrchestrationRunsPage(items=items, total=page.total)
