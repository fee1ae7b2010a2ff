"""Versions benchmark: the diff and the three-way merge of 1,000-node documents, and the
history list of a workflow with 10,000 versions.

- diff: `diff(a, b, normalized=True)` of two 1,000-node documents (a chain of transforms)
  where 5% of the nodes changed (50: a config value, and every other one also moved);
- merge: `merge(base, ours, theirs, normalized=True)` where ours and theirs each changed a
  different 5% of the nodes (stored documents are normal already, hence `normalized`);
- history: `list_versions` (newest page of 50, through the service with its access check,
  in a read-only session) of a workflow with 10,000 versions on a scratch SQLite database,
  the rows made by one bulk insert; the last page (offset 9,950) is shown beside it.
Goals (issue 10): diff < 20 ms, merge < 50 ms, history < 50 ms. Each figure is the median
of the repeats, printed with its goal, its ratio to the goal and whether it is met; the
slowest repeat is shown beside it.

Run with `python bench/diff.py [--repeats N]`.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.engine.diff import diff, normalize
from app.engine.merge import merge

NODES = 1000
CHANGED = 0.05
VERSIONS = 10_000
PAGE = 50
GOAL_DIFF_MS = 20.0
GOAL_MERGE_MS = 50.0
GOAL_HISTORY_MS = 50.0


def document(nodes: int) -> dict[str, Any]:
    """trigger -> `nodes - 1` transforms in a chain, normalised as stored documents are."""
    elements = [{"id": "n0", "type": "manual_trigger", "name": "Start", "config": {}}]
    elements += [
        {
            "id": f"n{i}",
            "type": "transform",
            "name": f"Step {i}",
            "config": {"template": f"Step {i} of {{{{ input }}}}"},
            "position": {"x": 200.0 * i, "y": 100.0},
        }
        for i in range(1, nodes)
    ]
    edges = [
        {"id": f"e{i}", "source": f"n{i - 1}", "source_handle": "out", "target": f"n{i}"}
        for i in range(1, nodes)
    ]
    return normalize({"schema": 1, "nodes": elements, "edges": edges})


def changed(base: dict[str, Any], first: int, count: int, label: str) -> dict[str, Any]:
    """`base` with `count` nodes from index `first` edited (and every other one moved)."""
    edited = copy.deepcopy(base)
    for k, node in enumerate(edited["nodes"][first : first + count]):
        node["config"]["template"] = f"{label} {node['id']}"
        if k % 2 == 0:
            node["position"] = {"x": node["position"]["x"] + 40.0, "y": 300.0}
    return edited


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    """Milliseconds of each of `repeats` calls (after one warm-up call)."""
    call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def figure(samples: list[float], goal: float) -> dict[str, Any]:
    """The median beside its goal: ratio = value / goal, and whether the goal is met."""
    value = statistics.median(samples)
    return {
        "value": round(value, 3),
        "goal": f"< {goal:g}",
        "ratio_to_goal": round(value / goal, 3),
        "met": value < goal,
        "slowest_ms": round(max(samples), 3),
        "repeats": len(samples),
    }


def history_samples(repeats: int) -> tuple[list[float], list[float]]:
    """Times of the newest and the last page of a 10,000-version history on SQLite."""
    from sqlalchemy import insert, update
    from sqlmodel import col

    from app.models.db import configure_engine
    from app.models.migrations import upgrade_database
    from app.models.types import utc_now
    from app.models.version import VersionKind, WorkflowVersion, content_hash
    from app.models.workflow import Workflow, WorkflowCreate
    from app.services import versions, workflows
    from app.services.principal import SYSTEM
    from app.services.unit_of_work import session_scope

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade_database(url)
        engine = configure_engine(url)
        stored = document(20)
        with session_scope() as session:
            workflow_id = workflows.create_workflow(
                session, principal=SYSTEM, data=WorkflowCreate(name="History", definition=stored)
            ).id
        now, digest = utc_now(), content_hash(stored)
        rows = [
            {
                "workflow_id": workflow_id,
                "number": number,
                "kind": VersionKind.AUTO.value,
                "message": "",
                "author_id": None,
                "parent_id": None,
                "definition": stored,
                "content_hash": digest,
                "created_at": now,
                "updated_at": now,
                "summary": "1 node changed",
            }
            for number in range(2, VERSIONS + 1)
        ]
        with session_scope() as session:
            session.execute(insert(WorkflowVersion), rows)
            session.execute(
                update(Workflow)
                .where(col(Workflow.id) == workflow_id)
                .values(version_number=VERSIONS)
            )

        def page(offset: int) -> Callable[[], object]:
            def call() -> object:
                with session_scope(read_only=True) as session:
                    listed = versions.list_versions(
                        session,
                        principal=SYSTEM,
                        workflow_id=workflow_id,
                        offset=offset,
                        limit=PAGE,
                    )
                assert len(listed.items) == PAGE and listed.total == VERSIONS
                return listed

            return call

        newest, last = timed(page(0), repeats), timed(page(VERSIONS - PAGE), repeats)
        engine.dispose()
    return newest, last


def main() -> None:
    """Measure every figure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed calls per figure")
    args = parser.parse_args()
    count = int(NODES * CHANGED)
    base = document(NODES)
    ours = changed(base, 100, count, "Ours")
    theirs = changed(base, 500, count, "Theirs")
    changes = diff(base, ours, normalized=True)
    merged = merge(base, ours, theirs, normalized=True)
    assert changes.counts.nodes_modified == count and not merged.conflicts
    diff_ms = timed(lambda: diff(base, ours, normalized=True), args.repeats)
    merge_ms = timed(lambda: merge(base, ours, theirs, normalized=True), args.repeats)
    newest_ms, last_ms = history_samples(args.repeats)
    report = {
        "benchmark": "versions: diff, merge, history list",
        "documents": {"nodes": NODES, "edges": NODES - 1, "nodes_changed_per_side": count},
        "history": {"versions": VERSIONS, "page": PAGE, "database": "sqlite"},
        "figures": {
            "diff_ms": figure(diff_ms, GOAL_DIFF_MS),
            "merge_ms": figure(merge_ms, GOAL_MERGE_MS),
            "history_newest_page_ms": figure(newest_ms, GOAL_HISTORY_MS),
            "history_last_page_ms": figure(last_ms, GOAL_HISTORY_MS),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
