"""A finished run is freed by reference counting alone: no object of ours is left in a
reference cycle for the garbage collector, whose full collections pause the whole process
(about 20 ms every third of a second under load, when every run left one)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app.services import executions
from app.services.principal import SYSTEM
from tests.documents import greeting
from tests.records import make_workflow

RUNS = 5


@contextmanager
def unreachable_after() -> Iterator[list[object]]:
    """Every object that became unreachable inside the block but was not freed by reference
    counting (the collector does not run on its own meanwhile); filled on leaving it."""
    found: list[object] = []
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def _run(workflow_id: int) -> None:
    done = await executions.run_execution_inline(
        principal=SYSTEM, workflow_id=workflow_id, input={"name": "Ada"}
    )
    assert done.status == "succeeded"


@pytest.mark.usefixtures("db_url")
async def test_a_finished_run_leaves_no_reference_cycle_of_ours() -> None:
    workflow_id = make_workflow(greeting())
    await _run(workflow_id)  # builds what a process builds once (settings, LLM client)
    with unreachable_after() as garbage:
        for _ in range(RUNS):
            await _run(workflow_id)
    ours = Counter(type(o).__qualname__ for o in garbage if type(o).__module__.startswith("app."))
    # Something of ours once per run (not, say, the LLM client of an earlier test's event
    # loop, freed meanwhile).
    assert sorted(name for name, count in ours.items() if count >= RUNS) == []
