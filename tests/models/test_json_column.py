"""The JSON column refuses what is not JSON, keeps integers exact, and reads back values
stored before depth was checked (300 levels deep) in a shape responses can serialise."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, select, text
from sqlalchemy.exc import StatementError

from app.engine.json_shape import DEPTH_MARKER, json_flaw
from app.models.types import json_column_type


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    metadata = MetaData()
    values = Table(
        f"json_values_{uuid.uuid4().hex[:8]}",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("value", json_column_type()),
    )
    metadata.create_all(engine)
    yield values
    metadata.drop_all(engine)


def write(engine: Engine, table: Table, value: Any) -> Any:
    with engine.begin() as connection:
        connection.execute(table.insert().values(id=1, value=value))
    with engine.connect() as connection:
        return connection.execute(select(table.c.value)).scalar_one()


@pytest.mark.parametrize(
    "value",
    [2**63 - 1, -(2**63), {"a": 2**63 - 1}, [2**70, -(2**70)], {"id": 2**70 + 1}, 0.1, "x\x00y"],
)
def test_values_round_trip_exactly(engine: Engine, table: Table, value: Any) -> None:
    stored = write(engine, table, value)
    assert stored == value
    assert type(stored) is type(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (2**70, "64-bit range"),
        (-(2**70), "64-bit range"),
        (float("nan"), "not JSON"),
        ({"x": float("inf")}, "not JSON"),
        ({"x": object()}, "type object is not JSON"),
    ],
)
def test_values_that_cannot_be_stored_faithfully_are_refused(
    engine: Engine, table: Table, value: Any, reason: str
) -> None:
    with pytest.raises((StatementError, ValueError), match=reason), engine.begin() as connection:
        connection.execute(table.insert().values(id=1, value=value))


def test_sets_and_timestamps_are_converted_explicitly(engine: Engine, table: Table) -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = write(engine, table, {"set": {"b", "a"}, "at": moment})
    assert stored == {"set": ["a", "b"], "at": "2026-01-02T03:04:05+00:00"}


def test_a_value_stored_too_deep_reads_back_clipped_with_a_marker(
    engine: Engine, table: Table
) -> None:
    deep = "[" * 300 + "1" + "]" * 300
    with engine.begin() as connection:  # as rows written before outputs were checked
        connection.execute(
            text(f"INSERT INTO {table.name} (id, value) VALUES (1, :v)"), {"v": deep}
        )
    with engine.connect() as connection:
        stored = connection.execute(select(table.c.value)).scalar_one()
    assert json_flaw(stored) is None
    assert DEPTH_MARKER in json.dumps(stored)


def test_a_value_stored_deeper_than_python_parses_reads_back_as_the_marker(
    engine: Engine, table: Table
) -> None:
    deep = "[" * 5000 + "]" * 5000
    with engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO {table.name} (id, value) VALUES (1, :v)"), {"v": deep}
        )
    with engine.connect() as connection:
        assert connection.execute(select(table.c.value)).scalar_one() == DEPTH_MARKER
