"""CSV exports of the cost dashboard: the ledger rows made in a date range (read from
`llm_calls`, streamed in chunks so any size fits), a breakdown, or the daily trend (from the
rollups); money as exact US dollars with six decimals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.models.cost import MICROS_PER_USD
from app.models.cost_schemas import CostGroup, CsvKind
from app.services import cost_queries
from app.services.cost_scope import (
    CALLS,
    WORKFLOWS,
    CostFilter,
    check_may_read,
    cost_filter,
    visible_rows,
)
from app.services.errors import InvalidInputError
from app.services.principal import Principal

BREAKDOWN_HEADER = (
    "key",
    "label",
    "calls",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_usd",
)
TREND_HEADER = ("day", "provider", "calls", "tokens", "cost_usd")
ROWS_COLUMNS = (
    "id",
    "created_at",
    "workflow_id",
    "workflow_version_id",
    "version_number",
    "execution_id",
    "node_run_id",
    "node_id",
    "agent_role",
    "owner_id",
    "provider",
    "model",
    "deployment",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "priced",
    "latency_ms",
    "outcome",
    "is_fallback",
    "fallback_reason",
    "is_mock",
)
ROWS_HEADER = (*ROWS_COLUMNS[:3], "workflow_name", *ROWS_COLUMNS[3:], "cost_usd")
CHUNK_CHARS = 256 * 1024
# Ledger rows fetched per round trip (a server-side cursor on PostgreSQL).
FETCH_ROWS = 2_000


def usd_text(micros: int) -> str:
    """Micro-dollars as exact US dollars with six decimals ("1.250000")."""
    sign = "-" if micros < 0 else ""
    dollars, rest = divmod(abs(micros), MICROS_PER_USD)
    return f"{sign}{dollars}.{rest:06d}"


def _ledger_rows(
    session: Session, principal: Principal, where: CostFilter
) -> Iterator[list[object]]:
    since = datetime.combine(where.start, time(), tzinfo=UTC)
    until = datetime.combine(where.end + timedelta(days=1), time(), tzinfo=UTC)
    clauses = [visible_rows(CALLS, principal), CALLS.c.created_at >= since]
    clauses.append(CALLS.c.created_at < until)
    if where.workflow_id is not None:
        clauses.append(CALLS.c.workflow_id == where.workflow_id)
    statement = (
        select(*(CALLS.c[name] for name in ROWS_COLUMNS), CALLS.c.cost_micros, WORKFLOWS.c.name)
        .outerjoin(WORKFLOWS, WORKFLOWS.c.id == CALLS.c.workflow_id)
        .where(*clauses)
        .order_by(CALLS.c.created_at, CALLS.c.id)
    )
    connection = session.connection().execution_options(yield_per=FETCH_ROWS)
    for row in connection.execute(statement):
        values = [row._mapping[CALLS.c[name]] for name in ROWS_COLUMNS]
        values[1] = row.created_at.isoformat()
        yield [*values[:3], row.name or "", *values[3:], usd_text(row.cost_micros)]


def _table(
    session: Session, principal: Principal, where: CostFilter, kind: CsvKind
) -> tuple[Sequence[str], Iterable[Sequence[object]]]:
    """The header and rows of an export."""
    if kind is CsvKind.ROWS:
        return ROWS_HEADER, _ledger_rows(session, principal, where)
    connection = session.connection()
    if kind is CsvKind.TREND:
        points = cost_queries.trend(connection, principal, where)
        return TREND_HEADER, (
            (p.day.isoformat(), p.provider, p.calls, p.tokens, usd_text(p.cost_micros))
            for p in points
        )
    items = cost_queries.breakdown(connection, principal, where, CostGroup(kind.value))
    return BREAKDOWN_HEADER, (
        (i.key, i.label, i.calls, i.input_tokens, i.output_tokens, i.cached_tokens,
         usd_text(i.cost_micros))
        for i in items
    )  # fmt: skip


def _chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_kind(kind: CsvKind | str) -> CsvKind:
    try:
        return CsvKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in CsvKind)
        raise InvalidInputError(f"Unknown export {kind!r}: choose one of {choices}") from None


def costs_csv_chunks(
    session: Session,
    *,
    principal: Principal,
    start: date,
    end: date,
    workflow_id: int | None,
    kind: CsvKind | str,
) -> Iterator[str]:
    """A CSV export in pieces of about `CHUNK_CHARS` characters: header first, then the ledger
    rows made in UTC days `start`..`end` (oldest first), a breakdown, or the daily trend.

    The session must stay open until the last piece is read. Bad input is refused here, at
    once, before any piece is made.

    Raises:
        InvalidInputError: a bad range (see cost_analytics.cost_dashboard) or an unknown kind.
        PermissionDeniedError: the caller's credentials may not read workflows.
    """
    where = cost_filter(start, end, workflow_id)
    checked = _csv_kind(kind)
    check_may_read(principal)
    header, rows = _table(session, principal, where, checked)
    return _chunks(header, rows)
