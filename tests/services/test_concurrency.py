"""Many writers at once: 20 threads doing small write transactions through the services."""

from __future__ import annotations

import asyncio
import threading
import traceback

from app.models.workflow import WorkflowCreate, WorkflowUpdate
from app.services import execution_reads, executions, workflow_list, workflows
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import chain, greeting, node

THREADS = 20
ROUNDS = 10


def writer(index: int, workflow_id: int, errors: list[str], barrier: threading.Barrier) -> None:
    try:
        barrier.wait()
        for round_no in range(ROUNDS):
            with session_scope() as session:
                created = workflows.create_workflow(
                    session, principal=SYSTEM, data=WorkflowCreate(name=f"w{index}-{round_no}")
                )
            with session_scope() as session:
                workflows.update_workflow(
                    session,
                    principal=SYSTEM,
                    workflow_id=created.id,
                    data=WorkflowUpdate(description=f"round {round_no}"),
                )
            with session_scope() as session:
                workflows.delete_workflow(session, principal=SYSTEM, workflow_id=created.id)
            if round_no % 3 == 0:
                done = asyncio.run(
                    executions.run_execution_inline(
                        principal=SYSTEM, workflow_id=workflow_id, input={"name": f"{index}"}
                    )
                )
                assert done.status == "succeeded", done.error
    except Exception:
        errors.append(traceback.format_exc())


def test_twenty_threads_write_without_database_is_locked(db_url: str) -> None:
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Shared", definition=greeting())
        ).id
        workflows.create_workflow(
            session,
            principal=SYSTEM,
            data=WorkflowCreate(
                name="Other", definition=chain(node("t", "manual_trigger"), node("o", "output"))
            ),
        )
    errors: list[str] = []
    barrier = threading.Barrier(THREADS)
    threads = [
        threading.Thread(target=writer, args=(i, workflow_id, errors, barrier))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == [], errors[0]
    with session_scope(read_only=True) as session:
        every = workflow_list.list_workflows(
            session, principal=SYSTEM, include_deleted=True, limit=500
        )
        runs = execution_reads.list_executions(
            session, principal=SYSTEM, workflow_id=workflow_id, limit=500
        )
    assert every.total == 2 + THREADS * ROUNDS
    described = [w for w in every.items if w.name.startswith("w")]
    assert all(w.deleted_at is not None for w in described)
    expected_runs = THREADS * len(range(0, ROUNDS, 3))
    assert runs.total == expected_runs
    assert {e.status for e in runs.items} == {"succeeded"}
