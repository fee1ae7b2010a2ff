"""Reactive runs on a 20-node chain, on SQLite and PostgreSQL: staleness after an edit, "run
stale" running only stale nodes (node_runs counted in the database), failed nodes never
reused, pinned outputs, run this node / up to here, and trigger input invalidating the cache.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from app.models.execution import ExecutionDetail
from app.models.workflow import WorkflowCreate, WorkflowUpdate
from app.services import pinned_outputs
from app.services import workflows as workflow_service
from app.services.errors import InvalidInputError, NotFoundError
from app.services.execution_reads import get_execution_detail, wait_for_execution
from app.services.execution_store import NODE_RUNS
from app.services.outbound_http import ALLOWLIST_ENV
from app.services.principal import SYSTEM
from app.services.reactive_runs import (
    get_node_outputs,
    side_effect_nodes,
    stale_node_ids,
    start_reactive_run,
    workflow_node_states,
)
from app.services.unit_of_work import session_scope
from tests.documents import chain, node

pytestmark = pytest.mark.usefixtures("db_url")

IDS = [f"n{i}" for i in range(1, 21)]
# Fails while rendering (division by zero) when the trigger payload has `fail`.
FAILING_TEMPLATE = "{{ (1 / 0) if trigger.get('fail') else input ~ '|5' }}"


def chain20() -> dict[str, Any]:
    """n1 (manual trigger) -> n2 .. n20 (transforms); each appends `|<k>` to its input."""
    nodes = [node("n1", "manual_trigger"), node("n2", "transform", template="{{ input.x }}|2")]
    for k in range(3, 21):
        template = FAILING_TEMPLATE if k == 5 else f"{{{{ input }}}}|{k}"
        nodes.append(node(f"n{k}", "transform", template=template))
    return chain(*nodes)


def expected(start: str, upto: int = 20, replaced: dict[int, str] | None = None) -> str:
    """The output of node n<upto> when the chain starts from `start`."""
    parts = [start] + [(replaced or {}).get(k, str(k)) for k in range(2, upto + 1)]
    return "|".join(parts)


def nodes_from(k: int, end: int = 20) -> set[str]:
    return {f"n{i}" for i in range(k, end + 1)}


def create(definition: dict[str, Any]) -> int:
    with session_scope() as session:
        workflow = workflow_service.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Chain", definition=definition)
        )
    return workflow.id


def edit_template(workflow_id: int, node_id: str, template: str) -> None:
    with session_scope() as session:
        definition = workflow_service.get_workflow(
            session, principal=SYSTEM, workflow_id=workflow_id
        ).definition
        for item in definition["nodes"]:
            if item["id"] == node_id:
                item["config"]["template"] = template
        workflow_service.update_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=WorkflowUpdate(definition=definition),
        )


async def run(workflow_id: int, mode: str = "stale", **kwargs: Any) -> ExecutionDetail:
    with session_scope() as session:
        started = start_reactive_run(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            mode=mode,
            **kwargs,  # type: ignore[arg-type]
        )
    finished = await wait_for_execution(execution_id=started.id, timeout_s=20)
    assert finished.status in {"succeeded", "failed"}, finished
    with session_scope(read_only=True) as session:
        return get_execution_detail(session, principal=SYSTEM, execution_id=started.id)


def node_run_counts(execution_id: int) -> Counter[str]:
    """node_runs rows of one execution per node, counted in the database."""
    with session_scope(read_only=True) as session:
        rows = session.connection().execute(
            select(NODE_RUNS.c.node_id).where(NODE_RUNS.c.execution_id == execution_id)
        )
        return Counter(row.node_id for row in rows)


def stale(workflow_id: int) -> set[str]:
    with session_scope(read_only=True) as session:
        return stale_node_ids(session, principal=SYSTEM, workflow_id=workflow_id)


def states(workflow_id: int) -> dict[str, Any]:
    with session_scope(read_only=True) as session:
        return workflow_node_states(session, principal=SYSTEM, workflow_id=workflow_id)


async def test_editing_node_k_makes_k_to_20_stale_and_run_stale_runs_only_them() -> None:
    workflow_id = create(chain20())
    assert stale(workflow_id) == set(IDS)
    assert {s.status for s in states(workflow_id).values()} == {"pending"}

    first = await run(workflow_id, "all", input={"x": "a"})
    assert first.status == "succeeded"
    assert node_run_counts(first.id) == Counter(IDS)
    assert stale(workflow_id) == set()

    edit_template(workflow_id, "n8", "{{ input }}|8*")
    assert stale(workflow_id) == nodes_from(8)

    second = await run(workflow_id, "stale")
    assert second.status == "succeeded"
    assert node_run_counts(second.id) == Counter(nodes_from(8))
    assert second.node_states is not None
    for node_id in nodes_from(1, 7):
        assert second.node_states[node_id]["status"] == "cached"
        assert second.node_states[node_id]["cached"] is True
        assert second.node_states[node_id]["cache_key"]
    for node_id in nodes_from(8):
        assert second.node_states[node_id]["status"] == "succeeded"
        assert second.node_states[node_id]["cached"] is False
    assert second.input == {"x": "a"}  # the last run's input was reused

    assert stale(workflow_id) == set()
    latest = states(workflow_id)
    assert latest["n3"].cached and latest["n3"].output == expected("a", 3)
    assert latest["n3"].attempts == 0
    assert latest["n20"].output == expected("a", replaced={8: "8*"})
    assert latest["n20"].attempts == 1 and not latest["n20"].cached
    with session_scope(read_only=True) as session:
        outputs = get_node_outputs(session, principal=SYSTEM, workflow_id=workflow_id)
    assert outputs["n1"] == {"x": "a"}
    assert outputs["n7"] == expected("a", 7)


async def test_a_failed_upstream_node_is_never_reused() -> None:
    workflow_id = create(chain20())
    first = await run(workflow_id, "all", input={"x": "a", "fail": True})
    assert first.status == "failed" and first.error_node_id == "n5"
    assert first.node_states is not None
    assert first.node_states["n5"]["status"] == "failed"
    assert first.node_states["n6"]["status"] == "cancelled"
    assert stale(workflow_id) == nodes_from(5)

    # The failure again: n5 is run (and fails) again, not taken from anywhere.
    again = await run(workflow_id, "stale")
    assert again.status == "failed"
    assert node_run_counts(again.id)["n5"] == 1

    fixed = await run(workflow_id, "stale", input={"x": "a"})
    assert fixed.status == "succeeded"
    counts = node_run_counts(fixed.id)
    assert set(counts) >= nodes_from(5)
    assert fixed.node_states is not None
    # n3 and n4 saw the same inputs as before, so they are reused; n5 and on never are.
    assert {n for n, s in fixed.node_states.items() if s["cached"]} == {"n3", "n4"}
    assert states(workflow_id)["n20"].output == expected("a")
    assert stale(workflow_id) == set()


async def test_a_pinned_output_is_used_as_is() -> None:
    workflow_id = create(chain20())
    await run(workflow_id, "all", input={"x": "a"})
    with session_scope() as session:
        pinned_outputs.pin_node_output(
            session, principal=SYSTEM, workflow_id=workflow_id, node_id="n10", output="PINNED"
        )
    assert stale(workflow_id) == nodes_from(10)

    pinned = await run(workflow_id, "stale")
    counts = node_run_counts(pinned.id)
    assert "n10" not in counts
    assert counts == Counter(nodes_from(11))
    assert pinned.node_states is not None
    assert pinned.node_states["n10"]["status"] == "succeeded"
    assert pinned.node_states["n10"]["pinned"] is True
    latest = states(workflow_id)
    assert latest["n10"].output == "PINNED" and latest["n10"].pinned
    assert latest["n11"].output == "PINNED|11"
    assert stale(workflow_id) == set()

    with session_scope() as session:
        pinned_outputs.unpin_node_output(
            session, principal=SYSTEM, workflow_id=workflow_id, node_id="n10"
        )
    assert stale(workflow_id) == nodes_from(10)
    unpinned = await run(workflow_id, "stale")
    assert node_run_counts(unpinned.id) == Counter(nodes_from(10))
    assert states(workflow_id)["n20"].output == expected("a")


async def test_changing_the_trigger_input_invalidates_everything_downstream() -> None:
    workflow_id = create(chain20())
    await run(workflow_id, "all", input={"x": "a"})

    changed = await run(workflow_id, "stale", input={"x": "b"})
    assert node_run_counts(changed.id) == Counter(IDS)
    assert changed.node_states is not None
    assert not any(s["cached"] for s in changed.node_states.values())
    assert states(workflow_id)["n20"].output == expected("b")

    back = await run(workflow_id, "stale", input={"x": "a"})
    assert node_run_counts(back.id) == Counter()
    assert back.node_states is not None
    assert all(s["status"] == "cached" for s in back.node_states.values())
    assert states(workflow_id)["n20"].output == expected("a")


async def test_run_this_node_and_run_up_to_here() -> None:
    workflow_id = create(chain20())
    await run(workflow_id, "all", input={"x": "a"})
    edit_template(workflow_id, "n8", "{{ input }}|8*")

    this_node = await run(workflow_id, "node", node_id="n12")
    # n7's shown output is given (so n1..n6 are not needed); the stale n8..n11 run for n12.
    assert node_run_counts(this_node.id) == Counter(nodes_from(8, 12))
    assert this_node.node_states is not None
    assert set(this_node.node_states) == nodes_from(7, 12)
    assert this_node.node_states["n7"] == {
        "status": "cached",
        "cached": True,
        "cache_key": None,
        "pinned": False,
    }
    assert stale(workflow_id) == nodes_from(13)
    assert states(workflow_id)["n12"].output == expected("a", 12, replaced={8: "8*"})

    up_to = await run(workflow_id, "up_to", node_id="n15")
    assert node_run_counts(up_to.id) == Counter(nodes_from(13, 15))
    assert stale(workflow_id) == nodes_from(16)

    # A node that is not stale runs on its own when asked to.
    single = await run(workflow_id, "node", node_id="n3")
    assert node_run_counts(single.id) == Counter({"n3": 1})
    assert stale(workflow_id) == nodes_from(16)
    assert states(workflow_id)["n2"].execution_id != single.id  # seeds are not states


async def test_run_this_node_failing_makes_everything_downstream_of_it_stale() -> None:
    workflow_id = create(chain20())
    await run(workflow_id, "all", input={"x": "a"})
    assert stale(workflow_id) == set()

    # Only n5 runs (n4's output is given) and it fails on this input; n6..n20 keep the
    # outputs of the first run, which no longer follow from n5's latest state.
    failed = await run(workflow_id, "node", node_id="n5", input={"x": "a", "fail": True})
    assert failed.status == "failed" and failed.error_node_id == "n5"
    assert node_run_counts(failed.id) == Counter({"n5": 1})
    assert stale(workflow_id) == nodes_from(5)
    latest = states(workflow_id)
    assert latest["n5"].status == "failed"
    assert latest["n6"].status == "succeeded" and latest["n6"].stale
    assert latest["n20"].stale and not latest["n4"].stale


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with 201 and counts it on the server."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts += 1  # type: ignore[attr-defined]
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def post_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    """A local HTTP server counting POSTs, allowlisted for runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.posts = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(ALLOWLIST_ENV, f"127.0.0.1:{server.server_address[1]}")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def test_a_side_effect_node_is_never_auto_run(post_server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{post_server.server_address[1]}/hook"
    workflow_id = create(
        chain(
            node("start", "manual_trigger"),
            node("prepare", "transform", template="{{ input.x }}!"),
            node("send", "http_request", method="POST", url=url, body={"v": "{{ input }}"}),
            node("after", "transform", template="{{ input.status }}"),
        )
    )
    with session_scope(read_only=True) as session:
        assert side_effect_nodes(session, principal=SYSTEM, workflow_id=workflow_id) == ["send"]

    auto = await run(workflow_id, "stale", input={"x": "a"}, auto=True)
    assert auto.status == "succeeded"
    assert post_server.posts == 0  # type: ignore[attr-defined]
    assert node_run_counts(auto.id) == Counter({"start": 1, "prepare": 1})
    assert auto.node_states is not None
    assert auto.node_states["send"]["status"] == "stale"
    assert auto.node_states["after"]["status"] == "stale"
    assert stale(workflow_id) == {"send", "after"}

    explicit = await run(workflow_id, "stale")
    assert explicit.status == "succeeded"
    assert post_server.posts == 1  # type: ignore[attr-defined]
    assert node_run_counts(explicit.id) == Counter({"send": 1, "after": 1})
    assert states(workflow_id)["after"].output == 201

    # Auto-run after editing downstream reuses the request's recorded response.
    edit_template(workflow_id, "after", "status {{ input.status }}")
    again = await run(workflow_id, "stale", auto=True)
    assert post_server.posts == 1  # type: ignore[attr-defined]
    assert node_run_counts(again.id) == Counter({"after": 1})
    assert states(workflow_id)["after"].output == "status 201"


async def test_bad_requests_are_refused_before_anything_runs() -> None:
    workflow_id = create(chain20())
    with session_scope() as session:
        with pytest.raises(NotFoundError, match="nope"):
            start_reactive_run(
                session, principal=SYSTEM, workflow_id=workflow_id, mode="node", node_id="nope"
            )
        with pytest.raises(InvalidInputError, match="needs a node_id"):
            start_reactive_run(session, principal=SYSTEM, workflow_id=workflow_id, mode="up_to")
        with pytest.raises(InvalidInputError, match="mode must be"):
            start_reactive_run(session, principal=SYSTEM, workflow_id=workflow_id, mode="fast")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="takes no node_id"):
            start_reactive_run(
                session, principal=SYSTEM, workflow_id=workflow_id, mode="stale", node_id="n2"
            )
        with pytest.raises(NotFoundError):
            stale_node_ids(session, principal=SYSTEM, workflow_id=workflow_id + 1)
        with pytest.raises(NotFoundError, match="nope"):
            pinned_outputs.pin_node_output(
                session, principal=SYSTEM, workflow_id=workflow_id, node_id="nope", output=1
            )
        with pytest.raises(InvalidInputError, match="null"):
            pinned_outputs.pin_node_output(
                session, principal=SYSTEM, workflow_id=workflow_id, node_id="n2", output=None
            )
