"""The daily rollups the cost dashboards read, kept in step with what they sum.

- `llm_cost_daily`: the ledger (`llm_calls`) summed per UTC day and dimension set, upserted
  in the transaction that writes the ledger rows (`add_cost_daily`).
- `execution_daily`: finished executions per UTC day of finishing and workflow, upserted in
  the transaction that finishes the execution (`add_execution_daily`). It counts the runs
  that ended `succeeded` or `failed` (failure rate = failed / runs). Cancelled runs are not
  counted (stopping a run is a person's choice, not a failure, and its duration says
  nothing), nor are `crashed` ones: recovery's mark can be wrong, and a run it marked that
  does finish is counted with its true result then.

`REBUILD_ROLLUPS` recomputes both from `llm_calls` and `executions` (bench seeding, repair).
Both upserts are portable INSERT .. ON CONFLICT DO UPDATE (SQLite and PostgreSQL) and touch
their rows in key order, so concurrent writers lock them in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Date, Table, cast, delete, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from app.models.cost import CostDaily, ExecutionDaily, LLMCall
from app.models.execution import Execution, ExecutionStatus
from app.models.workflow import Workflow

COST_DAILY: Table = CostDaily.__table__  # type: ignore[attr-defined]
EXECUTION_DAILY: Table = ExecutionDaily.__table__  # type: ignore[attr-defined]
LLM_CALLS: Table = LLMCall.__table__  # type: ignore[attr-defined]
_EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]
_WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]

COUNTED_STATUSES = (ExecutionStatus.SUCCEEDED.value, ExecutionStatus.FAILED.value)
# The columns of a ledger row that make a rollup row's dimensions, in digest order.
DIMENSIONS = (
    "workflow_id",
    "owner_id",
    "workflow_version_id",
    "version_number",
    "provider",
    "model",
    "agent_role",
    "is_mock",
)
_SUMS = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost_micros")
_EXECUTION_SUMS = ("runs", "succeeded", "failed", "duration_ms_sum", "succeeded_cost_micros")
_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_REBUILD_BATCH = 5_000
# For the RETURNING of an UPDATE of `executions`: its workflow's owner and what its LLM calls
# cost. Spelled out: SQLite's compiler drops table names in RETURNING, where a bare `id`
# would mean the subquery's own table's.
EXECUTION_OWNER = (
    select(_WORKFLOWS.c.owner_id)
    .where(_WORKFLOWS.c.id == literal_column("executions.workflow_id"))
    .scalar_subquery()
    .label("owner_id")
)
EXECUTION_COST = (
    select(func.coalesce(func.sum(LLM_CALLS.c.cost_micros), 0))
    .where(LLM_CALLS.c.execution_id == literal_column("executions.id"))
    .scalar_subquery()
    .label("cost_micros")
)
_ONE_MS = timedelta(milliseconds=1)


def DIMS_KEY(dims: Mapping[str, Any]) -> str:
    """The digest of a rollup row's dimensions (`DIMENSIONS`, NULLs included): one upsert
    on (day, dims) finds its row.

    Args:
        dims: a ledger row (or anything holding the `DIMENSIONS` keys; missing ones are NULL).

    Returns:
        64 hex characters.
    """
    text = "\x1f".join("\x00" if dims.get(name) is None else str(dims[name]) for name in DIMENSIONS)
    return hashlib.sha256(text.encode()).hexdigest()


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a moment (naive moments are UTC)."""
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _upsert_statement(
    dialect: str, table: Table, keys: tuple[str, ...], sums: tuple[str, ...]
) -> Any:
    statement = _INSERTS[dialect](table)
    updates: dict[str, Any] = {name: table.c[name] + statement.excluded[name] for name in sums}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


# Built once per dialect: building an upsert (its `excluded` columns) costs milliseconds,
# more than running it.
_COST_UPSERTS = {
    dialect: _upsert_statement(dialect, COST_DAILY, ("day", "dims"), _SUMS) for dialect in _INSERTS
}
_EXECUTION_UPSERTS = {
    dialect: _upsert_statement(dialect, EXECUTION_DAILY, ("day", "workflow_id"), _EXECUTION_SUMS)
    for dialect in _INSERTS
}


def add_cost_daily(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Add ledger rows to `llm_cost_daily` (one upsert per day and dimension set).

    Args:
        connection: the transaction that inserts the rows.
        rows: `llm_calls` values (`created_at`, the `DIMENSIONS`, tokens, `cost_micros`).
    """
    groups: dict[tuple[date, str], dict[str, Any]] = {}
    for row in rows:
        key = (utc_day(row["created_at"]), DIMS_KEY(row))
        group = groups.get(key)
        if group is None:
            group = {name: row.get(name) for name in DIMENSIONS}
            group |= {"day": key[0], "dims": key[1]} | dict.fromkeys(_SUMS, 0)
            groups[key] = group
        group["calls"] += 1
        for name in _SUMS[1:]:
            group[name] += row.get(name) or 0
    if groups:
        connection.execute(
            _COST_UPSERTS[connection.dialect.name], [groups[key] for key in sorted(groups)]
        )


@dataclass(frozen=True)
class FinishedExecution:
    """What `execution_daily` needs of an execution that finished.

    Attributes:
        workflow_id: its workflow.
        owner_id: the workflow's owner.
        status: its final status (only `COUNTED_STATUSES` are counted).
        started_at: when it started (None: never started; duration 0).
        finished_at: when it finished.
        cost_micros: what its LLM calls cost (the sum of its ledger rows).
    """

    workflow_id: int
    owner_id: int | None
    status: str
    started_at: datetime | None
    finished_at: datetime
    cost_micros: int

    def duration_ms(self) -> int:
        """Whole milliseconds from start to finish."""
        if self.started_at is None:
            return 0
        return max(0, (self.finished_at - self.started_at) // _ONE_MS)


def _execution_row(execution: FinishedExecution) -> dict[str, Any]:
    succeeded = execution.status == ExecutionStatus.SUCCEEDED.value
    return {
        "day": utc_day(execution.finished_at),
        "workflow_id": execution.workflow_id,
        "owner_id": execution.owner_id,
        "runs": 1,
        "succeeded": int(succeeded),
        "failed": int(not succeeded),
        "duration_ms_sum": execution.duration_ms(),
        "succeeded_cost_micros": execution.cost_micros if succeeded else 0,
    }


def add_execution_daily(connection: Connection, executions: Iterable[FinishedExecution]) -> None:
    """Count finished executions in `execution_daily` (see the module's docstring for which).

    Args:
        connection: the transaction that finishes them.
        executions: the executions that finished.
    """
    groups: dict[tuple[date, int], dict[str, Any]] = {}
    for execution in executions:
        if execution.status not in COUNTED_STATUSES:
            continue
        row = _execution_row(execution)
        key = (row["day"], row["workflow_id"])
        if key in groups:
            group = groups[key]
            for name in _EXECUTION_SUMS:
                group[name] += row[name]
        else:
            groups[key] = row
    if groups:
        connection.execute(
            _EXECUTION_UPSERTS[connection.dialect.name], [groups[key] for key in sorted(groups)]
        )


def _day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)  # SQLite stores UTC text "YYYY-MM-DD HH:MM:SS..."


def _rebuild_cost_daily(connection: Connection) -> None:
    day = _day_of(LLM_CALLS.c.created_at, connection.dialect.name).label("day")
    dims = [LLM_CALLS.c[name] for name in DIMENSIONS]
    grouped = connection.execute(
        select(
            day,
            *dims,
            func.count().label("calls"),
            *(func.sum(LLM_CALLS.c[name]).label(name) for name in _SUMS[1:]),
        ).group_by(day, *dims)
    )
    insert = COST_DAILY.insert()
    batch: list[dict[str, Any]] = []
    for row in grouped.mappings():
        values = dict(row)
        if isinstance(values["day"], str):
            values["day"] = date.fromisoformat(values["day"])
        values["is_mock"] = bool(values["is_mock"])
        batch.append(values | {"dims": DIMS_KEY(values)})
        if len(batch) >= _REBUILD_BATCH:
            connection.execute(insert, batch)
            batch = []
    if batch:
        connection.execute(insert, batch)


def _rebuild_execution_daily(connection: Connection) -> None:
    costs = (
        select(LLM_CALLS.c.execution_id, func.sum(LLM_CALLS.c.cost_micros).label("cost"))
        .where(LLM_CALLS.c.execution_id.is_not(None))
        .group_by(LLM_CALLS.c.execution_id)
        .subquery()
    )
    finished = connection.execute(
        select(
            _EXECUTIONS.c.workflow_id,
            _WORKFLOWS.c.owner_id,
            _EXECUTIONS.c.status,
            _EXECUTIONS.c.started_at,
            _EXECUTIONS.c.finished_at,
            func.coalesce(costs.c.cost, 0).label("cost"),
        )
        .select_from(
            _EXECUTIONS.outerjoin(
                _WORKFLOWS, _WORKFLOWS.c.id == _EXECUTIONS.c.workflow_id
            ).outerjoin(costs, costs.c.execution_id == _EXECUTIONS.c.id)
        )
        .where(_EXECUTIONS.c.status.in_(COUNTED_STATUSES), _EXECUTIONS.c.finished_at.is_not(None))
    )
    add_execution_daily(
        connection,
        (
            FinishedExecution(
                row.workflow_id, row.owner_id, row.status, row.started_at, row.finished_at, row.cost
            )
            for row in finished
        ),
    )


def REBUILD_ROLLUPS(connection: Connection) -> None:
    """Recompute `llm_cost_daily` and `execution_daily` from `llm_calls` and `executions`.

    The ledger is summed in SQL (one GROUP BY); executions are read once and summed as the
    finish path sums them, so the rebuilt rows equal the ones kept up to date.

    Args:
        connection: a transaction (the tables are emptied and refilled in it).
    """
    connection.execute(delete(COST_DAILY))
    connection.execute(delete(EXECUTION_DAILY))
    _rebuild_cost_daily(connection)
    _rebuild_execution_daily(connection)
