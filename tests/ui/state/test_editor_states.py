"""The editor's substates on a real database: opening, edits and history, field limits,
refused cycles, the test input kept per workflow, and live statuses from run events."""

from __future__ import annotations

from typing import Any

import pytest
import reflex as rx

from app.services import reactive_runs
from app.services import workflows as workflow_service
from app.services.db_threads import run_db
from app.services.principal import SYSTEM
from app.services.run_events import NodeSummary, RunEvent, get_run_events
from app.services.unit_of_work import session_scope
from app.ui.state.budgets_state import BudgetsState
from app.ui.state.editor_canvas_state import CanvasState
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_inspector_state import InspectorState
from app.ui.state.editor_run_io import ended, next_batch, read_states
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_selection_state import SelectionState
from tests.documents import chain, node
from tests.records import make_workflow
from tests.services.conftest import stop_runs  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


def stored(workflow_id: int) -> Any:
    with session_scope(read_only=True) as session:
        return workflow_service.get_workflow(session, principal=SYSTEM, workflow_id=workflow_id)


def three_nodes() -> dict[str, Any]:
    return chain(
        node("start", "manual_trigger"),
        node("a", "transform", template="{{ input }}A"),
        node("b", "transform", template="{{ input }}B"),
    )


async def page(workflow_id: int) -> rx.State:
    """A fresh browser session's state tree with the workflow opened (a page load)."""
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    return root


async def test_opening_shows_the_document_and_edits_undo_and_redo() -> None:
    root = await page(make_workflow(three_nodes(), "Edits"))
    document = await root.get_state(DocumentState)
    canvas = await root.get_state(CanvasState)
    assert [n["id"] for n in document.rf_nodes] == ["start", "a", "b"]
    assert not document.dirty and not document.can_undo

    await canvas.drop_node({"type": "transform", "x": 600, "y": 0})
    assert len(document.rf_nodes) == 4 and document.dirty and document.can_undo
    assert (await root.get_state(SelectionState)).sel_id == "transform_1"
    await document.undo()
    assert len(document.rf_nodes) == 3 and document.can_redo
    await document.redo()
    assert len(document.rf_nodes) == 4
    assert await document.save_now() is None
    assert len(stored(document.workflow_id).definition["nodes"]) == 4
    assert not document.dirty


async def test_a_too_long_name_is_refused_inline_and_saving_still_works() -> None:
    workflow_id = make_workflow(three_nodes(), "Limits")
    root = await page(workflow_id)
    selection = await root.get_state(SelectionState)
    inspector = await root.get_state(InspectorState)
    document = await root.get_state(DocumentState)
    selection.choose(["a"])

    await inspector.rename("x" * 20_000)
    assert selection.name_error == "At most 200 characters (20,000 typed)"
    assert not document.dirty  # the refused name never entered the document
    await inspector.set_retries("99")
    assert "less than or equal to 10" in selection.retries_error
    await inspector.rename("Shout")
    assert selection.name_error == ""
    assert await document.save_now() is None
    names = [n["name"] for n in stored(workflow_id).definition["nodes"]]
    assert names == ["start", "Shout", "b"]


async def test_a_connection_closing_a_cycle_is_refused_with_the_reason() -> None:
    root = await page(make_workflow(three_nodes(), "Cycle"))
    canvas = await root.get_state(CanvasState)
    await canvas.connect_nodes(
        {"source": "b", "source_handle": "out", "target": "a", "target_handle": "in"}
    )
    assert "cycle" in canvas.refused
    assert "a already leads to b" in canvas.refused
    assert len((await root.get_state(DocumentState)).rf_edges) == 2


async def test_each_workflow_keeps_its_own_test_input_across_page_loads() -> None:
    first, second = make_workflow(three_nodes(), "First"), make_workflow(three_nodes(), "Second")
    run = await (await page(first)).get_state(RunState)
    await run.save_run_input('{"who": "first"}')
    run = await (await page(second)).get_state(RunState)
    assert run.run_input == ""
    await run.save_run_input('{"who": "second"}')
    await run.save_run_input("{broken")
    assert run.run_input_error.startswith("Not valid JSON")

    assert '"first"' in (await (await page(first)).get_state(RunState)).run_input
    assert '"second"' in (await (await page(second)).get_state(RunState)).run_input
    assert stored(first).test_input == {"who": "first"}


async def test_run_events_update_the_cards_as_they_come() -> None:
    workflow_id = make_workflow(three_nodes(), "Live")
    root = await page(workflow_id)
    run = await root.get_state(RunState)
    run.run_active = True
    bus = get_run_events()
    async with bus.subscription(workflow_id=workflow_id) as sub:
        bus.publish(RunEvent(41, workflow_id, "node_started", "a", "running"))
        done, _ = await run.show_events(await next_batch(sub, 1.0), 41)
        # Only the changed card is pushed; the canvas merges it into the statuses it has.
        assert not done and list(run.live.statuses) == ["a"]
        assert run.live.statuses["a"].status == "running"

        summary = NodeSummary(attempt=1, duration_ms=3.0, has_output=True, output_preview="xA")
        bus.publish(RunEvent(41, workflow_id, "node_finished", "a", "succeeded", summary))
        bus.publish(RunEvent(99, workflow_id, "node_started", "b", "running"))  # another run
        done, _ = await run.show_events(await next_batch(sub, 1.0), 41)
        assert (run.live.statuses["a"].status, run.live.statuses["a"].preview) == (
            "succeeded",
            "xA",
        )
        assert "b" not in run.live.statuses

        # An edit during the run keeps what the run showed.
        run.refresh_statuses()
        assert run.statuses["a"].preview == "xA" and run.statuses["b"].status == "pending"

        bus.publish(RunEvent(41, workflow_id, "execution_finished", status="failed", error="x"))
        done, events = await run.show_events(await next_batch(sub, 1.0), 41, {})
        # The inspector and the budget banners are refreshed, and a toast says how it ended.
        assert done and not run.run_active and len(events) == 3
        assert events[:2] == [SelectionState.refresh_inspector, BudgetsState.refresh]
        assert run.statuses["a"].status == "pending"  # the stored states, read once, rule


async def test_a_real_run_reaches_the_cards_through_its_events() -> None:
    workflow_id = make_workflow(three_nodes(), "Real run")
    root = await page(workflow_id)
    run = await root.get_state(RunState)
    run.run_active = True
    seen: list[str] = []
    async with get_run_events().subscription(workflow_id=workflow_id) as sub:
        execution = await reactive_runs.start_reactive_run_async(
            principal=SYSTEM, workflow_id=workflow_id, mode="all"
        )
        done = False
        while not done:
            batch = await next_batch(sub, 10.0)
            assert batch, "the runner published nothing"
            states = (
                await run_db(read_states, SYSTEM, workflow_id)
                if any(ended(e, execution.id) for e in batch)
                else None
            )
            done, _ = await run.show_events(batch, execution.id, states)
            seen.extend(f"{n}:{s.status}" for n, s in run.live.statuses.items())
    assert "a:running" in seen or "a:succeeded" in seen
    assert {n: s.status for n, s in run.statuses.items()} == dict.fromkeys(
        ("start", "a", "b"), "succeeded"
    )
    assert run.statuses["b"].preview.endswith("AB")


async def test_a_run_that_fails_unexpectedly_lets_the_next_run_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workflow_id = make_workflow(three_nodes(), "Database down")
    root = await page(workflow_id)
    run = await root.get_state(RunState)

    async def database_down(**_: Any) -> Any:
        raise RuntimeError("database is locked")

    # A database failure while the run starts (not a ServiceError).
    monkeypatch.setattr(reactive_runs, "start_reactive_run_async", database_down)
    assert await run.run_all() == RunState.follow_run
    assert run.run_active

    toast = await RunState.follow_run.fn(run)

    assert "could not be started" in str(toast)
    assert not run.run_active
    assert await run.run_all() == RunState.follow_run  # not "A run is already in progress"
