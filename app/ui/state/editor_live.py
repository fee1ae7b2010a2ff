"""Node statuses on the canvas: from the stored states, unsaved edits and pushed run events.

Pure functions (no state, no database): the run state calls them and tests check them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from app.engine.spec import WorkflowSpec
from app.engine.staleness import stale_nodes
from app.models.node_cache import NodeState
from app.services.run_events import RunEvent
from app.ui.state.display import format_ms
from app.ui.state.editor_models import NodeRunState, NodeStatus
from app.ui.state.editor_views import PREVIEW_CHARS, status_entry

MAX_KEYS = 20
# Statuses a "run stale" re-runs besides stale nodes.
NEEDS_RUN = frozenset({"pending", "failed", "cancelled"})


def latest_run(state: NodeState) -> NodeRunState:
    """The editor's view of a node's stored latest state (full output read once)."""
    has_output = state.status in ("succeeded", "cached") or state.pinned
    card = status_entry(
        state.status, state.output, state.error, stale=state.stale, has_output=has_output
    )
    card.duration = format_ms(state.duration_ms) if state.duration_ms is not None else ""
    return NodeRunState(
        card=card,
        ran=True,
        stale=state.stale,
        has_output=has_output,
        keys=[str(k) for k in state.output][:MAX_KEYS] if isinstance(state.output, dict) else [],
        execution_id=state.execution_id or 0,
    )


def edited_nodes(saved: dict[str, Any], document: dict[str, Any]) -> set[str]:
    """Nodes that unsaved edits made stale (changed, or downstream of a change)."""
    try:
        return stale_nodes(WorkflowSpec.from_document(saved), WorkflowSpec.from_document(document))
    except ValidationError:
        return set()


def card_statuses(
    document: dict[str, Any], nodes: dict[str, NodeRunState], edited: set[str]
) -> dict[str, NodeStatus]:
    """What every card shows: its latest run, stale when that or an unsaved edit says so."""
    statuses: dict[str, NodeStatus] = {}
    for node in document.get("nodes", []):
        node_id = str(node.get("id"))
        latest = nodes.get(node_id)
        if latest is None:
            statuses[node_id] = NodeStatus()
            continue
        stale = (latest.stale or node_id in edited) and latest.ran
        statuses[node_id] = replace(latest.card, stale=stale)
    return statuses


def queued_nodes(mode: str, statuses: dict[str, NodeStatus], node_id: str | None) -> list[str]:
    """The nodes a run of this mode is expected to touch (shown `queued` until they start)."""
    if mode == "all":
        return list(statuses)
    if mode == "stale":
        return [n for n, s in statuses.items() if s.stale or s.status in NEEDS_RUN]
    return [node_id] if node_id else []


def apply_run_event(
    nodes: dict[str, NodeRunState], statuses: MutableMapping[str, NodeStatus], event: RunEvent
) -> None:
    """Show one node event: `running` when it starts; status, time and preview when it ends.

    Updates `nodes` and `statuses` in place (pass copies, or a ChainMap whose first map
    collects the changes); other events are ignored.
    """
    node_id = event.node_id
    if node_id is None or node_id not in statuses:
        return
    if event.kind == "node_started":
        statuses[node_id] = replace(statuses[node_id], status="running", stale=False, error="")
        return
    if event.kind != "node_finished":
        return
    summary = event.summary
    error = (summary.error if summary else None) or ""
    has_output = bool(summary and summary.has_output) and not error
    card = NodeStatus(
        status=event.status,
        error=error.splitlines()[0][:PREVIEW_CHARS] if error else "",
        preview=summary.output_preview[:PREVIEW_CHARS] if summary and has_output else "",
        duration=format_ms(summary.duration_ms) if summary and summary.duration_ms else "",
    )
    statuses[node_id] = card
    nodes[node_id] = NodeRunState(
        card=card,
        ran=True,
        has_output=has_output,
        keys=list(summary.output_keys)[:MAX_KEYS] if summary else [],
        execution_id=event.execution_id,
    )
