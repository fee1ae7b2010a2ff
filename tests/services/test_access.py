"""Who may do what with a workflow: the role and sharing matrix (owner, admin, the
workflow's owner, shared editor, shared viewer, a viewer shared as editor, a stranger, by
read, change, run, delete, share), enforced by the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.models.account import Role, Scope, User
from app.models.audit import AuditEvent
from app.models.orchestration import OrchestrationCreate
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate, WorkflowUpdate
from app.services import execution_reads, orchestrations, sharing, workflow_list, workflows
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.executions import queue_execution
from app.services.principal import Principal, principal_of
from tests.credentials import password_hash
from tests.documents import greeting

ALLOWED, REFUSED, HIDDEN = "allowed", "refused", "hidden"
ACTIONS = ("read", "change", "run", "delete", "share")
# What each caller gets for each action on Eve's workflow.
MATRIX: dict[str, tuple[str, ...]] = {
    "instance owner": (ALLOWED,) * 5,
    "admin": (ALLOWED,) * 5,
    "workflow owner": (ALLOWED,) * 5,
    "shared editor": (ALLOWED, ALLOWED, ALLOWED, REFUSED, REFUSED),
    "shared viewer": (ALLOWED, REFUSED, REFUSED, REFUSED, REFUSED),
    "viewer role shared as editor": (ALLOWED, REFUSED, REFUSED, REFUSED, REFUSED),
    "stranger": (HIDDEN,) * 5,
}


def _act(session: Session, who: Principal, action: str, workflow_id: int) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "read": lambda: workflows.get_workflow(session, principal=who, workflow_id=workflow_id),
        "change": lambda: workflows.update_workflow(
            session, principal=who, workflow_id=workflow_id, data=WorkflowUpdate(name="Renamed")
        ),
        "run": lambda: queue_execution(session, principal=who, workflow_id=workflow_id),
        "delete": lambda: workflows.delete_workflow(
            session, principal=who, workflow_id=workflow_id
        ),
        "share": lambda: sharing.share_workflow(
            session,
            principal=who,
            workflow_id=workflow_id,
            data=ShareCreate(email="stranger@example.com"),
        ),
    }
    return calls[action]()


def _user(session: Session, email: str, role: Role) -> Principal:
    """A user made cheaply (the one test password's hash is computed once)."""
    now = utc_now()
    user = User(
        email=email,
        name=email,
        password_hash=password_hash(),
        role=role.value,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return principal_of(user)


@pytest.fixture
def cast(session: Session) -> tuple[dict[str, Principal], int]:
    """Every caller of the matrix, and Eve's workflow shared as the matrix says."""
    people = {
        "instance owner": _user(session, "ada@example.com", Role.OWNER),
        "admin": _user(session, "admin@example.com", Role.ADMIN),
        "workflow owner": _user(session, "eve@example.com", Role.EDITOR),
        "shared editor": _user(session, "ed@example.com", Role.EDITOR),
        "shared viewer": _user(session, "vic@example.com", Role.VIEWER),
        "viewer role shared as editor": _user(session, "vera@example.com", Role.VIEWER),
        "stranger": _user(session, "stranger@example.com", Role.EDITOR),
    }
    eve = people["workflow owner"]
    created = workflows.create_workflow(
        session, principal=eve, data=WorkflowCreate(name="Eve's", definition=greeting())
    )
    for email, permission in (
        ("ed@example.com", SharePermission.EDITOR),
        ("vic@example.com", SharePermission.VIEWER),
        ("vera@example.com", SharePermission.EDITOR),
    ):
        sharing.share_workflow(
            session,
            principal=eve,
            workflow_id=created.id,
            data=ShareCreate(email=email, permission=permission),
        )
    session.commit()
    return people, created.id


def test_the_role_and_sharing_matrix(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    seen: dict[str, tuple[str, ...]] = {}
    for who, principal in people.items():
        outcomes = []
        for action in ACTIONS:
            savepoint = session.begin_nested()
            try:
                _act(session, principal, action, workflow_id)
            except PermissionDeniedError:
                outcomes.append(REFUSED)
            except NotFoundError:
                outcomes.append(HIDDEN)
            else:
                outcomes.append(ALLOWED)
            finally:
                savepoint.rollback()
        seen[who] = tuple(outcomes)
    assert seen == MATRIX


def test_lists_show_only_what_the_caller_may_see_and_say_what_it_may_do(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    queue_execution(session, principal=people["workflow owner"], workflow_id=workflow_id)
    for who, principal in people.items():
        page = workflow_list.list_workflows(session, principal=principal)
        runs = execution_reads.list_executions(session, principal=principal)
        if who == "stranger":
            assert page.total == 0 and page.items == []
            assert runs.total == 0 and runs.items == []
            continue
        (item,) = page.items
        assert item.id == workflow_id and runs.total == 1
        expected = {a for a, o in zip(ACTIONS, MATRIX[who], strict=True) if o == ALLOWED}
        assert set(item.access) == expected, who


def test_a_stranger_cannot_reach_the_runs_of_a_workflow_it_may_not_see(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    queued = queue_execution(session, principal=people["workflow owner"], workflow_id=workflow_id)
    execution_id = queued.execution.id
    assert queued.execution.started_by_id == people["workflow owner"].user_id
    with pytest.raises(NotFoundError):
        execution_reads.get_execution_detail(
            session, principal=people["stranger"], execution_id=execution_id
        )
    viewer = people["shared viewer"]
    assert (
        execution_reads.get_execution_detail(
            session, principal=viewer, execution_id=execution_id
        ).id
        == execution_id
    )


def test_an_api_key_with_fewer_scopes_cannot_do_what_its_user_could(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    read_only = replace(people["workflow owner"], scopes=frozenset({Scope.WORKFLOWS_READ}))
    assert workflows.get_workflow(session, principal=read_only, workflow_id=workflow_id)
    for action in ("change", "run", "delete", "share"):
        with pytest.raises(PermissionDeniedError):
            _act(session, read_only, action, workflow_id)
    with pytest.raises(PermissionDeniedError):
        workflows.create_workflow(session, principal=read_only, data=WorkflowCreate(name="No"))


def test_a_viewer_cannot_create_workflows_and_copies_belong_to_whoever_copies(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    with pytest.raises(PermissionDeniedError):
        workflows.create_workflow(
            session, principal=people["shared viewer"], data=WorkflowCreate(name="Mine")
        )
    editor = people["shared editor"]
    copy = workflows.duplicate_workflow(session, principal=editor, workflow_id=workflow_id)
    assert copy.owner_id == editor.user_id and "share" in copy.access


def test_sharing_refuses_unknown_users_and_the_owner_and_can_be_undone(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    eve = people["workflow owner"]
    with pytest.raises(NotFoundError, match="No active user"):
        sharing.share_workflow(
            session, principal=eve, workflow_id=workflow_id, data=ShareCreate(email="x@y.org")
        )
    with pytest.raises(InvalidInputError, match="owns"):
        sharing.share_workflow(
            session,
            principal=eve,
            workflow_id=workflow_id,
            data=ShareCreate(email="eve@example.com"),
        )
    left = sharing.unshare_workflow(
        session, principal=eve, workflow_id=workflow_id, user_id=people["shared viewer"].user_id
    )
    assert "vic@example.com" not in {s.email for s in left}
    with pytest.raises(NotFoundError):
        workflows.get_workflow(session, principal=people["shared viewer"], workflow_id=workflow_id)


def test_every_change_and_run_writes_its_audit_row_and_a_refused_one_none(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, workflow_id = cast
    eve = people["workflow owner"]

    def actions() -> list[str]:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "workflow", AuditEvent.object_id == str(workflow_id))
            .order_by(col(AuditEvent.id))
        )
        return [row.action for row in rows]

    before = actions()
    assert before == ["workflow.create"] + ["workflow.share"] * 3
    for action in ("change", "run", "delete"):
        _act(session, eve, action, workflow_id)
    workflows.restore_workflow(session, principal=eve, workflow_id=workflow_id)
    after = actions()[len(before) :]
    assert after == ["workflow.update", "workflow.run", "workflow.delete", "workflow.restore"]
    run = session.exec(select(AuditEvent).where(AuditEvent.action == "workflow.run")).one()
    assert run.actor_user_id == eve.user_id and "execution_id" in run.detail
    for action in ("change", "delete"):
        with pytest.raises(PermissionDeniedError):
            _act(session, people["shared viewer"], action, workflow_id)
    assert len(actions()) == len(before) + 4


def test_an_orchestration_says_what_its_caller_may_do(
    session: Session, cast: tuple[dict[str, Principal], int]
) -> None:
    people, _ = cast
    eve = people["workflow owner"]
    created = orchestrations.create_orchestration(
        session,
        principal=eve,
        data=OrchestrationCreate(name="Panel", strategy="sequential", agents=[{"name": "a"}]),
    )
    assert set(created.access) == set(ACTIONS)
    for who, expected in (("workflow owner", set(ACTIONS)), ("admin", set(ACTIONS))):
        shown = orchestrations.get_orchestration(
            session, principal=people[who], orchestration_id=created.id
        )
        assert set(shown.access) == expected
    with pytest.raises(NotFoundError):
        orchestrations.get_orchestration(
            session, principal=people["stranger"], orchestration_id=created.id
        )
