"""The UI as a shared viewer, a shared editor and a stranger sees a workflow, and the Share
dialog's state: refusals inline, shares added, changed and removed (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData

from app.models.account import Role, User
from app.models.orchestration import OrchestrationCreate
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import orchestrations, sharing, workflows
from app.services.executions import queue_execution
from app.services.principal import Principal, principal_of
from app.services.unit_of_work import session_scope
from app.ui.state.editor_canvas_state import CanvasState
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_run_state import RunState
from app.ui.state.executions_state import ExecutionsState
from app.ui.state.orchestration_detail_state import OrchestrationDetailState
from app.ui.state.orchestration_editor_state import OrchestrationEditorState
from app.ui.state.share_state import ShareState, share_data
from app.ui.state.workflows_state import WorkflowsState
from tests.credentials import password_hash
from tests.documents import chain, node
from tests.ui.state.conftest import ActAs

pytestmark = pytest.mark.usefixtures("db_url")


def _user(email: str, role: Role = Role.EDITOR) -> Principal:
    now = utc_now()
    with session_scope() as session:
        user = User(
            email=email,
            name=email.partition("@")[0].title(),
            password_hash=password_hash(),
            role=role.value,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        return principal_of(user)


@pytest.fixture
def people() -> dict[str, Any]:
    """Olga's workflow (with a queued run), shared with Vera as viewer and Ed as editor."""
    olga, vera, ed, sam = (
        _user("olga@example.com"),
        _user("vera@example.com"),
        _user("ed@example.com"),
        _user("sam@example.com"),
    )
    definition = chain(node("start", "manual_trigger"), node("a", "transform", template="x"))
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=olga, data=WorkflowCreate(name="Olga's", definition=definition)
        ).id
        for email, permission in (("vera@example.com", "viewer"), ("ed@example.com", "editor")):
            sharing.share_workflow(
                session,
                principal=olga,
                workflow_id=workflow_id,
                data=ShareCreate(email=email, permission=SharePermission(permission)),
            )
        queue_execution(session, principal=olga, workflow_id=workflow_id)
    return {"olga": olga, "vera": vera, "ed": ed, "sam": sam, "workflow_id": workflow_id}


def _definition(workflow_id: int, who: Principal) -> dict[str, Any]:
    with session_scope(read_only=True) as session:
        found = workflows.get_workflow(session, principal=who, workflow_id=workflow_id)
    return found.definition


async def _editor(workflow_id: int) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    return root


async def test_a_shared_viewer_sees_a_read_only_editor_that_changes_and_runs_nothing(
    people: dict[str, Any], act_as: ActAs
) -> None:
    act_as(people["vera"])
    workflow_id = people["workflow_id"]
    before = _definition(workflow_id, people["olga"])
    root = await _editor(workflow_id)
    document = await root.get_state(DocumentState)
    assert document.found
    assert (document.can_change, document.can_run, document.can_share) == (False, False, False)
    assert document.view_only == "View only — shared with you as viewer"

    moved = await (await root.get_state(CanvasState)).nodes_moved(
        {"moves": [{"id": "a", "x": 999, "y": 999}]}
    )
    assert "not change it" in str(moved)
    await (await root.get_state(CanvasState)).drop_node({"type": "transform", "x": 0, "y": 0})
    assert not document.dirty and len(document.rf_nodes) == 2
    assert "not change it" in str(await document.save())
    run = await root.get_state(RunState)
    assert "not run it" in str(await run.run_all())
    assert not run.run_active
    assert _definition(workflow_id, people["olga"]) == before


async def test_a_shared_editor_may_change_and_run_but_not_share(
    people: dict[str, Any], act_as: ActAs
) -> None:
    act_as(people["ed"])
    root = await _editor(people["workflow_id"])
    document = await root.get_state(DocumentState)
    assert (document.can_change, document.can_run, document.can_share) == (True, True, False)
    assert document.view_only == ""
    await (await root.get_state(CanvasState)).drop_node({"type": "transform", "x": 600, "y": 0})
    assert await document.save_now() is None
    assert len(_definition(people["workflow_id"], people["olga"])["nodes"]) == 3


async def test_a_viewer_role_is_told_its_role_is_why(people: dict[str, Any], act_as: ActAs) -> None:
    viewer = _user("vic@example.com", Role.VIEWER)
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=people["olga"],
            workflow_id=people["workflow_id"],
            data=ShareCreate(email="vic@example.com", permission=SharePermission.EDITOR),
        )
    act_as(viewer)
    document = await (await _editor(people["workflow_id"])).get_state(DocumentState)
    assert not document.can_change
    assert document.view_only == "View only — your role is viewer"


async def test_a_stranger_gets_not_found(people: dict[str, Any], act_as: ActAs) -> None:
    act_as(people["sam"])
    document = await (await _editor(people["workflow_id"])).get_state(DocumentState)
    assert not document.found and not document.can_change


async def test_list_rows_say_what_the_caller_may_do(people: dict[str, Any], act_as: ActAs) -> None:
    root = rx.State(_reflex_internal_init=True)
    listing = await root.get_state(WorkflowsState)
    expected = {
        "olga": (True, True, True, True),
        "ed": (True, True, False, False),
        "vera": (False, False, False, False),
    }
    for who, flags in expected.items():
        act_as(people[who])
        await listing.load()
        [row] = listing.rows
        assert (row.can_change, row.can_run, row.can_delete, row.can_share) == flags, who
    act_as(people["sam"])
    await listing.load()
    assert listing.rows == []
    act_as(people["vera"])
    assert "not run it" in str(await listing.run(people["workflow_id"]))

    executions = await root.get_state(ExecutionsState)
    for who, can_cancel in (("vera", False), ("ed", True)):
        act_as(people[who])
        await executions.load()
        assert [row.can_cancel for row in executions.rows] == [can_cancel], who


async def test_the_share_dialog_shows_refusals_inline_and_changes_shares(
    people: dict[str, Any], act_as: ActAs
) -> None:
    act_as(people["olga"])
    dialog = await rx.State(_reflex_internal_init=True).get_state(ShareState)
    await dialog.open_share(people["workflow_id"], "Olga's")
    assert [(r.email, r.permission) for r in dialog.shares] == [
        ("ed@example.com", "editor"),
        ("vera@example.com", "viewer"),
    ]
    for email, error in (
        ("nobody@example.com", "No active user"),
        ("olga@example.com", "owns this workflow already"),
        ("x", "Enter the e-mail address"),
    ):
        dialog.set_email(email)
        assert await dialog.add() is None
        assert error in dialog.error, email
        assert dialog.email == email  # kept to correct
    dialog.set_email("sam@example.com")
    dialog.set_permission("editor")
    assert "Shared with sam@example.com" in str(await dialog.add())
    assert dialog.error == "" and dialog.email == ""
    await dialog.change_permission("vera@example.com", "editor")
    dialog.ask_remove(people["ed"].user_id, "ed@example.com")
    await dialog.confirm_remove()
    assert [(r.email, r.permission) for r in dialog.shares] == [
        ("sam@example.com", "editor"),
        ("vera@example.com", "editor"),
    ]

    act_as(people["ed"])  # an editor (no longer shared) may not even look
    await dialog.open_share(people["workflow_id"], "Olga's")
    assert "not found" in dialog.error and dialog.shares == []
    act_as(people["vera"])  # an editor by share may look but not share
    await dialog.open_share(people["workflow_id"], "Olga's")
    dialog.set_email("ed@example.com")
    await dialog.add()
    assert "Only its owner or an admin" in dialog.error


def test_the_add_row_is_checked_before_the_service() -> None:
    assert share_data("a@example.com", "owner") == "Choose viewer or editor"
    data = share_data(" a@example.com ", "editor")
    assert not isinstance(data, str) and data.permission == SharePermission.EDITOR


async def test_a_shared_viewer_of_an_orchestration_may_neither_run_nor_save_it(
    people: dict[str, Any], act_as: ActAs
) -> None:
    panel = OrchestrationCreate.model_validate(
        {"name": "Panel", "strategy": "sequential", "agents": [{"name": "A", "model": "mock/a"}]}
    )
    with session_scope() as session:
        orchestration_id = orchestrations.create_orchestration(
            session, principal=people["olga"], data=panel
        ).id
        sharing.share_workflow(
            session,
            principal=people["olga"],
            workflow_id=orchestration_id,
            data=ShareCreate(email="vera@example.com"),
        )
    act_as(people["vera"])
    root = rx.State(_reflex_internal_init=True)
    url = RouterData(url=ReflexURL(f"http://localhost:3000/orchestrations/{orchestration_id}"))
    detail = await root.get_state(OrchestrationDetailState)
    detail.router = url
    await detail.load()
    assert detail.found and not (detail.can_run or detail.can_change or detail.can_delete)
    detail.set_run_input("Cat or dog?")
    assert "not run it" in str(await detail.run())
    form = await root.get_state(OrchestrationEditorState)
    form.router = url
    await form.load()
    assert form.name == "Panel" and not form.can_change
    await form.save()
    assert any("not change it" in error for error in form.form_errors)

    act_as(people["sam"])
    await detail.load()
    assert not detail.found
