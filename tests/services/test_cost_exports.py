"""CSV exports of the cost dashboard over cost_seed's ledger: the ledger rows of the range,
each breakdown and the trend, scoped like the dashboard, money in dollars to six decimals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import Session

from app.models.cost_schemas import CsvKind
from app.services import cost_export
from app.services.cost_analytics import costs_csv
from app.services.cost_export import BREAKDOWN_HEADER, ROWS_HEADER, usd_text
from app.services.errors import InvalidInputError
from app.services.principal import Principal
from tests.services.cost_seed import CostWorld, seed_costs


@pytest.fixture
def world(session: Session) -> CostWorld:
    """The seeded ledger, committed."""
    seeded = seed_costs(session)
    session.commit()
    return seeded


def read_csv(
    session: Session, world: CostWorld, principal: Principal, kind: str, days: int = 30
) -> list[dict[str, str]]:
    text = costs_csv(
        session,
        principal=principal,
        start=world.today - timedelta(days=days - 1),
        end=world.today,
        workflow_id=None,
        kind=kind,
    )
    return list(csv.DictReader(io.StringIO(text)))


def test_usd_text_is_exact() -> None:
    assert usd_text(0) == "0.000000"
    assert usd_text(225) == "0.000225"
    assert usd_text(1_234_567_890) == "1234.567890"
    assert usd_text(-5) == "-0.000005"


def test_ledger_rows_of_the_range_in_time_order(session: Session, world: CostWorld) -> None:
    rows = read_csv(session, world, world.admin, "rows", days=4)
    assert list(rows[0]) == list(ROWS_HEADER)
    # c2 and c5 three days ago, then today's c1, c4, c6, c8, c9 (by time, then id).
    assert [row["cost_usd"] for row in rows] == [
        "0.066000",
        "0.000000",
        "0.060000",
        "0.000450",
        "0.006250",
        "0.009000",
        "0.000900",
    ]
    first = rows[0]
    assert (first["workflow_name"], first["provider"], first["model"]) == (
        "Alpha",
        "openai",
        "gpt-4",
    )
    assert (first["input_tokens"], first["output_tokens"], first["cached_tokens"]) == (
        "2000",
        "100",
        "500",
    )
    assert first["version_number"] == "2"
    assert first["created_at"].startswith(str(world.today - timedelta(days=3)))
    assert rows[1]["is_mock"] == "True"


def test_ledger_rows_are_scoped(session: Session, world: CostWorld) -> None:
    rows = read_csv(session, world, world.alice, "rows", days=60)
    # Alpha's c1-c3, Beta's c4-c5 and Delta's c7 (hers, deleted): not Gamma, Epsilon, c9.
    assert sorted(row["cost_usd"] for row in rows) == sorted(
        ["0.060000", "0.066000", "0.000225", "0.000450", "0.000000", "0.002000"]
    )
    assert {row["workflow_name"] for row in rows} == {"Alpha", "Beta", "Delta"}


def test_the_workflow_filter_applies_to_rows(session: Session, world: CostWorld) -> None:
    text = costs_csv(
        session,
        principal=world.admin,
        start=world.today - timedelta(days=29),
        end=world.today,
        workflow_id=world.workflows["Gamma"],
        kind=CsvKind.ROWS,
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["workflow_name"], row["cost_usd"]) for row in rows] == [("Gamma", "0.006250")]


def test_a_breakdown_as_csv(session: Session, world: CostWorld) -> None:
    rows = read_csv(session, world, world.admin, "provider")
    assert list(rows[0]) == list(BREAKDOWN_HEADER)
    assert [tuple(row.values()) for row in rows] == [
        ("openai", "openai", "4", "3110", "710", "500", "0.135900"),
        ("gemini", "gemini", "1", "1000", "1000", "0", "0.006250"),
        ("anthropic", "anthropic", "2", "1200", "300", "0", "0.000675"),
        ("mock", "mock", "1", "10", "10", "0", "0.000000"),
    ]
    alpha = str(world.workflows["Alpha"])
    versions = read_csv(session, world, world.alice, "version")
    assert [(row["key"], row["label"], row["cost_usd"]) for row in versions] == [
        (f"{alpha}:2", "Alpha · v2", "0.066225"),
        (f"{alpha}:1", "Alpha · v1", "0.060000"),
        (f"{world.workflows['Beta']}:1", "Beta · v1", "0.000450"),
    ]
    for kind in ("workflow", "model", "agent_role"):
        assert read_csv(session, world, world.bob, kind), kind


def test_the_trend_as_csv(session: Session, world: CostWorld) -> None:
    rows = read_csv(session, world, world.bob, "trend", days=4)
    three_days_ago = str(world.today - timedelta(days=3))
    assert [tuple(row.values()) for row in rows] == [
        (three_days_ago, "mock", "1", "20", "0.000000"),
        (str(world.today), "anthropic", "1", "1000", "0.000450"),
        (str(world.today), "gemini", "1", "2000", "0.006250"),
        (str(world.today), "openai", "1", "200", "0.009000"),
    ]


def test_an_unknown_kind_is_refused(session: Session, world: CostWorld) -> None:
    with pytest.raises(InvalidInputError, match="Unknown export 'everything'"):
        read_csv(session, world, world.admin, "everything")


def test_the_ledger_streams_in_chunks(
    session: Session, world: CostWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cost_export, "CHUNK_CHARS", 200)
    chunks = list(
        cost_export.costs_csv_chunks(
            session,
            principal=world.admin,
            start=world.today - timedelta(days=59),
            end=world.today,
            workflow_id=None,
            kind="rows",
        )
    )
    assert len(chunks) > 3
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(rows) == 9
    assert sum(round(float(row["cost_usd"]) * 1_000_000) for row in rows) == 144825


def test_bad_input_is_refused_before_the_first_chunk(session: Session, world: CostWorld) -> None:
    with pytest.raises(InvalidInputError):
        cost_export.costs_csv_chunks(
            session,
            principal=world.admin,
            start=world.today,
            end=world.today - timedelta(days=1),
            workflow_id=None,
            kind="rows",
        )
