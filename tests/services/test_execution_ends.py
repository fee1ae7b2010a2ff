"""Runs' ends written together (`finish_many`): only rows still running (or wrongly
crashed) are ended and counted, in a fixed number of statements (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from app.services.execution_ends import Finish, finish_many
from app.services.execution_store import EXECUTIONS
from tests import records
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.ledger_prices import execution_daily_rows

pytestmark = pytest.mark.usefixtures("db_url")
NOW = datetime.now(UTC).replace(microsecond=0)


def add_execution(engine: Engine, workflow_id: int, status: str) -> int:
    started = NOW - timedelta(seconds=2)
    return records.add_execution(
        engine, workflow_id, status, created_at=started, started_at=started
    )


def statuses(engine: Engine, ids: list[int]) -> list[tuple[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(EXECUTIONS.c.id, EXECUTIONS.c.status, EXECUTIONS.c.output).where(
                EXECUTIONS.c.id.in_(ids)
            )
        )
        found = {row.id: (row.status, row.output) for row in rows}
    return [found[i] for i in ids]


def test_only_running_or_crashed_rows_end_and_are_counted(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    running, crashed, cancelled, failing = (
        add_execution(engine, workflow_id, status)
        for status in ("running", "crashed", "cancelled", "running")
    )
    ends = [
        Finish(running, "succeeded", NOW, output={"n": 1}),
        Finish(crashed, "succeeded", NOW, output={"n": 2}),
        Finish(cancelled, "succeeded", NOW, output={"n": 3}),
        Finish(failing, "failed", NOW, error="boom"),
        Finish(999_999, "succeeded", NOW),
    ]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as connection:
            answers = finish_many(connection, ends)
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert answers == [None, None, ("cancelled", None), None, None]
    assert statuses(engine, [running, crashed, cancelled, failing]) == [
        ("succeeded", {"n": 1}),
        ("succeeded", {"n": 2}),
        ("cancelled", None),
        ("failed", None),
    ]
    # Read the rows, end them in one executemany, count them in one upsert.
    assert statements == ["SELECT", "UPDATE", "INSERT"]
    ((_, counted_workflow, _, runs, succeeded, failed, duration_ms, _),) = execution_daily_rows()
    assert (counted_workflow, runs, succeeded, failed) == (workflow_id, 3, 2, 1)
    assert duration_ms == 3 * 2000
