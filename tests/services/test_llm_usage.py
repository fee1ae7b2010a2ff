"""The node-run cost ledger read from AI node outputs."""

from __future__ import annotations

from app.services.llm_usage import NodeUsage, node_usage


def test_an_agent_output_gives_tokens_cost_and_mock_flag() -> None:
    output = {"text": "hi", "tokens": {"input": 12, "output": 3}, "cost_usd": 0.002}
    assert node_usage("agent", output | {"is_mock": False}) == NodeUsage(12, 3, 0.002, False)
    assert node_usage("agent", output | {"is_mock": True}).is_mock is True


def test_an_orchestration_output_gives_its_totals_and_any_mock_agent() -> None:
    output = {
        "total_tokens": {"input": 30, "output": 9},
        "total_cost_usd": 0.5,
        "agents": [{"is_mock": False}, {"is_mock": True}],
        "judge": None,
    }
    assert node_usage("orchestration", output) == NodeUsage(30, 9, 0.5, True)
    judged = output | {"agents": [{"is_mock": False}], "judge": {"is_mock": True}}
    assert node_usage("orchestration", judged).is_mock is True
    real = output | {"agents": [{"is_mock": False}]}
    assert node_usage("orchestration", real).is_mock is False


def test_other_nodes_and_odd_values_leave_the_ledger_empty() -> None:
    looks_alike = {"tokens": {"input": 5, "output": 5}, "cost_usd": 1.0, "is_mock": True}
    assert node_usage("transform", looks_alike) == NodeUsage()
    assert node_usage("agent", None) == NodeUsage()
    assert node_usage("agent", "text") == NodeUsage()
    odd = {"tokens": {"input": True, "output": "3"}, "cost_usd": None}
    assert node_usage("agent", odd) == NodeUsage(None, None, None, False)
    assert NodeUsage(1, 2, 0.1).columns() == {"tokens_in": 1, "tokens_out": 2, "cost_usd": 0.1}
