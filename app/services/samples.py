"""Sample workflows loaded on first start; they run offline, with no API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session, col

from app.models.account import Role, User
from app.models.workflow import Workflow, WorkflowCreate
from app.services.execution_store import WORKFLOWS
from app.services.principal import SYSTEM
from app.services.workflows import create_workflow

SAMPLES_LOCK_ID = 720_415_002
# The same grid as the editor's auto-layout: cards grow with their inline output after a run.
SPACING_X = 300
SPACING_Y = 220
ROW_Y = 200
SAMPLE_ORDER = {"order_id": "A-1042", "customer": "Ada", "total": 142.5, "items": 3}


def _node(
    node_id: str, node_type: str, name: str, column: float, row: float = 0, **config: Any
) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "name": name,
        "position": {"x": column * SPACING_X, "y": ROW_Y + row * SPACING_Y},
        "config": config,
    }


def _edge(source: str, target: str, source_handle: str = "out") -> dict[str, Any]:
    return {
        "id": f"{source}-{source_handle}-{target}",
        "source": source,
        "source_handle": source_handle,
        "target": target,
        "target_handle": "in",
    }


def hello_flowbook() -> WorkflowCreate:
    """Manual trigger -> template -> output."""
    greeting = (
        "Hello, {% if trigger and trigger.name %}{{ trigger.name }}{% else %}Flowbook"
        "{% endif %}! This run started at {{ now }}."
    )
    return WorkflowCreate(
        name="Hello, Flowbook",
        description="The smallest workflow: a manual trigger, a template and an output. "
        'Run it with an input such as {"name": "Ada"}.',
        definition={
            "schema": 1,
            "nodes": [
                _node("start", "manual_trigger", "Start", 0),
                _node("greet", "transform", "Greet", 1, template=greeting),
                _node("result", "output", "Greeting", 2),
            ],
            "edges": [_edge("start", "greet"), _edge("greet", "result")],
        },
    )


def order_triage() -> WorkflowCreate:
    """Trigger -> order (or a sample) -> condition total > 100 -> two transforms -> merge first."""
    return WorkflowCreate(
        name="Order triage",
        description="Routes an order by its total: over 100 goes to review, the rest is "
        "approved. Without an input it uses a sample order.",
        definition={
            "schema": 1,
            "nodes": [
                _node("start", "manual_trigger", "New order", 0),
                _node(
                    "order", "set_variables", "Sample order", 1, variables={"sample": SAMPLE_ORDER}
                ),
                _node(
                    "normalise",
                    "transform",
                    "Order or sample",
                    2,
                    template="{{ trigger if trigger else vars.sample }}",
                ),
                _node(
                    "big",
                    "condition",
                    "Total over 100?",
                    3,
                    mode="if",
                    condition="{{ input.total > 100 }}",
                ),
                _node(
                    "review",
                    "transform",
                    "Send to review",
                    4,
                    -1,
                    template={"order_id": "{{ input.order_id }}", "decision": "review"},
                ),
                _node(
                    "approve",
                    "transform",
                    "Approve",
                    4,
                    1,
                    template={"order_id": "{{ input.order_id }}", "decision": "approved"},
                ),
                _node("join", "merge", "Decision", 5, mode="first"),
                _node("result", "output", "Result", 6),
            ],
            "edges": [
                _edge("start", "order"),
                _edge("order", "normalise"),
                _edge("normalise", "big"),
                _edge("big", "review", "true"),
                _edge("big", "approve", "false"),
                _edge("review", "join"),
                _edge("approve", "join"),
                _edge("join", "result"),
            ],
        },
    )


def parallel_enrichment() -> WorkflowCreate:
    """Trigger -> variables -> two transforms and a delay in parallel -> merge all -> output."""
    return WorkflowCreate(
        name="Parallel enrichment",
        description="Three branches run at the same time and are merged: a profile, a score "
        "and a short wait that stands in for a slow lookup.",
        definition={
            "schema": 1,
            "nodes": [
                _node("start", "manual_trigger", "Start", 0),
                _node(
                    "vars",
                    "set_variables",
                    "Customer",
                    1,
                    variables={"customer": "Ada Lovelace", "orders": 7},
                ),
                _node(
                    "profile",
                    "transform",
                    "Profile",
                    2,
                    -1,
                    template={"name": "{{ vars.customer }}", "segment": "engineer"},
                ),
                _node(
                    "score",
                    "transform",
                    "Score",
                    2,
                    0,
                    template="{{ vars.orders * 10 }}",
                ),
                _node("lookup", "delay", "Slow lookup", 2, 1, seconds=0.2),
                _node("join", "merge", "Combine", 3, mode="all"),
                _node("result", "output", "Enriched", 4),
            ],
            "edges": [
                _edge("start", "vars"),
                _edge("vars", "profile"),
                _edge("vars", "score"),
                _edge("vars", "lookup"),
                _edge("profile", "join"),
                _edge("score", "join"),
                _edge("lookup", "join"),
                _edge("join", "result"),
            ],
        },
    )


def sample_workflows() -> list[WorkflowCreate]:
    """The samples, in the order they are created."""
    return [hello_flowbook(), order_triage(), parallel_enrichment()]


def load_samples(session: Session) -> int:
    """Create the samples when the workflows table is completely empty (deleted rows count).

    Returns:
        How many samples were created (0 when the table already had rows).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Two processes starting at once must not both see an empty table (SQLite's
        # BEGIN IMMEDIATE already serialises this).
        connection.execute(text(f"SELECT pg_advisory_xact_lock({SAMPLES_LOCK_ID})"))
    count = connection.execute(select(func.count()).select_from(WORKFLOWS)).scalar()
    if count:
        return 0
    samples = sample_workflows()
    for data in samples:
        create_workflow(session, principal=SYSTEM, data=data)
    # The samples are the owner's (made before the owner exists, `create_owner` gives them).
    owner = select(col(User.id)).where(col(User.role) == Role.OWNER.value).scalar_subquery()
    session.execute(update(Workflow).where(col(Workflow.owner_id).is_(None)).values(owner_id=owner))
    return len(samples)
