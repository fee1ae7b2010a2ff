"""Start-up price load benchmark: what loading LiteLLM's price map into `provider_pricing`
adds to a start, the first time (the table is filled) and every later time (nothing changed:
one read, no write), plus refilling the in-memory price book.

Runs on a scratch SQLite database (a `mktemp -d` folder) and, when reachable, on a fresh
PostgreSQL database (TEST_DATABASE_URL or postgresql+psycopg://root@127.0.0.1:5432/test),
dropped afterwards. Each figure is the median of `--rounds` repeated later starts.

Prints one JSON document: per backend the first load (rows added, ms), the later load
(rows added, which must be 0, median ms) with its ratio to the goal (< 100 ms), and the
book refill (median ms).

Run with `python bench/prices_startup.py [--rounds N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.models.db import configure_engine, dispose_engine, get_engine
from app.models.migrations import upgrade_database
from app.services.pricing import load_prices_at_start_up, refresh_price_book
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
)

GOAL_LATER_START_MS = 100.0


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def measure(url: str, rounds: int) -> dict[str, Any]:
    """Time the first and the later start-up loads on the database at `url`."""
    configure_engine(url)
    upgrade_database(url)
    start = time.perf_counter()
    first = load_prices_at_start_up()
    first_ms = _ms(start)
    later: list[float] = []
    added = 0
    for _ in range(rounds):
        start = time.perf_counter()
        added += load_prices_at_start_up().inserted
        later.append(_ms(start))
    refills: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        with get_engine().connect() as connection:
            refresh_price_book(connection, force=True)
        refills.append(_ms(start))
    dispose_engine()
    later_ms = statistics.median(later)
    return {
        "first_start": {"rows_added": first.inserted, "ms": first_ms},
        "later_start": {
            "rows_added": added,
            "median_ms": later_ms,
            "goal_ms": GOAL_LATER_START_MS,
            "ratio_to_goal": round(later_ms / GOAL_LATER_START_MS, 3),
        },
        "book_refill_median_ms": statistics.median(refills),
    }


def main() -> None:
    """Measure on SQLite and PostgreSQL and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        report["sqlite"] = measure(f"sqlite:///{Path(folder) / 'prices.db'}", args.rounds)
    if postgres_reachable():
        url = create_postgres_database(f"flowbook_prices_{uuid.uuid4().hex[:8]}")
        try:
            report["postgresql"] = measure(url, args.rounds)
        finally:
            drop_postgres_database(url)
    report["all_met"] = all(
        r["later_start"]["rows_added"] == 0 and r["later_start"]["median_ms"] < GOAL_LATER_START_MS
        for r in report.values()
        if isinstance(r, dict)
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
