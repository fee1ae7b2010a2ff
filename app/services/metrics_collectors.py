"""Metrics read at scrape time rather than counted as things happen: LLM calls, tokens and
cost by provider and model (from the daily rollup of the cost ledger, so they count every
process's calls, including before this process started), circuit breaker states (stored in
the database, shared by the processes), and this process's database connection pool.

`metrics_text` is the whole `/metrics` answer; it queries the database, so call it off the
event loop (the route is a plain function: FastAPI runs it in its thread pool).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Table, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

from app.llm.breaker_store import BreakerPhase
from app.models.cost import MICROS_PER_USD, CostDaily
from app.models.db import get_engine
from app.models.llm import LLMBreaker
from app.services.metrics import scrape_registry
from app.services.unit_of_work import session_scope

logger = logging.getLogger(__name__)

COST_DAILY: Table = CostDaily.__table__  # type: ignore[attr-defined]
BREAKERS: Table = LLMBreaker.__table__  # type: ignore[attr-defined]
BREAKER_VALUES = {
    BreakerPhase.CLOSED.value: 0,
    BreakerPhase.HALF_OPEN.value: 1,
    BreakerPhase.OPEN.value: 2,
}


class DatabaseCollector(Collector):
    """LLM usage and breaker states from the database; `flowbook_database_up` 0 when it
    cannot be read (the other families are then left out, not reported as zero)."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "flowbook_database_up", "Whether the scrape could read the database."
        )
        try:
            families = self._read()
        except SQLAlchemyError as exc:
            logger.warning("metrics could not read the database: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> list[Metric]:
        labels = ["provider", "model"]
        calls = CounterMetricFamily("flowbook_llm_calls", "Billed LLM calls.", labels=labels)
        tokens = CounterMetricFamily(
            "flowbook_llm_tokens", "LLM tokens by kind.", labels=[*labels, "kind"]
        )
        cost = CounterMetricFamily(
            "flowbook_llm_cost_usd", "LLM cost in US dollars (from the ledger).", labels=labels
        )
        breakers = GaugeMetricFamily(
            "flowbook_llm_breaker_state",
            "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.",
            labels=["deployment"],
        )
        with session_scope(read_only=True) as session:
            connection = session.connection()
            usage = connection.execute(
                select(
                    COST_DAILY.c.provider,
                    COST_DAILY.c.model,
                    func.sum(COST_DAILY.c.calls),
                    func.sum(COST_DAILY.c.input_tokens),
                    func.sum(COST_DAILY.c.output_tokens),
                    func.sum(COST_DAILY.c.cached_tokens),
                    func.sum(COST_DAILY.c.cost_micros),
                ).group_by(COST_DAILY.c.provider, COST_DAILY.c.model)
            ).all()
            phases = connection.execute(select(BREAKERS.c.deployment, BREAKERS.c.phase)).all()
        for provider, model, n, inputs, outputs, cached, micros in usage:
            calls.add_metric([provider, model], int(n or 0))
            for kind, value in (("input", inputs), ("output", outputs), ("cached", cached)):
                tokens.add_metric([provider, model, kind], int(value or 0))
            cost.add_metric([provider, model], int(micros or 0) / MICROS_PER_USD)
        for deployment, phase in phases:
            breakers.add_metric([deployment], BREAKER_VALUES.get(phase, 0))
        return [calls, tokens, cost, breakers]


class PoolCollector(Collector):
    """This process's connection pool (each worker has its own: the `pid` label tells)."""

    def collect(self) -> Iterator[Metric]:
        pool = get_engine().pool
        gauge = GaugeMetricFamily(
            "flowbook_db_pool_connections",
            "Database connections of this process's pool, by state.",
            labels=["pid", "state"],
        )
        if isinstance(pool, QueuePool):
            pid = str(os.getpid())
            gauge.add_metric([pid, "size"], pool.size())
            gauge.add_metric([pid, "checked_out"], pool.checkedout())
            gauge.add_metric([pid, "idle"], pool.checkedin())
            gauge.add_metric([pid, "overflow"], max(pool.overflow(), 0))
        yield gauge


STATE_REGISTRY = CollectorRegistry(auto_describe=False)
STATE_REGISTRY.register(DatabaseCollector())
STATE_REGISTRY.register(PoolCollector())


def metrics_text() -> bytes:
    """The Prometheus text exposition of every Flowbook metric."""
    return generate_latest(scrape_registry()) + generate_latest(STATE_REGISTRY)
