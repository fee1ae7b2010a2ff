"""Two people edit one workflow in two editors: the later save finds the newer version and
asks; merging keeps both changes, keeping mine saves over theirs (still in the history),
reloading drops mine. Nothing is lost silently."""

from __future__ import annotations

from typing import Any

import pytest
import reflex as rx
from sqlmodel import select

from app.models.account import Role
from app.models.version import WorkflowVersion
from app.services import workflows
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.editor_conflict_state import ConflictState
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_inspector_state import InspectorState
from app.ui.state.editor_selection_state import SelectionState
from tests.documents import chain, node
from tests.records import make_workflow
from tests.services.conftest import stop_runs  # noqa: F401  (autouse fixture)
from tests.ui.state.conftest import ActAs
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url")


def three_nodes() -> dict[str, Any]:
    return chain(
        node("start", "manual_trigger"),
        node("a", "transform", template="A"),
        node("b", "transform", template="B"),
    )


async def editor(act_as: ActAs, who: Principal, workflow_id: int) -> rx.State:
    act_as(who)
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    return root


async def rename_and_save(
    act_as: ActAs, who: Principal, root: rx.State, node_id: str, name: str
) -> str | None:
    act_as(who)
    (await root.get_state(SelectionState)).choose([node_id])
    await (await root.get_state(InspectorState)).rename(name)
    return await (await root.get_state(DocumentState)).save_now()


def names(workflow_id: int, who: Principal) -> dict[str, str]:
    with session_scope(read_only=True) as session:
        stored = workflows.get_workflow(session, principal=who, workflow_id=workflow_id)
    return {n["id"]: n["name"] for n in stored.definition["nodes"]}


@pytest.fixture
def two_people(act_as: ActAs) -> tuple[Principal, Principal, int]:
    ada, bob = _user("ada@example.com", Role.ADMIN), _user("bob@example.com", Role.ADMIN)
    return ada, bob, make_workflow(three_nodes(), "Shared")


async def test_the_later_save_asks_and_a_merge_keeps_both_changes(
    act_as: ActAs, two_people: tuple[Principal, Principal, int]
) -> None:
    ada, bob, workflow_id = two_people
    ada_editor = await editor(act_as, ada, workflow_id)
    bob_editor = await editor(act_as, bob, workflow_id)
    assert await rename_and_save(act_as, ada, ada_editor, "a", "Ada's") is None
    refused = await rename_and_save(act_as, bob, bob_editor, "b", "Bob's")
    bob_document = await bob_editor.get_state(DocumentState)
    assert refused and "Someone saved this workflow" in bob_document.conflict
    assert names(workflow_id, bob)["b"] == "b"  # not saved over Ada's version

    await (await bob_editor.get_state(ConflictState)).merge()
    assert bob_document.conflict == "" and not bob_document.dirty
    assert names(workflow_id, bob) == {"start": "start", "a": "Ada's", "b": "Bob's"}
    assert (await bob_editor.get_state(ConflictState)).clashes == []
    # Ada's next save is refused in turn: Bob's merge is newer than what she has.
    assert await rename_and_save(act_as, ada, ada_editor, "start", "Go")


async def test_a_clash_keeps_mine_and_says_so(
    act_as: ActAs, two_people: tuple[Principal, Principal, int]
) -> None:
    ada, bob, workflow_id = two_people
    ada_editor = await editor(act_as, ada, workflow_id)
    bob_editor = await editor(act_as, bob, workflow_id)
    await rename_and_save(act_as, ada, ada_editor, "a", "Ada's")
    assert await rename_and_save(act_as, bob, bob_editor, "a", "Bob's")
    conflict = await bob_editor.get_state(ConflictState)
    await conflict.merge()
    assert names(workflow_id, bob)["a"] == "Bob's"
    assert len(conflict.clashes) == 1 and "kept yours" in conflict.clashes[0]


async def test_keep_mine_saves_over_theirs_which_stays_in_the_history(
    act_as: ActAs, two_people: tuple[Principal, Principal, int]
) -> None:
    ada, bob, workflow_id = two_people
    ada_editor = await editor(act_as, ada, workflow_id)
    bob_editor = await editor(act_as, bob, workflow_id)
    await rename_and_save(act_as, ada, ada_editor, "a", "Ada's")
    assert await rename_and_save(act_as, bob, bob_editor, "b", "Bob's")
    await (await bob_editor.get_state(ConflictState)).keep_mine()
    assert names(workflow_id, bob) == {"start": "start", "a": "a", "b": "Bob's"}
    with session_scope(read_only=True) as session:
        documents = session.exec(
            select(WorkflowVersion.definition)
            .where(WorkflowVersion.workflow_id == workflow_id)
            .order_by(WorkflowVersion.number)  # type: ignore[arg-type]
        ).all()
    a_names = [{n["id"]: n["name"] for n in d["nodes"]}["a"] for d in documents]
    assert a_names[-2:] == ["Ada's", "a"]  # hers, then mine over it


async def test_reload_theirs_drops_mine(
    act_as: ActAs, two_people: tuple[Principal, Principal, int]
) -> None:
    ada, bob, workflow_id = two_people
    ada_editor = await editor(act_as, ada, workflow_id)
    bob_editor = await editor(act_as, bob, workflow_id)
    await rename_and_save(act_as, ada, ada_editor, "a", "Ada's")
    assert await rename_and_save(act_as, bob, bob_editor, "b", "Bob's")
    await (await bob_editor.get_state(ConflictState)).reload_theirs()
    document = await bob_editor.get_state(DocumentState)
    assert document.conflict == "" and not document.dirty
    assert {n["id"]: n["name"] for n in document.document()["nodes"]}["a"] == "Ada's"
    assert await rename_and_save(act_as, bob, bob_editor, "b", "Bob's") is None
