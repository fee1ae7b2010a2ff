"""Runs from the canvas: run all / stale / this node / up to here, auto-run and live statuses."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.models.execution import FINISHED_STATUSES, ExecutionDetail
from app.services import executions, reactive_runs
from app.services.errors import ServiceError
from app.services.reactive_runs import RunMode
from app.services.unit_of_work import session_scope
from app.ui.state.display import error_message, format_ms, pretty
from app.ui.state.editor_document import node_by_id
from app.ui.state.editor_inspector_mixin import InspectorMixin
from app.ui.state.editor_views import status_entry

POLL_S = 0.5
MAX_KEYS = 20
FINISHED = frozenset(s.value for s in FINISHED_STATUSES)


class RunMixin(InspectorMixin, mixin=True):
    """Starting runs and following them on the cards."""

    auto_run: bool = False
    run_active: bool = False
    execution_id: int = 0
    drawer_open: bool = False
    drawer_node: str = ""
    drawer_name: str = ""
    drawer_status: str = ""
    drawer_input: str = ""
    drawer_output: str = ""
    drawer_error: str = ""
    drawer_duration: str = ""
    drawer_attempts: str = ""
    run_input: str = ""
    _expected: list[str] = []

    def _load_states(self) -> None:
        """Read every node's latest state (status, output, staleness) from the runs."""
        with session_scope(read_only=True) as session:
            states = reactive_runs.workflow_node_states(session, workflow_id=self.workflow_id)
        base: dict[str, dict[str, Any]] = {}
        for node_id, state in states.items():
            if state.status == "pending":
                continue
            has_output = state.status in ("succeeded", "cached") or state.pinned
            base[node_id] = {
                "entry": status_entry(
                    state.status,
                    state.output,
                    state.error,
                    stale=state.stale,
                    has_output=has_output,
                ),
                "stale": state.stale,
                "ran": True,
                "has_output": has_output,
                "output": state.output if has_output else None,
                "keys": list(state.output)[:MAX_KEYS] if isinstance(state.output, dict) else [],
                "error": state.error or "",
                "duration_ms": state.duration_ms,
                "attempts": state.attempts,
                "execution_id": state.execution_id,
                "cached": state.cached,
                "pinned": state.pinned,
            }
        self._base_states = base
        self._refresh_statuses()

    async def _start(self, mode: RunMode, node_id: str | None = None, *, auto: bool = False) -> Any:
        if self.run_active:
            return rx.toast.info("A run is already in progress")
        if self.dirty:
            error = self._save()
            if error:
                return rx.toast.error(f"Not saved: {error}")
        payload: Any = None
        if self.run_input.strip():
            try:
                payload = json.loads(self.run_input)
            except json.JSONDecodeError as exc:
                return rx.toast.error(f"The test input is not valid JSON: {exc.msg}")
        try:
            with session_scope() as session:
                execution = reactive_runs.start_reactive_run(
                    session,
                    workflow_id=self.workflow_id,
                    mode=mode,
                    node_id=node_id,
                    input=payload,
                    auto=auto,
                )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.execution_id = execution.id
        self.run_active = True
        if mode == "all":
            expected = list(self.statuses)
        elif mode == "stale":
            expected = [
                n
                for n, s in self.statuses.items()
                if s.get("stale") or s["status"] in ("pending", "failed")
            ]
        else:
            expected = [node_id or ""]
        self._expected = expected
        self.statuses = {
            n: ({**s, "status": "queued", "stale": False} if n in expected else s)
            for n, s in self.statuses.items()
        }
        return self._handler("poll_run")

    @rx.event
    def set_run_input(self, value: str) -> None:
        """The trigger payload (JSON) for the next runs; blank reuses the last run's."""
        self.run_input = value

    @rx.event
    async def run_all(self) -> Any:
        """Run the whole workflow."""
        return await self._start("all")

    @rx.event
    async def run_stale(self) -> Any:
        """Run only what is stale; the rest reuses cached outputs."""
        return await self._start("stale")

    @rx.event
    async def run_node(self, node_id: str) -> Any:
        """Run one node with its upstream outputs as they are."""
        return await self._start("node", node_id)

    @rx.event
    async def run_up_to(self, node_id: str) -> Any:
        """Run a node and the ancestors it needs."""
        return await self._start("up_to", node_id)

    @rx.event
    async def run_auto(self) -> Any:
        """Auto-run after an edit: stale nodes without side effects."""
        if self.run_active or not self.auto_run:
            return None
        return await self._start("stale", auto=True)

    @rx.event
    def set_auto_run(self, value: bool) -> EventSpec | None:
        """Turn auto-run on or off (on: run what is stale now)."""
        self.auto_run = bool(value)
        return self._handler("run_auto") if self.auto_run else None

    def _apply_live(self, detail: ExecutionDetail) -> None:
        latest: dict[str, Any] = {}
        for run in detail.node_runs:
            latest[run.node_id] = run
        parents: dict[str, list[str]] = {}
        for edge in self._document().get("edges", []):
            parents.setdefault(str(edge["target"]), []).append(str(edge["source"]))
        statuses = dict(self.statuses)
        for node_id in self._expected:
            if node_id not in statuses:
                continue
            run = latest.get(node_id)
            if run is not None:
                done = run.status in ("succeeded", "cached")
                entry = status_entry(
                    run.status, run.output, run.error, stale=False, has_output=done
                )
            elif all(p in latest for p in parents.get(node_id, [])):
                entry = {**statuses[node_id], "status": "running", "stale": False}
            else:
                continue
            statuses[node_id] = entry
        self.statuses = statuses

    @rx.event(background=True)
    async def poll_run(self) -> Any:
        """Follow the active run every half second until it ends."""
        async with self:
            execution_id = self.execution_id
        while True:
            await asyncio.sleep(POLL_S)
            with session_scope(read_only=True) as session:
                detail = executions.get_execution_detail(session, execution_id=execution_id)
            async with self:
                if self.execution_id != execution_id:
                    return None
                if detail.status not in FINISHED:
                    self._apply_live(detail)
                    continue
                self.run_active = False
                self._load_states()
                self._refresh_inspector()
                if self.drawer_open:
                    self._load_drawer(self.drawer_node)
                if detail.status != "succeeded":
                    return rx.toast.error(f"Run #{execution_id} {detail.status}: {detail.error}")
                return None

    @rx.event
    def cancel_run(self) -> EventSpec | None:
        """Cancel the active run."""
        if not self.run_active:
            return None
        try:
            with session_scope() as session:
                executions.cancel_execution(session, execution_id=self.execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return None

    def _load_drawer(self, node_id: str) -> None:
        base = self._base_states.get(node_id) or {}
        self.drawer_node = node_id
        node = node_by_id(self._document(), node_id) or {}
        self.drawer_name = str(node.get("name") or node_id)
        self.drawer_status = str((base.get("entry") or {}).get("status", "not run"))
        self.drawer_output = pretty(base.get("output")) if base.get("has_output") else ""
        self.drawer_error = str(base.get("error") or "")
        self.drawer_duration = format_ms(base.get("duration_ms"))
        attempts = base.get("attempts") or 0
        reuse = "pinned" if base.get("pinned") else "cached" if base.get("cached") else ""
        self.drawer_attempts = reuse or str(attempts)
        self.drawer_input = ""
        execution_id = base.get("execution_id")
        if execution_id:
            with session_scope(read_only=True) as session:
                detail = executions.get_execution_detail(session, execution_id=int(execution_id))
            runs = [r for r in detail.node_runs if r.node_id == node_id]
            if runs:
                self.drawer_input = pretty(runs[-1].inputs)

    @rx.event
    def open_output(self, node_id: str = "") -> None:
        """Open the output panel of a node (the selected one by default)."""
        target = node_id or self.sel_id
        if not target:
            return
        self.drawer_open = True
        self._load_drawer(target)

    @rx.event
    def close_output(self) -> None:
        """Close the output panel."""
        self.drawer_open = False
