"""Built-in nodes wired together and run by the executor."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from app.engine.context import HttpPolicy, RunServices
from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.spec import WorkflowSpec


def workflow(nodes: list[dict[str, Any]], edges: list[tuple[str, str, str]]) -> WorkflowSpec:
    """A spec from nodes and (source, source_handle, target) edges."""
    return WorkflowSpec.from_document(
        {
            "schema": 1,
            "nodes": nodes,
            "edges": [
                {"id": f"e{index}", "source": source, "source_handle": handle, "target": target}
                for index, (source, handle, target) in enumerate(edges)
            ],
        }
    )


async def test_fetch_branch_and_shape(http_server: str) -> None:
    spec = workflow(
        [
            {"id": "start", "type": "manual_trigger"},
            {"id": "fetch", "type": "http_request", "config": {"url": "{{ trigger.url }}"}},
            {"id": "ok", "type": "condition", "config": {"condition": "{{ input.status == 200 }}"}},
            {
                "id": "pick",
                "type": "transform",
                "config": {"mode": "jmespath", "expression": "body.items[1:]"},
            },
            {"id": "result", "name": "items", "type": "output"},
            {"id": "oops", "name": "failure", "type": "output", "config": {"value": "bad"}},
        ],
        [
            ("start", "out", "fetch"),
            ("fetch", "out", "ok"),
            ("ok", "true", "pick"),
            ("ok", "false", "oops"),
            ("pick", "out", "result"),
        ],
    )
    port = urlsplit(http_server).port
    services = RunServices(http_policy=HttpPolicy(allowlist=(f"127.0.0.1:{port}",)))
    result = await run_workflow(
        spec, trigger_payload={"url": f"{http_server}/json"}, services=services
    )
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.output == {"items": [2, 3]}
    assert result.node_status["oops"] is NodeStatus.SKIPPED


async def test_ssrf_refusal_fails_the_run() -> None:
    spec = workflow(
        [
            {"id": "start", "type": "manual_trigger"},
            {"id": "fetch", "type": "http_request", "config": {"url": "http://[::1]:9/"}},
        ],
        [("start", "out", "fetch")],
    )
    result = await run_workflow(spec)
    assert result.status is RunStatus.FAILED
    assert result.error_node_id == "fetch"
    assert "refused: ::1 is a loopback address" in (result.error or "")


async def test_switch_variables_delay_and_merge() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    spec = workflow(
        [
            {"id": "start", "type": "manual_trigger"},
            {"id": "vars", "type": "set_variables", "config": {"variables": {"tag": "x"}}},
            {
                "id": "route",
                "type": "condition",
                "config": {"mode": "switch", "value": "{{ trigger.kind }}", "cases": ["a", "b"]},
            },
            {"id": "wait", "type": "delay", "config": {"seconds": 5}},
            {"id": "other", "type": "transform", "config": {"template": "other"}},
            {"id": "join", "type": "merge", "config": {"mode": "first"}},
            {
                "id": "out",
                "name": "result",
                "type": "output",
                "config": {"value": {"got": "{{ input }}", "tag": "{{ vars.tag }}"}},
            },
        ],
        [
            ("start", "out", "vars"),
            ("vars", "out", "route"),
            ("route", "case_2", "wait"),
            ("route", "default", "other"),
            ("wait", "out", "join"),
            ("other", "out", "join"),
            ("join", "out", "out"),
        ],
    )
    result = await run_workflow(
        spec, trigger_payload={"kind": "b"}, services=RunServices(sleep=fake_sleep)
    )
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.node_status["other"] is NodeStatus.SKIPPED
    assert slept == [5]
    assert result.outputs["join"] == {"tag": "x"}
    assert result.output == {"result": {"got": {"tag": "x"}, "tag": "x"}}
