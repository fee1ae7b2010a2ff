"""Canvas benchmark: a 300-node / 300-edge workflow in real Chromium against the real app.

Prints one JSON document. Figures:
- time to first render (navigation start -> first node card drawn; median of 3 visits after
  the dev server compiled the page), and the time until 40 cards are drawn;
- WebSocket frames, Reflex events and bytes the browser sends for one node drag;
- frame time (requestAnimationFrame deltas) while dragging a node and while zooming;
- whether the final position survives: the position the canvas shows after the drop equals
  the position saved in the database.
Goals: first render < 2 s, one event per drag, no dropped final position.

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
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from e2e.app_process import start_app
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS

NODES = 300
ROWS = 20
GOAL_FIRST_RENDER_MS = 2000.0
GOAL_EVENTS_PER_DRAG = 1
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
            with httpx.Client(base_url=app.backend_url, timeout=30) as api:
                created = api.post(
                    "/api/workflows", json={"name": "Bench 300", "definition": big_workflow()}
                )
                created.raise_for_status()
                workflow_id = created.json()["id"]
                report = measure(app.frontend_url + f"/workflows/{workflow_id}", api, workflow_id)
                report["mode"] = "prod" if prod else "dev"
        finally:
            app.stop()
    print(json.dumps(report, indent=2))


def measure(url: str, api: httpx.Client, workflow_id: int) -> dict[str, Any]:
    """Every figure of the benchmark for one workflow page."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
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
    }


if __name__ == "__main__":
    main()
