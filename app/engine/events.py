"""What the executor reports: node run records, the execution result, and the hooks protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class NodeStatus(StrEnum):
    """Status of one node in one run."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    CACHED = "cached"
    STALE = "stale"


class RunStatus(StrEnum):
    """Final status of an engine run (the execution row adds queued/crashed/paused)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class NodeStarted:
    """Sent to `before_node` as an attempt starts."""

    node_id: str
    node_type: str
    attempt: int
    inputs: dict[str, Any]
    started_at: datetime


@dataclass(frozen=True)
class NodeRunRecord:
    """One attempt of one node (or one skip), sent to `after_node` as it ends.

    Attributes:
        status: succeeded, failed, skipped or cancelled for attempts and skips; cached for a
            reused output; stale for a node left waiting for an explicit run.
        pinned: the output came from the node's pinned data; the node did not run.
        taken_handles: output handles that carried the output on (None: all).
        duration_ms: wall time of the attempt.
        cached: the output was reused (from the cache or from given outputs); the node did
            not run, `attempt` is 0 and no `before_node` was sent.
        cache_key: the run's cache key when the run used a cache (see `cache_key.py`).
    """

    node_id: str
    node_type: str
    node_name: str
    attempt: int
    status: NodeStatus
    inputs: dict[str, Any]
    output: Any
    error: str | None
    started_at: datetime
    finished_at: datetime
    duration_ms: float
    pinned: bool = False
    taken_handles: frozenset[str] | None = None
    cached: bool = False
    cache_key: str | None = None


@dataclass
class ExecutionResult:
    """The end of a run.

    Attributes:
        status: succeeded, failed or cancelled.
        node_status: final status of every node.
        outputs: final output of every node that produced one.
        output: the run's result: the `output` nodes' values keyed by node name when there
            are output nodes, else the outputs of the sink nodes (no outgoing edges) that
            succeeded, keyed by node name.
        error: the first error that failed the run, with the node it came from.
        error_node_id: that node.
    """

    status: RunStatus
    node_status: dict[str, NodeStatus] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    output: Any = None
    error: str | None = None
    error_node_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ExecutionHooks:
    """Callbacks an executor calls; subclass and override what you need (all no-ops here).

    Hooks are awaited inline: a slow hook slows the run. An exception raised by a hook
    fails the run (persistence failures must not go unnoticed).
    """

    async def before_node(self, event: NodeStarted) -> None:
        """A node attempt is about to run."""

    async def after_node(self, record: NodeRunRecord) -> None:
        """A node attempt ended, or a node was skipped, reused (cached) or left stale."""

    async def on_finish(self, result: ExecutionResult) -> None:
        """The run ended."""
