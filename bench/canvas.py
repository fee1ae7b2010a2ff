"""Canvas benchmark: a 300-node / 300-edge workflow in real Chromium against the real app.

Prints one JSON document. Figures:
- time to first render (navigation start -> first node card drawn; median of 3 visits after
  the dev server compiled the page), and the time until 40 cards are drawn;
- WebSocket frames, Reflex events and bytes the browser sends for one node drag;
- frame time (requestAnimationFrame deltas) while dragging a node and while zooming;
- whether the final position survives: the position the canvas shows after the drop equals
  the position saved in the database;
- a run of a 150-node chain (trigger -> 149 transforms, each adding 1 to its input): time
  from clicking "Run" to the last card showing its output, and the WebSocket frames and
  bytes the browser receives meanwhile (and in the 2 s after), with the largest frame.
Goals: first render < 2 s, one event per drag, no dropped final position, chain run shown
in < 1 s with O(nodes) small messages (no full-output refetch per tick).

Run with `python bench/canvas.py [--prod]` (starts `reflex run` on free ports with a scratch
database, like the browser tests do; `--prod` measures the production build on one port).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from e2e.app_process import AppProcess, start_app
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, logged_in_context
from tests.credentials import owner_api_key, set_up_owner

NODES = 300
ROWS = 20
GOAL_FIRST_RENDER_MS = 2000.0
GOAL_EVENTS_PER_DRAG = 1
CHAIN_NODES = 150
CHAIN_COLUMNS = 15
GOAL_CHAIN_RUN_MS = 1000.0
RUN_TAIL_MS = 2000
CHAIN_TIMEOUT_MS = 60_000
FRAME_BUDGET_MS = 1000 / 60
DRAG_STEPS = 40
RENDER_SAMPLES = 3
EVENT_NAME = re.compile(r'\\?"name\\?":\s*\\?"[^"\\]*?\.(\w+)\\?"')

FRAME_RECORDER = """() => {
  window.__frames = []; window.__recording = true;
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t;
    if (window.__recording) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
NODE_POSITION = """(id) => {
  const el = document.querySelector(`.react-flow__node[data-id="${id}"]`);
  const m = /translate\\(([-\\d.]+)px, ?([-\\d.]+)px\\)/.exec(el.style.transform);
  return {x: parseFloat(m[1]), y: parseFloat(m[2])};
}"""


def big_workflow() -> dict[str, Any]:
    """A trigger and 299 transforms in 20 rows; each row is a chain: 300 edges in all."""
    nodes = [{"id": "n0", "type": "manual_trigger", "name": "Start", "position": {"x": 0, "y": 0}}]
    edges = []
    for k in range(1, NODES):
        column, row = (k - 1) // ROWS, (k - 1) % ROWS
        nodes.append(
            {
                "id": f"n{k}",
                "type": "transform",
                "name": f"Step {k}",
                "position": {"x": 300.0 * (column + 1), "y": 150.0 * row},
            }
        )
        source = "n0" if column == 0 else f"n{k - ROWS}"
        edges.append({"id": f"e{k}", "source": source, "target": f"n{k}"})
    edges.append({"id": "e_extra", "source": "n1", "target": f"n{ROWS + 2}"})
    return {"schema": 1, "nodes": nodes, "edges": edges}


def chain_workflow() -> dict[str, Any]:
    """n0 (manual trigger) -> n1 .. n149; n1 outputs 1 and each next node its input + 1.

    Laid out in rows of 15 so that fitting the view shows every card (the canvas draws only
    the cards in view).
    """
    nodes = []
    for k in range(CHAIN_NODES):
        node: dict[str, Any] = {
            "id": f"n{k}",
            "type": "manual_trigger" if k == 0 else "transform",
            "name": "Start" if k == 0 else f"Add {k}",
            "position": {"x": 300.0 * (k % CHAIN_COLUMNS), "y": 200.0 * (k // CHAIN_COLUMNS)},
        }
        if k:
            node["config"] = {"template": "{{ 1 }}" if k == 1 else "{{ input + 1 }}"}
        nodes.append(node)
    edges = [
        {"id": f"e{k}", "source": f"n{k - 1}", "target": f"n{k}"} for k in range(1, CHAIN_NODES)
    ]
    return {"schema": 1, "nodes": nodes, "edges": edges}


def chain_run(page: Page, url: str, api: httpx.Client, workflow_id: int) -> dict[str, Any]:
    """Click "Run" on the chain and time it until the last card shows its output.

    Counts the WebSocket frames the page receives from the click until then, and in the
    `RUN_TAIL_MS` after (a view that keeps polling shows up there). The execution's own
    duration (started -> finished, from the API) tells the engine's share from the page's.
    """
    last = f"n{CHAIN_NODES - 1}"
    expected = str(CHAIN_NODES - 1)
    sockets: list[Any] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(url)
    page.wait_for_selector(".react-flow__node", timeout=120_000)
    page.locator(".react-flow__controls-fitview").click()
    page.wait_for_selector(f".react-flow__node[data-id='{last}'] [data-preview]")
    page.wait_for_timeout(1000)  # let loading settle before counting
    received: list[tuple[float, int]] = []

    def listener(payload: str | bytes) -> None:
        received.append((time.perf_counter(), len(payload)))

    for ws in sockets:
        ws.on("framereceived", listener)
    clicked = time.perf_counter()
    page.get_by_role("button", name="Run", exact=True).click()
    try:
        page.wait_for_function(
            """([id, text]) => {
              const card = document.querySelector(`.react-flow__node[data-id="${id}"]`);
              const el = card && card.querySelector("[data-preview]");
              return el !== null && el.textContent.trim() === text;
            }""",
            arg=[last, expected],
            timeout=CHAIN_TIMEOUT_MS,
            polling="raf",
        )
    except PlaywrightTimeoutError:
        shown_text = page.locator(f".react-flow__node[data-id='{last}'] [data-preview]").first
        executions = api.get("/api/executions", params={"workflow_id": workflow_id, "limit": 1})
        return {
            "shown": False,
            "waited_ms": CHAIN_TIMEOUT_MS,
            "last_card_shows": shown_text.text_content(),
            "latest_execution": (executions.json()["items"] or [None])[0],
        }
    shown = time.perf_counter()
    page.wait_for_timeout(RUN_TAIL_MS)
    for ws in sockets:
        ws.remove_listener("framereceived", listener)
    until_shown = [size for at, size in received if at <= shown]
    elapsed_ms = (shown - clicked) * 1000
    execution = api.get("/api/executions", params={"workflow_id": workflow_id, "limit": 1})
    latest = execution.json()["items"][0]
    started, finished = (datetime.fromisoformat(latest[k]) for k in ("started_at", "finished_at"))
    return {
        "shown": True,
        "nodes": CHAIN_NODES,
        "run_to_last_output_ms": round(elapsed_ms, 1),
        "execution_started_to_finished_ms": round((finished - started).total_seconds() * 1000, 1),
        "goal_ms": GOAL_CHAIN_RUN_MS,
        "ratio_to_goal": round(elapsed_ms / GOAL_CHAIN_RUN_MS, 3),
        "frames_received_until_shown": len(until_shown),
        "bytes_received_until_shown": sum(until_shown),
        "frames_received_with_tail": len(received),
        "bytes_received_with_tail": sum(size for _, size in received),
        "tail_ms": RUN_TAIL_MS,
        "largest_frame_bytes": max((size for _, size in received), default=0),
        "frames_per_node": round(len(until_shown) / CHAIN_NODES, 2),
        "bytes_per_node": round(sum(until_shown) / CHAIN_NODES, 1),
    }


def frame_stats(frames: list[float]) -> dict[str, float]:
    """Mean, 95th percentile and worst frame time (ms), and the share of frames over 16.7 ms."""
    frames = frames[1:] or [0.0]
    ordered = sorted(frames)
    return {
        "frames": len(frames),
        "mean_ms": round(statistics.fmean(frames), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "over_budget_share": round(sum(f > FRAME_BUDGET_MS * 1.5 for f in frames) / len(frames), 3),
    }


def first_render(page: Page, url: str) -> dict[str, float]:
    """Milliseconds from navigation to the empty canvas, the first node card and 40 cards."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".react-flow__pane", timeout=30_000)
    shell = (time.perf_counter() - start) * 1000
    page.wait_for_selector(".react-flow__node")
    first = (time.perf_counter() - start) * 1000
    page.wait_for_function(
        "() => document.querySelectorAll('.react-flow__node').length >= 40", timeout=30_000
    )
    everything = (time.perf_counter() - start) * 1000
    return {
        "canvas_shell_ms": round(shell, 1),
        "first_node_ms": round(first, 1),
        "viewport_filled_ms": round(everything, 1),
    }


def drag_node(page: Page, node_id: str, dx: float, dy: float) -> dict[str, Any]:
    """Drag a node with the mouse and record frames and WebSocket traffic meanwhile."""
    sent: list[str | bytes] = []
    box = page.locator(f".react-flow__node[data-id='{node_id}']").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(FRAME_RECORDER)

    def listener(payload: str | bytes) -> None:
        sent.append(payload)

    for ws in _sockets:
        ws.on("framesent", listener)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, DRAG_STEPS + 1):
        page.mouse.move(x + dx * step / DRAG_STEPS, y + dy * step / DRAG_STEPS)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_timeout(600)  # the drag-stop event and its answer
    page.evaluate("() => { window.__recording = false; }")
    for ws in _sockets:
        ws.remove_listener("framesent", listener)
    events = [f for f in sent if isinstance(f, str) and f.startswith("42")]
    return {
        "frames_sent": len(sent),
        "events": len(events),
        "event_names": [m.group(1) for f in events if (m := EVENT_NAME.search(f))],
        "bytes": sum(len(f) for f in sent),
        "frame_time": frame_stats(page.evaluate("() => window.__frames")),
    }


def zoom_frames(page: Page) -> dict[str, float]:
    """Frame times while zooming in and out over the canvas with the wheel."""
    box = page.locator(".react-flow__pane").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.evaluate(FRAME_RECORDER)
    for delta in [-120] * 12 + [120] * 12:
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(30)
    page.evaluate("() => { window.__recording = false; }")
    return frame_stats(page.evaluate("() => window.__frames"))


_sockets: list[Any] = []


def main() -> None:
    """Start the app, create the workflow, measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prod", action="store_true", help="measure the production build (default: dev server)"
    )
    prod = parser.parse_args().prod
    with tempfile.TemporaryDirectory(prefix="flowbook-bench-") as work_dir:
        app = start_app(Path(work_dir), prod=prod)
        try:
            token = set_up_owner(app.backend_url)
            key = owner_api_key(app.backend_url, token)
            bearer = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=app.backend_url, headers=bearer, timeout=30) as api:
                created = api.post(
                    "/api/workflows", json={"name": "Bench 300", "definition": big_workflow()}
                )
                created.raise_for_status()
                workflow_id = created.json()["id"]
                chain = api.post(
                    "/api/workflows", json={"name": "Chain 150", "definition": chain_workflow()}
                )
                chain.raise_for_status()
                report = measure(
                    app,
                    token,
                    api,
                    workflow_id,
                    chain_id=chain.json()["id"],
                )
                report["mode"] = "prod" if prod else "dev"
        finally:
            app.stop()
    print(json.dumps(report, indent=2))


def measure(
    app: AppProcess, token: str, api: httpx.Client, workflow_id: int, *, chain_id: int
) -> dict[str, Any]:
    """Every figure of the benchmark, as the owner (`token`, a session of theirs): the 300-node
    page, then a run of the 150-node chain."""
    url = app.frontend_url + f"/workflows/{workflow_id}"
    viewport = {"width": 1600, "height": 1000}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = logged_in_context(browser, app, token, viewport=viewport)
        page = context.new_page()
        page.on("websocket", lambda ws: _sockets.append(ws))
        page.goto(url)  # the dev server compiles the page on its first visit
        page.wait_for_selector(".react-flow__node", timeout=120_000)
        renders = [first_render(page, url) for _ in range(RENDER_SAMPLES)]
        page.wait_for_timeout(500)
        node_id = "n45"
        drag = drag_node(page, node_id, 160, 90)
        shown = page.evaluate(NODE_POSITION, node_id)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(800)
        saved_node = next(
            n
            for n in api.get(f"/api/workflows/{workflow_id}").json()["definition"]["nodes"]
            if n["id"] == node_id
        )
        saved = saved_node["position"]
        zoom = zoom_frames(page)
        run_page = context.new_page()
        chain_url = url.rsplit("/", 1)[0] + f"/{chain_id}"
        run = chain_run(run_page, chain_url, api, chain_id)
        browser.close()
    kept = abs(saved["x"] - shown["x"]) < 0.5 and abs(saved["y"] - shown["y"]) < 0.5
    first = statistics.median(r["first_node_ms"] for r in renders)
    filled = statistics.median(r["viewport_filled_ms"] for r in renders)
    return {
        "nodes": NODES,
        "edges": len(big_workflow()["edges"]),
        "first_render": {
            "first_node_ms": first,
            "viewport_filled_ms": filled,
            "samples": renders,
            "goal_ms": GOAL_FIRST_RENDER_MS,
            "ratio_to_goal": round(first / GOAL_FIRST_RENDER_MS, 3),
        },
        "drag": {
            **drag,
            "goal_events": GOAL_EVENTS_PER_DRAG,
            "ratio_to_goal": drag["events"] / GOAL_EVENTS_PER_DRAG,
            "position_shown": shown,
            "position_saved": saved,
            "final_position_kept": kept,
        },
        "zoom_frame_time": zoom,
        "chain_run": run,
    }


if __name__ == "__main__":
    main()
