"""Runs of versions on SQLite and PostgreSQL: executions record the version they ran, a
version or a tag runs its own document whatever the workflow holds now, A/B runs compared
node by node; other workflows' versions, tags and executions and strangers get not found."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.models.account import Role, User
from app.models.execution import ExecutionPublic
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.version_run import VersionRef
from app.models.workflow import WorkflowCreate
from app.services import (
    ab_comparison,
    execution_reads,
    execution_store,
    executions,
    reactive_runs,
    runnable_workflows,
    sharing,
    version_runs,
    workflows,
)
from app.services.errors import (
    InvalidInputError,
    InvalidWorkflowError,
    NotFoundError,
    PermissionDeniedError,
)
from app.services.principal import Principal, principal_of
from app.services.unit_of_work import session_scope
from tests.credentials import password_hash
from tests.documents import chain, node
from tests.version_records import add_version, tag_version


def greeter(greeting: str) -> dict[str, Any]:
    """trigger -> name (the same in every version) -> greet (`greeting`) -> output."""
    return chain(
        node("start", "manual_trigger"),
        node("name", "transform", template="{{ trigger.name }}"),
        node("greet", "transform", template=greeting + " {{ input }}"),
        node("result", "output", value="{{ input }}"),
    )


def user(email: str, role: Role = Role.EDITOR) -> Principal:
    now = utc_now()
    with session_scope() as session:
        row = User(
            email=email,
            name=email,
            password_hash=password_hash(),
            role=role.value,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return principal_of(row)


def create(owner: Principal, definition: dict[str, Any]) -> int:
    with session_scope() as session:
        data = WorkflowCreate(name="Greeter", definition=definition)
        return workflows.create_workflow(session, principal=owner, data=data).id


async def finished(execution: ExecutionPublic | int) -> ExecutionPublic:
    execution_id = execution if isinstance(execution, int) else execution.id
    return await execution_reads.wait_for_execution(execution_id=execution_id, timeout_s=10)


def snapshot(execution_id: int) -> dict[str, Any]:
    """The definition an execution ran."""
    table = execution_store.EXECUTIONS
    with session_scope(read_only=True) as session:
        query = select(table.c.definition).where(table.c.id == execution_id)
        return session.connection().execute(query).scalar_one()


def compare(principal: Principal, workflow_id: int, pairs: list[tuple[int, int]]) -> Any:
    with session_scope(read_only=True) as session:
        return ab_comparison.compare_ab(
            session, principal=principal, workflow_id=workflow_id, pairs=pairs
        )


def compare_two(principal: Principal, a: int, b: int) -> Any:
    with session_scope(read_only=True) as session:
        return ab_comparison.compare_executions(
            session, principal=principal, a_execution_id=a, b_execution_id=b
        )


@pytest.fixture
def eve(db_url: str) -> Principal:
    return user("eve@example.com")


async def test_ordinary_runs_record_the_workflows_newest_version(eve: Principal) -> None:
    workflow_id = create(eve, greeter("Hello"))
    number = add_version(workflow_id, greeter("Hi"))
    started = await executions.start_execution_async(
        principal=eve, workflow_id=workflow_id, input={"name": "Ada"}
    )
    assert started.version_number == number and started.version_id is not None
    done = await finished(started)
    assert (done.version_number, done.version_id) == (number, started.version_id)
    assert done.output == {"result": "Hi Ada"}
    inline = await executions.run_execution_inline(
        principal=eve, workflow_id=workflow_id, input={"name": "Bob"}
    )
    assert inline.version_number == number
    reactive = await reactive_runs.start_reactive_run_async(
        principal=eve, workflow_id=workflow_id, mode="all", input={"name": "Cy"}
    )
    assert (await finished(reactive)).version_number == number


async def test_a_tag_runs_its_versions_document_after_later_edits(eve: Principal) -> None:
    workflow_id = create(eve, greeter("Hello"))
    tagged = add_version(workflow_id, greeter("Hello"))
    tag_version(workflow_id, "production", tagged)
    newest = add_version(workflow_id, greeter("Howdy"))

    by_tag = await version_runs.start_version_run_async(
        eve, workflow_id, tag="production", input={"name": "Ada"}
    )
    by_number = await version_runs.start_version_run_async(
        eve, workflow_id, version=newest, input={"name": "Ada"}
    )
    assert (by_tag.version_number, by_tag.trigger) == (tagged, "version")
    assert (await finished(by_tag)).output == {"result": "Hello Ada"}
    assert snapshot(by_tag.id) == greeter("Hello")
    assert (await finished(by_number)).output == {"result": "Howdy Ada"}
    assert by_number.version_number == newest


async def test_a_version_is_prepared_once_and_one_with_problems_is_refused(
    eve: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    number = add_version(workflow_id, greeter("Hello"))
    broken = add_version(workflow_id, chain(node("start", "no_such_type")), newest=False)
    analyzed = []
    analyze = runnable_workflows.analyze_document

    def counted(document: dict[str, Any], registry: Any) -> Any:
        analyzed.append(document)
        return analyze(document, registry)

    monkeypatch.setattr(runnable_workflows, "_spec_cache", {})
    monkeypatch.setattr(runnable_workflows, "analyze_document", counted)
    for _ in range(3):
        await finished(await version_runs.start_version_run_async(eve, workflow_id, version=number))
    assert len(analyzed) == 1
    with pytest.raises(InvalidWorkflowError, match=f"v{broken}"):
        await version_runs.start_version_run_async(eve, workflow_id, version=broken)


async def test_missing_versions_and_tags_and_other_workflows_ones_are_not_found(
    eve: Principal,
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    add_version(workflow_id, greeter("Hello"))
    other = create(eve, greeter("Yo"))
    for _ in range(3):
        add_version(other, greeter("Yo"))
    tag_version(other, "production", 2)
    for version, tag in ((99, None), (3, None), (None, "production"), (None, "nothing")):
        with pytest.raises(NotFoundError):
            await version_runs.start_version_run_async(eve, workflow_id, version=version, tag=tag)
    with pytest.raises(InvalidInputError):
        await version_runs.start_version_run_async(eve, workflow_id)
    with pytest.raises(InvalidInputError):
        await version_runs.start_version_run_async(eve, workflow_id, version=1, tag="production")


async def test_strangers_get_not_found_and_viewers_may_not_run(
    eve: Principal,
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    number = add_version(workflow_id, greeter("Hello"))
    mine = await finished(
        await version_runs.start_version_run_async(eve, workflow_id, version=number)
    )
    stranger = user("stranger@example.com")
    ref = VersionRef(version=number)
    with pytest.raises(NotFoundError):
        await version_runs.start_version_run_async(stranger, workflow_id, version=number)
    with pytest.raises(NotFoundError):
        await version_runs.start_ab_run(stranger, workflow_id, ref, ref, [1])
    with pytest.raises(NotFoundError):
        compare(stranger, workflow_id, [(mine.id, mine.id)])
    with pytest.raises(NotFoundError):
        compare_two(stranger, mine.id, mine.id)
    viewer = user("vic@example.com")
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=eve,
            workflow_id=workflow_id,
            data=ShareCreate(email="vic@example.com", permission=SharePermission.VIEWER),
        )
    with pytest.raises(PermissionDeniedError):
        await version_runs.start_version_run_async(viewer, workflow_id, version=number)
    assert compare(viewer, workflow_id, [(mine.id, mine.id)]).pairs[0].differing_nodes == 0


async def test_ab_compares_each_node_and_sums_up_each_side(
    eve: Principal,
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    v_a = add_version(workflow_id, greeter("Hello"))
    v_b = add_version(workflow_id, greeter("Hi"))
    tag_version(workflow_id, "candidate", v_b)
    add_version(workflow_id, greeter("Later"))

    started = await version_runs.start_ab_run(
        eve,
        workflow_id,
        VersionRef(version=v_a),
        VersionRef(tag="candidate"),
        [{"name": "Ada"}, {"name": "Bob"}],
    )
    assert (started.a_version, started.b_version) == (v_a, v_b)
    assert [pair.input for pair in started.pairs] == [{"name": "Ada"}, {"name": "Bob"}]
    for pair in started.pairs:
        await finished(pair.a_execution_id)
        await finished(pair.b_execution_id)

    pairs = [(pair.a_execution_id, pair.b_execution_id) for pair in started.pairs]
    compared = compare(eve, workflow_id, pairs)
    assert compared.finished and compared.outputs_differ == 2
    first = compared.pairs[0]
    assert {item.node_id: item.differs for item in first.nodes} == {
        "start": False,
        "name": False,
        "greet": True,
        "result": True,
    }
    greet = next(item for item in first.nodes if item.node_id == "greet")
    assert greet.a is not None and greet.b is not None
    assert (greet.a.output, greet.b.output) == ("Hello Ada", "Hi Ada")
    assert greet.a.status == greet.b.status == "succeeded"
    assert greet.a.duration_ms is not None and greet.a.attempts == 1
    assert (first.a.output, first.b.output) == ({"result": "Hello Ada"}, {"result": "Hi Ada"})
    assert first.differing_nodes == 2
    assert compared.a.version_number == v_a and compared.b.version_number == v_b
    assert compared.a.runs == compared.a.succeeded == 2
    assert compared.b.avg_duration_ms is not None and compared.b.total_cost_usd == 0

    single = compare_two(eve, pairs[1][0], pairs[1][1])
    assert (single.a.output, single.b.output) == ({"result": "Hello Bob"}, {"result": "Hi Bob"})


async def test_nodes_of_one_side_only_differ(
    eve: Principal,
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    v_a = add_version(workflow_id, greeter("Hello"))
    shorter = chain(node("start", "manual_trigger"), node("result", "output", value="same"))
    v_b = add_version(workflow_id, shorter)
    started = await version_runs.start_ab_run(
        eve, workflow_id, VersionRef(version=v_a), VersionRef(version=v_b), [{"name": "Ada"}]
    )
    pair = started.pairs[0]
    await finished(pair.a_execution_id)
    await finished(pair.b_execution_id)
    compared = compare_two(eve, pair.a_execution_id, pair.b_execution_id)
    sides = {
        item.node_id: (item.a is None, item.b is None, item.differs) for item in compared.nodes
    }
    assert sides == {
        "start": (False, False, False),
        "name": (False, True, True),
        "greet": (False, True, True),
        "result": (False, False, True),
    }


async def test_comparisons_refuse_other_workflows_executions(
    eve: Principal,
) -> None:
    workflow_id = create(eve, greeter("Hello"))
    other = create(eve, greeter("Yo"))
    mine = await executions.start_execution_async(principal=eve, workflow_id=workflow_id)
    theirs = await executions.start_execution_async(principal=eve, workflow_id=other)
    await finished(mine)
    await finished(theirs)
    with pytest.raises(NotFoundError):
        compare(eve, workflow_id, [(mine.id, theirs.id)])
    with pytest.raises(NotFoundError):
        compare_two(eve, mine.id, theirs.id)
    with pytest.raises(NotFoundError):
        compare(eve, workflow_id, [(mine.id, 2_000_000)])
    with pytest.raises(InvalidInputError):
        compare(eve, workflow_id, [])
    with pytest.raises(InvalidInputError):
        await version_runs.start_ab_run(
            eve, workflow_id, VersionRef(version=1), VersionRef(version=1), [1] * 21
        )
