"""Workflow versions, on SQLite and PostgreSQL: saves are deduplicated and one author's
autosaves coalesce (but not into a version someone else made, that ran, is tagged or
committed, or is older than the window); commit and restore add versions and never rewrite
history; tags are unique per workflow and their moves are audited; a save based on an older
version than the newest is refused, and the merge with the newest keeps both edits."""

from __future__ import annotations

import copy
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.engine.diff import diff
from app.models.account import Role, User
from app.models.audit import AuditEvent
from app.models.execution import Execution
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.version import COALESCE_WINDOW, VersionKind, WorkflowVersion
from app.models.workflow import Workflow, WorkflowCreate, WorkflowUpdate
from app.services import sharing, version_compare, version_tags, versions, workflows
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.executions import queue_execution
from app.services.principal import Principal, principal_of
from app.services.version_store import VersionConflictError
from tests.credentials import password_hash
from tests.documents import greeting


def _user(session: Session, email: str, role: Role = Role.EDITOR) -> Principal:
    now = utc_now()
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


def _edited(document: dict[str, Any], node_id: str, **config: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    for node in changed["nodes"]:
        if node["id"] == node_id:
            node["config"].update(config)
    return changed


def _save(
    session: Session,
    who: Principal,
    workflow_id: int,
    document: dict[str, Any],
    base: int | None = None,
) -> Any:
    return workflows.update_workflow(
        session,
        principal=who,
        workflow_id=workflow_id,
        data=WorkflowUpdate(definition=document, base_version=base),
    )


def _history(session: Session, who: Principal, workflow_id: int) -> list[tuple[int, str]]:
    page = versions.list_versions(session, principal=who, workflow_id=workflow_id)
    return [(item.number, item.kind) for item in page.items]


def _age(session: Session, workflow_id: int, by: timedelta = COALESCE_WINDOW) -> None:
    """Make the newest version's last save `by` older (plus a minute)."""
    workflow = session.get(Workflow, workflow_id)
    assert workflow is not None
    version = session.get(WorkflowVersion, workflow.version_id)
    assert version is not None
    version.updated_at = utc_now() - by - timedelta(minutes=1)
    session.add(version)
    session.flush()


@pytest.fixture
def ada(session: Session) -> Principal:
    return _user(session, "ada@example.com")


@pytest.fixture
def flow(session: Session, ada: Principal) -> int:
    created = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Flow", definition=greeting())
    )
    return created.id


def _share(session: Session, owner: Principal, workflow_id: int, email: str, as_: str) -> None:
    sharing.share_workflow(
        session,
        principal=owner,
        workflow_id=workflow_id,
        data=ShareCreate(email=email, permission=SharePermission(as_)),
    )


def test_creating_a_workflow_makes_version_1(session: Session, ada: Principal, flow: int) -> None:
    page = versions.list_versions(session, principal=ada, workflow_id=flow)
    assert page.total == 1
    (first,) = page.items
    assert (first.number, first.kind, first.parent_number) == (1, VersionKind.AUTO, None)
    assert (first.author_email, first.author_name) == ("ada@example.com", "Ada")
    assert first.summary == "3 nodes added, 2 edges added"
    assert workflows.get_workflow(session, principal=ada, workflow_id=flow).version_number == 1


def test_a_save_that_changes_nothing_adds_no_version(
    session: Session, ada: Principal, flow: int
) -> None:
    _age(session, flow)
    _save(session, ada, flow, greeting())
    workflows.update_workflow(
        session, principal=ada, workflow_id=flow, data=WorkflowUpdate(name="Renamed")
    )
    assert _history(session, ada, flow) == [(1, "auto")]


def test_one_authors_autosaves_within_the_window_coalesce(
    session: Session, ada: Principal, flow: int
) -> None:
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    final = _edited(greeting(), "greet", template="Hello there")
    saved = _save(session, ada, flow, final)
    assert _history(session, ada, flow) == [(1, "auto")]
    assert saved.version_number == 1
    version = versions.get_version(session, principal=ada, workflow_id=flow, number=1)
    assert version.definition == saved.definition
    assert version.definition["nodes"][1]["config"]["template"] == "Hello there"


def _other_author(session: Session, ada: Principal, flow: int) -> Principal:
    bob = _user(session, "bob@example.com")
    _share(session, ada, flow, "bob@example.com", "editor")
    return bob


def _ran(session: Session, ada: Principal, flow: int) -> Principal:
    queued = queue_execution(session, principal=ada, workflow_id=flow)
    workflow = session.get(Workflow, flow)
    assert workflow is not None
    session.execute(
        update(Execution)
        .where(col(Execution.id) == queued.execution.id)
        .values(version_id=workflow.version_id, version_number=workflow.version_number)
    )
    return ada


def _tagged(session: Session, ada: Principal, flow: int) -> Principal:
    version_tags.tag_version(session, principal=ada, workflow_id=flow, name="production", number=1)
    return ada


def _committed(session: Session, ada: Principal, flow: int) -> Principal:
    versions.commit_version(session, principal=ada, workflow_id=flow, message="First")
    return ada


def _window_passed(session: Session, ada: Principal, flow: int) -> Principal:
    _age(session, flow)
    return ada


@pytest.mark.parametrize(
    "reason", [_other_author, _ran, _tagged, _committed, _window_passed], ids=lambda f: f.__name__
)
def test_an_autosave_does_not_coalesce_into_a_version_that(
    session: Session, ada: Principal, flow: int, reason: Any
) -> None:
    saver = reason(session, ada, flow)
    _save(session, saver, flow, _edited(greeting(), "greet", template="Hi"))
    page = versions.list_versions(session, principal=ada, workflow_id=flow)
    assert [item.number for item in page.items] == [2, 1]
    assert page.items[0].parent_number == 1
    assert page.items[0].summary == "1 node changed"
    first = versions.get_version(session, principal=ada, workflow_id=flow, number=1)
    assert first.definition == workflows.check_definition(greeting())[0].to_document()


def test_commit_names_the_authors_autosave_and_is_never_coalesced(
    session: Session, ada: Principal, flow: int
) -> None:
    committed = versions.commit_version(session, principal=ada, workflow_id=flow, message=" v1 ")
    assert (committed.number, committed.kind, committed.message) == (1, "commit", "v1")
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi there"))
    assert _history(session, ada, flow) == [(2, "auto"), (1, "commit")]
    # Committing again names the autosave; a second commit of the same document adds one.
    assert (
        versions.commit_version(session, principal=ada, workflow_id=flow, message="b").number == 2
    )
    again = versions.commit_version(session, principal=ada, workflow_id=flow, message="c")
    assert (again.number, again.summary) == (3, "No changes")
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action == "workflow.commit"))
    assert len(list(actions)) == 3


def test_committing_another_authors_autosave_adds_a_version_of_the_committer(
    session: Session, ada: Principal, flow: int
) -> None:
    bob = _other_author(session, ada, flow)
    committed = versions.commit_version(session, principal=bob, workflow_id=flow, message="ok")
    assert (committed.number, committed.author_email, committed.parent_number) == (
        2,
        "bob@example.com",
        1,
    )
    assert _history(session, ada, flow) == [(2, "commit"), (1, "auto")]


def test_restore_adds_a_version_equal_to_the_restored_one(
    session: Session, ada: Principal, flow: int
) -> None:
    versions.commit_version(session, principal=ada, workflow_id=flow, message="v1")
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    restored = versions.restore_version(session, principal=ada, workflow_id=flow, number=1)
    assert (restored.number, restored.kind, restored.parent_number) == (3, "restore", 2)
    assert restored.summary == "1 node changed"
    first = versions.get_version(session, principal=ada, workflow_id=flow, number=1)
    third = versions.get_version(session, principal=ada, workflow_id=flow, number=3)
    assert third.definition == first.definition
    current = workflows.get_workflow(session, principal=ada, workflow_id=flow)
    assert (current.definition, current.version_number) == (first.definition, 3)
    assert _history(session, ada, flow) == [(3, "restore"), (2, "auto"), (1, "commit")]
    # Restoring what is current already adds nothing.
    assert versions.restore_version(session, principal=ada, workflow_id=flow, number=1).number == 3
    rows = session.exec(
        select(AuditEvent).where(AuditEvent.action == "workflow.restore_version")
    ).all()
    assert [(row.detail["from"], row.detail["number"]) for row in rows] == [(1, 3)]


def test_tags_are_unique_per_workflow_and_moves_are_recorded(
    session: Session, ada: Principal, flow: int
) -> None:
    _age(session, flow)
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    tag = version_tags.tag_version(
        session, principal=ada, workflow_id=flow, name="production", number=1
    )
    assert tag.version == 1
    version_tags.tag_version(session, principal=ada, workflow_id=flow, name="v1.0", number=1)
    version_tags.tag_version(session, principal=ada, workflow_id=flow, name="production", number=2)
    items = versions.list_versions(session, principal=ada, workflow_id=flow).items
    assert [(item.number, item.tags) for item in items] == [(2, ["production"]), (1, ["v1.0"])]
    other = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Other", definition=greeting())
    )
    version_tags.tag_version(
        session, principal=ada, workflow_id=other.id, name="production", number=1
    )
    removed = version_tags.untag_version(session, principal=ada, workflow_id=flow, name="v1.0")
    assert removed.version == 1
    rows = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.action).in_(["workflow.tag", "workflow.untag"]))
        .where(AuditEvent.object_id == str(flow))
        .order_by(col(AuditEvent.id))
    ).all()
    assert [(row.action, row.detail["tag"], row.detail["from"]) for row in rows] == [
        ("workflow.tag", "production", None),
        ("workflow.tag", "v1.0", None),
        ("workflow.tag", "production", 1),
        ("workflow.untag", "v1.0", 1),
    ]
    assert rows[2].detail["to"] == 2


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "naïve", "a/b"])
def test_a_tag_name_is_letters_digits_dot_dash_underscore(
    session: Session, ada: Principal, flow: int, name: str
) -> None:
    with pytest.raises(InvalidInputError, match="letters, digits"):
        version_tags.tag_version(session, principal=ada, workflow_id=flow, name=name, number=1)


def test_tagging_a_missing_version_or_removing_a_missing_tag_is_not_found(
    session: Session, ada: Principal, flow: int
) -> None:
    with pytest.raises(NotFoundError):
        version_tags.tag_version(session, principal=ada, workflow_id=flow, name="x", number=9)
    with pytest.raises(NotFoundError):
        version_tags.untag_version(session, principal=ada, workflow_id=flow, name="x")


def test_concurrent_saves_by_two_users_conflict_instead_of_losing_one(
    session: Session, ada: Principal, flow: int
) -> None:
    bob = _other_author(session, ada, flow)
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    versions.commit_version(session, principal=ada, workflow_id=flow, message="two")
    _save(session, bob, flow, _edited(greeting(), "greet", template="Hi"))  # dedup
    _save(session, bob, flow, _edited(greeting(), "greet", template="Hey"))
    _age(session, flow)
    _save(session, bob, flow, _edited(greeting(), "greet", template="Hey you"))
    loaded = workflows.get_workflow(session, principal=ada, workflow_id=flow)
    assert loaded.version_number == 3
    base = loaded.definition
    adas = _edited(base, "greet", template="Hey, Ada here")
    bobs = _edited(base, "result", value="{{ input }}!")

    assert _save(session, ada, flow, adas, base=3).version_number == 4
    with pytest.raises(VersionConflictError) as refused:
        _save(session, bob, flow, bobs, base=3)
    assert (refused.value.base_version, refused.value.latest_version) == (3, 4)
    current = workflows.get_workflow(session, principal=ada, workflow_id=flow)
    assert current.definition == workflows.check_definition(adas)[0].to_document()

    merged = version_compare.merge_with_latest(
        session, principal=bob, workflow_id=flow, base_version=3, document=bobs
    )
    assert (merged.conflicts, merged.latest_version) == ([], 4)
    assert merged.theirs_summary == merged.ours_summary == "1 node changed"
    saved = _save(session, bob, flow, merged.document, base=4)
    nodes = {node["id"]: node["config"] for node in saved.definition["nodes"]}
    assert nodes["greet"]["template"] == "Hey, Ada here"
    assert nodes["result"]["value"] == "{{ input }}!"
    assert saved.version_number == 5


def test_a_merge_of_the_same_field_lists_the_conflict_resolved_to_the_caller(
    session: Session, ada: Principal, flow: int
) -> None:
    bob = _other_author(session, ada, flow)
    _age(session, flow)
    _save(session, ada, flow, _edited(greeting(), "greet", template="Ada's"), base=1)
    merged = version_compare.merge_with_latest(
        session,
        principal=bob,
        workflow_id=flow,
        base_version=1,
        document=_edited(greeting(), "greet", template="Bob's"),
    )
    (conflict,) = merged.conflicts
    assert (conflict["ours"], conflict["theirs"], conflict["base"]) == (
        "Bob's",
        "Ada's",
        "Hello {{ trigger.name }}",
    )
    assert merged.document["nodes"][1]["config"]["template"] == "Bob's"


def test_saves_without_a_base_version_or_with_an_unknown_one(
    session: Session, ada: Principal, flow: int
) -> None:
    bob = _other_author(session, ada, flow)
    _save(session, ada, flow, _edited(greeting(), "greet", template="Hi"))
    assert _save(session, bob, flow, _edited(greeting(), "greet", template="Yo")).version_number
    with pytest.raises(InvalidInputError, match="Version 7"):
        _save(session, bob, flow, greeting(), base=7)


def test_a_save_waiting_for_anothers_lock_sees_the_newer_version(
    engine: Engine, session: Session, ada: Principal, flow: int
) -> None:
    session.commit()
    outcome: list[BaseException | None] = []

    def second_save() -> None:
        with Session(engine, expire_on_commit=False) as other:
            try:
                _save(other, ada, flow, _edited(greeting(), "result", value="late"), base=1)
                other.commit()
                outcome.append(None)
            except VersionConflictError as exc:
                outcome.append(exc)

    _age(session, flow)
    assert (
        _save(
            session, ada, flow, _edited(greeting(), "greet", template="1st"), base=1
        ).version_number
        == 2
    )
    waiting = threading.Thread(target=second_save)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive(), "the second save waits for the first's lock"
    session.commit()
    waiting.join(10)
    assert isinstance(outcome[0], VersionConflictError)


def test_the_diff_of_two_versions_lists_fields_and_long_text_by_lines(
    session: Session, ada: Principal, flow: int
) -> None:
    versions.commit_version(session, principal=ada, workflow_id=flow, message="v1")
    prompt = "line one\nline two\nline three"
    _save(session, ada, flow, _edited(greeting(), "greet", template=prompt))
    versions.commit_version(session, principal=ada, workflow_id=flow, message="v2")
    _save(session, ada, flow, _edited(greeting(), "greet", template=prompt.replace("two", "2")))
    changes = version_compare.diff_versions(session, principal=ada, workflow_id=flow, a=2, b=3)
    assert changes.summary == "1 node changed"
    (row,) = changes.fields
    assert (row.element, row.element_id, row.element_name, row.path, row.old, row.new) == (
        "node",
        "greet",
        "greet",
        "config.template",
        prompt,
        prompt.replace("two", "2"),
    )
    assert row.lines is not None
    assert [line.kind for line in row.lines] == ["equal", "changed", "equal"]
    assert changes.changes["counts"]["nodes"]["modified"] == 1
    back = version_compare.diff_versions(session, principal=ada, workflow_id=flow, a=3, b=1)
    assert back.fields[0].lines is not None
    short = diff(greeting(), _edited(greeting(), "greet", template="Hi"))
    assert version_compare.field_rows(short)[0].lines is None


def test_the_history_pages_newest_first(session: Session, ada: Principal, flow: int) -> None:
    for number in range(2, 6):
        _age(session, flow)
        _save(session, ada, flow, _edited(greeting(), "greet", template=f"v{number}"))
    page = versions.list_versions(session, principal=ada, workflow_id=flow, offset=1, limit=2)
    assert ([item.number for item in page.items], page.total) == ([4, 3], 5)


def test_versions_made_by_the_migration_get_their_summary_when_listed(
    session: Session, ada: Principal, flow: int
) -> None:
    session.execute(update(WorkflowVersion).values(summary=None))
    (first,) = versions.list_versions(session, principal=ada, workflow_id=flow).items
    assert first.summary == "3 nodes added, 2 edges added"


def test_access_a_stranger_sees_nothing_and_a_viewer_changes_nothing(
    session: Session, ada: Principal, flow: int
) -> None:
    stranger = _user(session, "eve@example.com")
    viewer = _user(session, "vic@example.com")
    _share(session, ada, flow, "vic@example.com", "viewer")
    with pytest.raises(NotFoundError):
        versions.list_versions(session, principal=stranger, workflow_id=flow)
    with pytest.raises(NotFoundError):
        version_compare.diff_versions(session, principal=stranger, workflow_id=flow, a=1, b=1)
    assert versions.get_version(session, principal=viewer, workflow_id=flow, number=1).number == 1
    for change in (
        lambda: versions.commit_version(session, principal=viewer, workflow_id=flow, message=""),
        lambda: versions.restore_version(session, principal=viewer, workflow_id=flow, number=1),
        lambda: version_tags.tag_version(
            session, principal=viewer, workflow_id=flow, name="p", number=1
        ),
        lambda: version_compare.merge_with_latest(
            session, principal=viewer, workflow_id=flow, base_version=1, document=greeting()
        ),
    ):
        with pytest.raises(PermissionDeniedError):
            change()


@pytest.mark.parametrize(("message", "why"), [("x" * 501, "at most 500"), ("a\x00b", "NUL")])
def test_a_commit_message_is_at_most_500_characters_without_nul(
    session: Session, ada: Principal, flow: int, message: str, why: str
) -> None:
    with pytest.raises(InvalidInputError, match=why):
        versions.commit_version(session, principal=ada, workflow_id=flow, message=message)


def test_an_autosave_coalesced_after_another_user_loaded_the_version_is_a_conflict(
    session: Session, ada: Principal, flow: int
) -> None:
    bob = _other_author(session, ada, flow)
    loaded = workflows.get_workflow(session, principal=bob, workflow_id=flow)
    adas = _edited(loaded.definition, "greet", template="Ada's")
    assert _save(session, ada, flow, adas, base=1).version_number == 1  # coalesced
    bobs = _edited(loaded.definition, "result", value="Bob's")
    with pytest.raises(VersionConflictError):
        workflows.update_workflow(
            session,
            principal=bob,
            workflow_id=flow,
            data=WorkflowUpdate(definition=bobs, base_version=1, base_hash=loaded.version_hash),
        )
    merged = version_compare.merge_with_latest(
        session,
        principal=bob,
        workflow_id=flow,
        base_version=1,
        document=bobs,
        base_document=loaded.definition,
    )
    nodes = {node["id"]: node["config"] for node in merged.document["nodes"]}
    assert (merged.conflicts, nodes["greet"]["template"], nodes["result"]["value"]) == (
        [],
        "Ada's",
        "Bob's",
    )
    current = workflows.get_workflow(session, principal=bob, workflow_id=flow)
    saved = workflows.update_workflow(
        session,
        principal=bob,
        workflow_id=flow,
        data=WorkflowUpdate(
            definition=merged.document, base_version=1, base_hash=current.version_hash
        ),
    )
    assert saved.version_number == 2


def test_a_document_repeating_a_node_id_is_saved_and_its_diff_refused(
    session: Session, ada: Principal, flow: int
) -> None:
    repeated = greeting()
    repeated["nodes"].append(copy.deepcopy(repeated["nodes"][1]))
    _age(session, flow)
    saved = _save(session, ada, flow, repeated)
    assert saved.version_number == 2 and saved.problems
    (newest, _) = versions.list_versions(session, principal=ada, workflow_id=flow).items
    assert newest.summary.startswith("Changed (a document repeats")
    with pytest.raises(InvalidInputError, match="cannot be compared"):
        version_compare.diff_versions(session, principal=ada, workflow_id=flow, a=1, b=2)
