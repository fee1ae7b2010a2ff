"""A workflow ready to run: its row read, its definition parsed and validated once.

The parsed spec and its analysis are handed to the run (`PreparedWorkflow`), so nothing
parses or validates the definition again. A small cache keyed by the row's `updated_at`
saves validating the same definition on every run (a stored version's document is cached
the same way, by the version's id and `updated_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from app.engine.nodes import default_registry
from app.engine.validation import analyze_document
from app.models.db import get_engine
from app.services import execution_store as store
from app.services.access import Action, require
from app.services.errors import InvalidWorkflowError, NotFoundError
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import Principal
from app.services.run_budget_check import check_run_allowed

_SPEC_CACHE_SIZE = 256
# (database, what, id, updated_at) -> parsed and validated document with no problems; `what`
# is "workflow" (a workflow's current document) or "version" (a stored version's).
_spec_cache: dict[tuple[str, str, int, datetime], PreparedWorkflow] = {}


def prepare(
    engine: Engine, key: tuple[str, int, datetime], name: str, definition: dict[str, Any]
) -> PreparedWorkflow:
    """A document parsed and validated, cached by `key` ("workflow" or "version", its id and
    its updated_at: a change of the document moves updated_at).

    Raises:
        InvalidWorkflowError: the document has problems.
    """
    cache_key = (str(engine.url), *key)
    prepared = _spec_cache.get(cache_key)
    if prepared is not None:
        return prepared
    spec, analysis = analyze_document(definition, default_registry())
    if spec is None or analysis.problems:
        count = len(analysis.problems)
        raise InvalidWorkflowError(
            f"“{name}” cannot run: fix its {count} problem{'s' if count != 1 else ''} first",
            analysis.problems,
        )
    if len(_spec_cache) >= _SPEC_CACHE_SIZE:
        _spec_cache.clear()
    prepared = _spec_cache[cache_key] = PreparedWorkflow(spec, analysis)
    return prepared


def workflow_row(
    connection: Connection, workflow_id: int, principal: Principal, action: Action
) -> Any:
    """(name, definition, updated_at, deleted_at, owner_id, kind, version_id, version_number)
    of a workflow that is not deleted, when `principal` may do `action` with it.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may see it but not do `action`.
    """
    row = store.select_workflow(connection, workflow_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"Workflow {workflow_id} not found")
    require(connection, principal, workflow_id, row.owner_id, action)
    return row


def runnable(
    engine: Engine,
    connection: Connection,
    workflow_id: int,
    principal: Principal,
    *,
    spends: bool = True,
) -> tuple[Any, PreparedWorkflow]:
    """The workflow's row and its prepared definition, when `principal` may run it (and,
    for a run that may spend, no enforced budget covering it is used up).

    Args:
        spends: the run may call paid nodes; False only for runs that cannot (auto-runs
            skip side-effect nodes), which no budget stops.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may not run it.
        BudgetExceededError: an enforced budget of the workflow or the overall one is used up.
        InvalidWorkflowError: the workflow has problems.
    """
    row = workflow_row(connection, workflow_id, principal, Action.RUN)
    if spends:
        check_run_allowed(connection, workflow_id=workflow_id)
    return row, prepare(engine, ("workflow", workflow_id, row.updated_at), row.name, row.definition)


def read_runnable(workflow_id: int, principal: Principal) -> tuple[Any, PreparedWorkflow]:
    """`runnable` in a read-only transaction of its own (for `run_db`)."""
    engine = get_engine()
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return runnable(engine, connection, workflow_id, principal)
