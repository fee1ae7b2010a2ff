"""What a node sees while it runs: the trigger payload, upstream outputs and collaborators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.engine.expression_budget import ExpressionLimits
from app.engine.spec import NodeSpec


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class HttpPolicy:
    """Outbound HTTP rules for the HTTP request node and every LLM provider call.

    Attributes:
        allow_private: allow loopback/private/link-local/CGNAT/metadata targets (tests, dev).
        allowlist: host names, IPs or CIDRs allowed even when private, each with an optional
            port (`host:11434`, `[::1]:8080`, `host:*` for every port; none means 80 and
            443); see `app.engine.nodes.ssrf_allowlist`.
        max_response_bytes: responses larger than this are refused.
    """

    allow_private: bool = False
    allowlist: tuple[str, ...] = ()
    max_response_bytes: int = 10 * 1024 * 1024


@dataclass
class RunServices:
    """Collaborators injected by whoever runs the engine (services, CLI, tests).

    Attributes:
        clock: returns the current time (UTC, aware).
        sleep: async sleep; tests may inject a fast one.
        http_policy: outbound HTTP rules.
        http_transport: optional httpx transport (tests); None uses the network.
        llm: the LLM client for AI nodes (later issues); None when not configured.
        resolver: optional `async resolver(host, port) -> list of IP strings` used by the
            HTTP request node's SSRF guard; None uses the system resolver (getaddrinfo).
        expression_limits: the time, size and loop budget of each node's expressions.
    """

    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], Any] = asyncio.sleep
    http_policy: HttpPolicy = field(default_factory=HttpPolicy)
    http_transport: Any = None
    llm: Any = None
    resolver: Callable[[str, int], Awaitable[list[str]]] | None = None
    expression_limits: ExpressionLimits = field(default_factory=ExpressionLimits)


@dataclass
class NodeContext:
    """Passed to every node run.

    Attributes:
        node: the node being run.
        execution_id: the execution's id, or None for in-memory runs.
        trigger: the trigger payload of this run.
        outputs: outputs of nodes that have finished, keyed by node id.
        variables: run-wide variables written by `set_variables` nodes.
        services: injected collaborators.
        attempt: 1 for the first try, 2 for the first retry, ...
    """

    node: NodeSpec
    execution_id: int | None
    trigger: Any
    outputs: dict[str, Any]
    variables: MutableMapping[str, Any]
    services: RunServices
    attempt: int = 1
