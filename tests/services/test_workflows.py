"""Workflow services on SQLite and PostgreSQL: CRUD, validation, search, soft delete, copy."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from app.models.workflow import Workflow, WorkflowCreate, WorkflowUpdate
from app.services import workflow_list, workflows
from app.services.errors import InvalidInputError, InvalidWorkflowError, NotFoundError
from app.services.principal import SYSTEM
from tests.documents import chain, edge, greeting, node


def create(session: Session, name: str = "Flow", **extra: Any) -> Any:
    data = WorkflowCreate(name=name, definition=extra.pop("definition", greeting()), **extra)
    return workflows.create_workflow(session, principal=SYSTEM, data=data)


def test_create_and_get_round_trip(session: Session) -> None:
    created = create(session, "  Greeter  ", description="says hi")
    fetched = workflows.get_workflow(session, principal=SYSTEM, workflow_id=created.id)
    assert fetched.name == "Greeter"
    assert fetched.description == "says hi"
    assert [n["id"] for n in fetched.definition["nodes"]] == ["start", "greet", "result"]
    assert fetched.definition["schema"] == 1
    assert fetched.problems == []
    assert fetched.created_at.tzinfo is not None
    assert fetched.deleted_at is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        WorkflowCreate(name=name)
    with pytest.raises(ValidationError):
        WorkflowUpdate(name=name)


def test_malformed_definition_is_refused_with_node_problems_and_nothing_written(
    session: Session,
) -> None:
    document = greeting()
    document["nodes"][1]["retries"] = "many"
    with pytest.raises(InvalidWorkflowError) as caught:
        create(session, definition=document)
    assert caught.value.problems
    assert any(p.node_id == "greet" for p in caught.value.problems)
    assert session.exec(select(func.count()).select_from(Workflow)).one() == 0


def test_graph_problems_do_not_block_saving_but_are_reported(session: Session) -> None:
    document = chain(
        node("start", "manual_trigger"),
        node("a", "transform", template="{{ input }}"),
        node("b", "transform", template="{{ input }}"),
    )
    document["edges"].append(edge("b", "a"))
    saved = create(session, definition=document)
    assert "cycle" in {p.code for p in saved.problems}
    assert {"a", "b"} <= {p.node_id for p in saved.problems if p.code == "cycle"}
    assert (
        workflows.get_workflow(session, principal=SYSTEM, workflow_id=saved.id).problems
        == saved.problems
    )


def test_update_changes_only_given_fields_and_validates(session: Session) -> None:
    created = create(session, "Before", description="old")
    renamed = workflows.update_workflow(
        session, principal=SYSTEM, workflow_id=created.id, data=WorkflowUpdate(name="After")
    )
    assert (renamed.name, renamed.description) == ("After", "old")
    assert renamed.updated_at >= created.updated_at
    shorter = chain(node("start", "manual_trigger"), node("result", "output"))
    saved = workflows.update_workflow(
        session, principal=SYSTEM, workflow_id=created.id, data=WorkflowUpdate(definition=shorter)
    )
    assert [n["id"] for n in saved.definition["nodes"]] == ["start", "result"]

    with pytest.raises(InvalidWorkflowError):
        workflows.update_workflow(
            session,
            principal=SYSTEM,
            workflow_id=created.id,
            data=WorkflowUpdate(definition={"nodes": "no"}),
        )
    after = workflows.get_workflow(session, principal=SYSTEM, workflow_id=created.id)
    assert [n["id"] for n in after.definition["nodes"]] == ["start", "result"]


def test_missing_workflow_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        workflows.get_workflow(session, principal=SYSTEM, workflow_id=999)
    with pytest.raises(NotFoundError):
        workflows.update_workflow(
            session, principal=SYSTEM, workflow_id=999, data=WorkflowUpdate(name="x")
        )


def test_soft_delete_hides_and_restore_brings_back(session: Session) -> None:
    kept = create(session, "Kept")
    gone = create(session, "Gone")
    deleted = workflows.delete_workflow(session, principal=SYSTEM, workflow_id=gone.id)
    assert deleted.deleted_at is not None
    assert session.get(Workflow, gone.id) is not None  # still in the table

    with pytest.raises(NotFoundError):
        workflows.get_workflow(session, principal=SYSTEM, workflow_id=gone.id)
    with pytest.raises(NotFoundError):
        workflows.delete_workflow(session, principal=SYSTEM, workflow_id=gone.id)
    assert (
        workflows.get_workflow(
            session, principal=SYSTEM, workflow_id=gone.id, include_deleted=True
        ).name
        == "Gone"
    )
    assert [w.id for w in workflow_list.list_workflows(session, principal=SYSTEM).items] == [
        kept.id
    ]
    every = workflow_list.list_workflows(session, principal=SYSTEM, include_deleted=True)
    assert {w.id for w in every.items} == {kept.id, gone.id}

    restored = workflows.restore_workflow(session, principal=SYSTEM, workflow_id=gone.id)
    assert restored.deleted_at is None
    assert workflow_list.list_workflows(session, principal=SYSTEM).total == 2


def test_duplicate_copies_definition_under_a_new_name(session: Session) -> None:
    original = create(session, "Original", description="d")
    copy = workflows.duplicate_workflow(session, principal=SYSTEM, workflow_id=original.id)
    assert copy.id != original.id
    assert copy.name == "Original (copy)"
    assert copy.description == "d"
    assert copy.definition == original.definition
    long_name = create(session, "n" * 200)
    long_copy = workflows.duplicate_workflow(session, principal=SYSTEM, workflow_id=long_name.id)
    assert len(long_copy.name) == 200
    assert long_copy.name.endswith(" (copy)")


def test_search_is_case_insensitive_on_name_and_description(session: Session) -> None:
    create(session, "Invoice sync")
    create(session, "Report", description="monthly INVOICE report")
    create(session, "Other")
    create(session, "100% done_ok")
    found = workflow_list.list_workflows(session, principal=SYSTEM, search="invoice")
    assert {w.name for w in found.items} == {"Invoice sync", "Report"}
    assert found.total == 2
    # LIKE wildcards are matched literally.
    assert [
        w.name for w in workflow_list.list_workflows(session, principal=SYSTEM, search="0% d").items
    ] == ["100% done_ok"]
    assert workflow_list.list_workflows(session, principal=SYSTEM, search="_").total == 1


def test_pagination_returns_pages_and_the_total(session: Session) -> None:
    ids = [create(session, f"Flow {i}").id for i in range(5)]
    first = workflow_list.list_workflows(session, principal=SYSTEM, offset=0, limit=2)
    second = workflow_list.list_workflows(session, principal=SYSTEM, offset=2, limit=2)
    last = workflow_list.list_workflows(session, principal=SYSTEM, offset=4, limit=2)
    assert first.total == second.total == last.total == 5
    seen = [w.id for page in (first, second, last) for w in page.items]
    assert sorted(seen) == sorted(ids)
    assert seen[0] == ids[-1]  # most recently updated first
    assert first.items[0].node_count == 3
    with pytest.raises(InvalidInputError):
        workflow_list.list_workflows(session, principal=SYSTEM, limit=0)
    with pytest.raises(InvalidInputError):
        workflow_list.list_workflows(session, principal=SYSTEM, offset=-1)


def test_validate_definition_lists_every_problem_without_saving() -> None:
    document = greeting()
    document["nodes"].append(node("ghost", "no_such_type"))
    document["edges"].append({"id": "dangling", "source": "result", "target": "nowhere"})
    problems = workflows.validate_definition(definition=document)
    codes = {p.code for p in problems}
    assert {"unknown_type", "dangling_edge"} <= codes
    assert workflows.validate_definition(definition=greeting()) == []
    assert workflows.validate_definition(definition=[1, 2])


def test_search_ignores_nul_characters(session: Session) -> None:
    create(session, "Nightly report")
    page = workflow_list.list_workflows(session, principal=SYSTEM, search="night\x00ly")
    assert [item.name for item in page.items] == ["Nightly report"]
