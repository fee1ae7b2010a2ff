"""Every page state's database work runs off the event loop (issue 7).

Reflex runs a sync handler inline on the event loop that serves every UI event, so a
handler that opens a session there blocks every other user. Each handler below is called
on a fresh state tree while a SQLAlchemy listener records the thread of every statement:
none may be the thread running the loop, and each handler must have run some statement.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData
from sqlalchemy import event

from app.models.db import get_engine
from app.models.orchestration import OrchestrationCreate
from app.models.workflow import WorkflowCreate
from app.services import executions, orchestrations, workflows
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.execution_detail_state import ExecutionDetailState
from app.ui.state.executions_state import ExecutionsState
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.orchestration_detail_state import OrchestrationDetailState
from app.ui.state.orchestration_editor_state import OrchestrationEditorState
from app.ui.state.orchestrations_state import OrchestrationsState
from app.ui.state.settings_state import SettingsState
from app.ui.state.workflows_state import WorkflowsState
from tests.documents import chain, node
from tests.services.conftest import stop_runs  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


@dataclass(frozen=True)
class Rows:
    """What the handlers act on."""

    workflow_id: int
    orchestration_id: int
    execution_id: int


@dataclass(frozen=True)
class Case:
    """One handler call: the page's URL, the handler and its arguments."""

    state: type[rx.State]
    handler: str
    url: str = "/"
    args: Callable[[Rows], tuple[Any, ...]] = lambda rows: ()


CASES = [
    Case(WorkflowsState, "load", "/workflows"),
    Case(WorkflowsState, "set_search", args=lambda r: ("Shown",)),
    Case(WorkflowsState, "create", args=lambda r: ({"name": "New", "description": ""},)),
    Case(WorkflowsState, "duplicate", args=lambda r: (r.workflow_id,)),
    Case(WorkflowsState, "restore", args=lambda r: (r.workflow_id,)),
    Case(WorkflowsState, "confirm_delete"),
    Case(WorkflowsState, "run", args=lambda r: (r.workflow_id,)),
    Case(OrchestrationsState, "load", "/orchestrations"),
    Case(OrchestrationsState, "set_search", args=lambda r: ("Panel",)),
    Case(OrchestrationsState, "confirm_delete"),
    Case(ExecutionsState, "load", "/executions?workflow=1&status=queued"),
    Case(ExecutionsState, "refresh"),
    Case(ExecutionsState, "cancel", args=lambda r: (r.execution_id,)),
    Case(ExecutionDetailState, "load", "/executions/{execution}"),
    Case(ExecutionDetailState, "cancel"),
    Case(ExecutionDetailState, "run_again"),
    Case(MonitoringState, "load", "/monitoring"),
    Case(MonitoringState, "tick"),
    Case(MonitoringState, "refresh_snapshot"),
    Case(SettingsState, "load", "/settings"),
    Case(SettingsState, "save_base", args=lambda r: ("openai", {"api_base": ""})),
    Case(SettingsState, "set_enabled", args=lambda r: ("gemini", False)),
    Case(SettingsState, "reset_model_map"),
    Case(SettingsState, "save_model_map"),
    Case(OrchestrationDetailState, "load", "/orchestrations/{orchestration}"),
    Case(OrchestrationDetailState, "refresh_header"),
    Case(OrchestrationDetailState, "show_more"),
    Case(OrchestrationDetailState, "run"),
    Case(OrchestrationDetailState, "delete"),
    Case(OrchestrationEditorState, "load", "/orchestrations/{orchestration}"),
]


@pytest.fixture
def rows() -> Rows:
    with session_scope() as session:
        definition = chain(node("start", "manual_trigger"), node("a", "transform", template="x"))
        data = WorkflowCreate(name="Shown", definition=definition)
        workflow_id = workflows.create_workflow(session, principal=SYSTEM, data=data).id
        panel = OrchestrationCreate.model_validate(
            {
                "name": "Panel",
                "strategy": "sequential",
                "agents": [{"name": "A", "model": "mock/agent-a"}],
            }
        )
        orchestration_id = orchestrations.create_orchestration(
            session, principal=SYSTEM, data=panel
        ).id
        queued = executions.queue_execution(session, principal=SYSTEM, workflow_id=workflow_id)
    return Rows(workflow_id, orchestration_id, queued.execution.id)


@pytest.fixture
def statement_threads() -> Iterator[list[tuple[threading.Thread, str]]]:
    """The thread and text of every statement run on the app's engine from now on."""
    seen: list[tuple[threading.Thread, str]] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append((threading.current_thread(), statement))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def page_state(case: Case, rows: Rows) -> rx.State:
    """The case's state in a fresh session's tree, opened at its URL and its row chosen."""
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(case.state)
    url = case.url.format(execution=rows.execution_id, orchestration=rows.orchestration_id)
    state.router = RouterData(url=ReflexURL(f"http://localhost:3000{url}"))
    for name, value in {
        "execution_id": rows.execution_id,
        "orchestration_id": rows.orchestration_id,
        "delete_id": rows.workflow_id,
        "delete_name": "Shown",
        "run_inputs": {str(rows.orchestration_id): "Cat or dog?"},
    }.items():
        if name in state.base_vars:
            setattr(state, name, value)
    return state


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.state.__name__}.{c.handler}")
async def test_the_handler_runs_its_database_work_off_the_loop(
    case: Case, rows: Rows, statement_threads: list[tuple[threading.Thread, str]]
) -> None:
    state = await page_state(case, rows)
    statement_threads.clear()
    result = getattr(state, case.handler)(*case.args(rows))
    if inspect.isawaitable(result):
        await result
    assert statement_threads, "the handler ran no statement: the case tests nothing"
    loop_thread = threading.current_thread()
    on_the_loop = [statement for thread, statement in statement_threads if thread is loop_thread]
    assert not on_the_loop, f"SQL on the event loop's thread: {on_the_loop[:3]}"
