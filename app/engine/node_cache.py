"""The node output cache collaborator, an in-memory implementation, and variable capture."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class CachedOutput:
    """A reusable result of one succeeded node run.

    Attributes:
        output: the node's output.
        taken_handles: the output handles that carried it on (None: all but "error"); a
            cached condition routes exactly as the run it came from.
        variables: run variables the node wrote (`set_variables`); replayed on reuse so later
            expressions read the same `vars`.
    """

    output: Any
    taken_handles: frozenset[str] | None = None
    variables: dict[str, Any] = field(default_factory=dict)


class NodeCache(Protocol):
    """Where node outputs are kept by cache key (memory in tests, the database in the app)."""

    async def get(self, key: str) -> CachedOutput | None:
        """The output stored under this key, or None."""
        ...

    async def put(self, key: str, record: CachedOutput) -> None:
        """Store a succeeded node's output under its key."""
        ...


class MemoryNodeCache:
    """A `NodeCache` in a dict, least recently used entries evicted past `max_entries`."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[str, CachedOutput] = OrderedDict()

    async def get(self, key: str) -> CachedOutput | None:
        """The output stored under this key, or None."""
        record = self.entries.get(key)
        if record is not None:
            self.entries.move_to_end(key)
        return record

    async def put(self, key: str, record: CachedOutput) -> None:
        """Store an output; evicts the least recently used entry when full."""
        self.entries[key] = record
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self.entries)


class RecordingVariables(MutableMapping[str, Any]):
    """The run's variables as one node attempt sees them, remembering what it writes.

    Reads and writes go straight to the run's shared variables; `written` keeps this
    attempt's writes so a cached run can replay them.
    """

    def __init__(self, shared: dict[str, Any]) -> None:
        self.shared = shared
        self.written: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        return self.shared[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.shared[key] = value
        self.written[key] = value

    def __delitem__(self, key: str) -> None:
        del self.shared[key]
        self.written.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.shared)

    def __len__(self) -> int:
        return len(self.shared)
