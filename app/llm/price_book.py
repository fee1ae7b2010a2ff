"""The prices the LLM layer's float costs, "cheapest" routing and estimates use: a copy in
memory of the `provider_pricing` rows, which the services fill (at start-up, after a price
change is committed, and when another process changed them).

Holding the rows (not one price per model) lets a future override take effect at its date
without a reload. The rules are `price_for`'s: an override wins, then the newest row in force.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cost.py reads the book: a runtime import would be circular
    from app.llm.cost import MicroPrice


@dataclass(frozen=True)
class BookRow:
    """One price row: a model's price from `effective_from` on."""

    provider: str
    model: str
    effective_from: datetime
    is_override: bool
    price: MicroPrice


class PriceBook:
    """Thread-safe, replace-as-a-whole price rows per (provider, model)."""

    def __init__(self) -> None:
        """An empty book: not loaded, so callers fall back to LiteLLM's map."""
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], list[BookRow]] = {}
        self._loaded = False
        self.version: object = None

    @property
    def loaded(self) -> bool:
        """Whether the book holds the table's rows (an empty table included)."""
        return self._loaded

    def replace(self, rows: Iterable[BookRow], *, version: object = None) -> None:
        """Swap in all rows at once.

        Args:
            rows: every row of the pricing table.
            version: what the table looked like when read (to skip needless reloads).
        """
        grouped: dict[tuple[str, str], list[BookRow]] = {}
        for row in rows:
            grouped.setdefault((row.provider, row.model), []).append(row)
        for group in grouped.values():
            # Overrides first, then newest first: the first row in force is the price.
            group.sort(key=lambda r: (not r.is_override, -r.effective_from.timestamp()))
        with self._lock:
            self._rows = grouped
            self._loaded = True
            self.version = version

    def clear(self) -> None:
        """Forget every row (back to "not loaded")."""
        with self._lock:
            self._rows = {}
            self._loaded = False
            self.version = None

    def price(self, provider: str, model: str, at: datetime | None = None) -> MicroPrice | None:
        """The price of `provider`'s `model` in force at `at` (now by default), or None."""
        moment = at if at is not None else datetime.now(UTC)
        with self._lock:
            rows = self._rows.get((provider, model), [])
        return next((r.price for r in rows if r.effective_from <= moment), None)


_shared = PriceBook()


def shared_price_book() -> PriceBook:
    """This process's book, used by every `CostCalculator` not given another one."""
    return _shared
