"""The cost ledger of one node run: tokens, cost and mock use, read from an AI node's output.

Agent nodes report `tokens` {"input", "output"}, `cost_usd` and `is_mock`; orchestration
nodes report `total_tokens`, `total_cost_usd` and, per agent (and judge), `is_mock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AI_NODE_TYPES = frozenset({"agent", "orchestration"})


@dataclass(frozen=True)
class NodeUsage:
    """What one node run consumed; None where the output does not say."""

    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    is_mock: bool = False

    def columns(self) -> dict[str, Any]:
        """The node_runs columns of the ledger."""
        return {
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd,
        }


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _mock_anywhere(output: dict[str, Any]) -> bool:
    if output.get("is_mock") is True:
        return True
    calls = [*(output.get("agents") or ()), output.get("judge")]
    return any(isinstance(call, dict) and call.get("is_mock") is True for call in calls)


def node_usage(node_type: str, output: Any) -> NodeUsage:
    """The ledger of an AI node's output; empty for other nodes and for failed runs.

    Args:
        node_type: the node's type.
        output: what the node returned.

    Returns:
        Tokens in/out, cost in USD and whether a mock answer was involved.
    """
    if node_type not in AI_NODE_TYPES or not isinstance(output, dict):
        return NodeUsage()
    tokens = output.get("tokens")
    if not isinstance(tokens, dict):
        tokens = output.get("total_tokens")
    tokens = tokens if isinstance(tokens, dict) else {}
    cost = output["cost_usd"] if "cost_usd" in output else output.get("total_cost_usd")
    return NodeUsage(
        tokens_in=_int(tokens.get("input")),
        tokens_out=_int(tokens.get("output")),
        cost_usd=_number(cost),
        is_mock=_mock_anywhere(output),
    )
