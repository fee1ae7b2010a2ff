"""The history panel's state on a real database: commits, paging, compare with the canvas
diff, restore reloading the canvas, tags that move, running a version, and what a viewer
may not do."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import reflex as rx

from app.models.account import Role
from app.models.execution import Execution
from app.models.sharing import ShareCreate, SharePermission
from app.models.version_run import VersionStats
from app.services import execution_reads, sharing
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.editor_ab_state import AbState
from app.ui.state.editor_ab_views import cell, version_ref
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_inspector_state import InspectorState
from app.ui.state.editor_selection_state import SelectionState
from app.ui.state.editor_version_views import diff_canvas, stats_line
from app.ui.state.editor_versions_state import VersionsState
from tests.documents import chain, node
from tests.records import make_workflow
from tests.services.conftest import stop_runs  # noqa: F401  (autouse fixture)
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


def two_nodes() -> dict[str, Any]:
    return chain(node("start", "manual_trigger"), node("a", "transform", template="A"))


async def page(workflow_id: int) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    return root


async def rename(root: rx.State, node_id: str, name: str) -> None:
    (await root.get_state(SelectionState)).choose([node_id])
    await (await root.get_state(InspectorState)).rename(name)


async def test_commit_compare_and_restore_show_the_right_canvas() -> None:
    root = await page(make_workflow(two_nodes(), "History"))
    versions = await root.get_state(VersionsState)
    document = await root.get_state(DocumentState)
    await versions.toggle_history()
    await versions.commit_version()
    first = versions.total
    await rename(root, "a", "Renamed")
    versions.set_commit_message("rename a")
    await versions.commit_version()  # saves the unsaved rename first
    assert versions.versions[0].kind == "commit"
    assert versions.versions[0].message == "rename a"
    assert versions.total == first + 1

    await versions.compare_with_current(first)
    assert versions.diff_active and versions.compare_summary == "1 node changed"
    assert [(f.name, f.path, f.old, f.new) for f in versions.compare_fields] == [
        ("Renamed", "name", "a", "Renamed")
    ]
    status = {n["id"]: n["data"]["diff"] for n in versions.diff_nodes}
    assert status == {"start": "unchanged", "a": "modified"}

    await versions.ask_restore(first)
    assert versions.restore_open and versions.restore_summary == "1 node changed"
    await versions.confirm_restore()
    assert not versions.restore_open and not versions.diff_active
    assert {n["data"]["label"] for n in document.rf_nodes} == {"start", "a"}
    assert versions.versions[0].kind == "restore"


async def test_a_tag_moving_says_so_and_runs_start_an_execution() -> None:
    root = await page(make_workflow(two_nodes(), "Tags"))
    versions = await root.get_state(VersionsState)
    await versions.toggle_history()
    await versions.commit_version()
    await rename(root, "a", "Two")
    await versions.commit_version()
    versions.start_tag(1)
    versions.set_tag_name("production")
    await versions.save_tag()
    assert versions.versions[-1].tags == ["production"]
    versions.start_tag(2)
    versions.set_tag_name("production")
    assert versions.tag_note == "Moves 'production' from version 1"
    await versions.save_tag()
    assert versions.versions[0].tags == ["production"] and versions.versions[-1].tags == []

    await versions.run_version(0, "production")
    with session_scope(read_only=True) as session:
        ran = session.query(Execution).filter_by(workflow_id=versions.workflow_id).all()
    assert [run.version_number for run in ran] == [2]
    assert ran[0].id is not None
    await execution_reads.wait_for_execution(execution_id=ran[0].id, timeout_s=20)
    await versions.load_history()
    assert versions.versions[0].stats.startswith("1 run · 100% succeeded · avg ")
    assert versions.versions[-1].stats == ""  # v1 never ran


async def test_a_viewer_sees_history_but_cannot_restore_commit_or_run(act_as: Any) -> None:
    workflow_id = make_workflow(two_nodes(), "Viewer")
    viewer = _user("vic@example.com", Role.VIEWER)
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=ShareCreate(email="vic@example.com", permission=SharePermission.VIEWER),
        )
    act_as(viewer)
    root = await page(workflow_id)
    versions = await root.get_state(VersionsState)
    await versions.toggle_history()
    assert versions.total >= 1 and not versions.can_change
    await versions.commit_version()
    await versions.run_version(1)
    with session_scope(read_only=True) as session:
        assert session.query(Execution).filter_by(workflow_id=workflow_id).count() == 0


def test_the_canvas_diff_marks_added_removed_and_modified_nodes() -> None:
    old = chain(node("s", "manual_trigger"), node("gone", "transform"), node("m", "transform"))
    new = chain(node("s", "manual_trigger"), node("m", "transform", template="x"))
    new["nodes"].append(node("fresh", "transform"))
    changes = {
        "nodes": [
            {"id": "gone", "kind": "removed"},
            {"id": "m", "kind": "modified", "fields": [{"path": ["config", "template"]}]},
            {"id": "fresh", "kind": "added"},
        ],
        "edges": [],
    }
    nodes, edges = diff_canvas(old, new, changes)
    assert {n["id"]: n["data"]["diff"] for n in nodes} == {
        "s": "unchanged",
        "m": "modified",
        "fresh": "added",
        "gone": "removed",
    }
    assert next(n for n in nodes if n["id"] == "m")["data"]["diffTip"] == "Changed: config.template"
    assert {e["id"]: e["className"] for e in edges if e["className"]} == {
        "s-gone": "fb-edge-removed",
        "gone-m": "fb-edge-removed",
    }


async def test_an_ab_run_compares_two_versions_node_by_node() -> None:
    root = await page(make_workflow(two_nodes(), "AB"))
    versions = await root.get_state(VersionsState)
    await versions.toggle_history()
    await versions.commit_version()
    (await root.get_state(SelectionState)).choose(["a"])
    await (await root.get_state(InspectorState)).set_field("template", "B")
    await versions.commit_version()
    ab = await root.get_state(AbState)
    await ab.open_ab()
    assert (ab.ab_a, ab.ab_b) == ("v1", "v2")
    ab.set_ab_input("{nope")
    await ab.run_ab()
    assert ab.ab_error.startswith("The input is not valid JSON")
    ab.set_ab_input('{"x": 1}')
    assert await ab.run_ab() is AbState.follow_ab
    for _ in range(100):
        if await ab.read_ab():
            break
        await asyncio.sleep(0.1)
    assert not ab.ab_running
    rows = {row.name: row for row in ab.ab_rows}
    assert rows["a"].a.output == "A" and rows["a"].b.output == "B" and rows["a"].differs
    assert not rows["start"].differs
    assert ab.ab_totals.a.status == ab.ab_totals.b.status == "succeeded"


def test_a_long_output_is_cut_with_the_whole_text_kept() -> None:
    shown = cell("succeeded", "x" * 200, 1500.0, 0.0123)
    assert len(shown.output) == 80 and shown.full == "x" * 200
    assert (shown.duration, shown.cost) == ("1.50 s", "$0.0123")
    assert cell("succeeded", {"k": 1}, None, None).full == ""
    assert version_ref("v3").version == 3 and version_ref("production").tag == "production"


def test_a_removed_ghost_never_covers_a_card_of_the_newer_version() -> None:
    old = {"nodes": [{**node("gone", "transform"), "position": {"x": 640, "y": 0}}], "edges": []}
    new = {"nodes": [{**node("fresh", "transform"), "position": {"x": 650, "y": 10}}], "edges": []}
    changes = {"nodes": [{"id": "gone", "kind": "removed"}, {"id": "fresh", "kind": "added"}]}
    nodes, _ = diff_canvas(old, new, changes)
    at = {n["id"]: n["position"] for n in nodes}
    assert at["fresh"] == {"x": 650, "y": 10} and at["gone"] == {"x": 640, "y": 220}


def test_a_version_s_runs_read_in_one_line() -> None:
    stats = VersionStats(
        version_id=1,
        version_number=3,
        runs=4,
        finished=4,
        succeeded=3,
        success_rate=0.75,
        avg_duration_ms=1234.0,
        p95_duration_ms=2000.0,
        avg_cost_usd=0.00125,
    )
    assert stats_line(stats) == "4 runs · 75% succeeded · avg 1.23 s · p95 2.00 s · avg $0.0013"
    assert stats_line(None) == ""
