"""Runs from the canvas and their live statuses, pushed by the runner's run events.

Starting a run subscribes to the workflow's run events first, then starts the run, then
applies each event as it comes (a card says `running` from its node's start). No node
state is polled: the full stored states are read once when the editor opens, after a save
and when a run ends; a node's full input and output only when the drawer shows it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections import ChainMap
from dataclasses import replace
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.models.execution import FINISHED_STATUSES
from app.services import reactive_runs
from app.services.db_threads import run_db
from app.services.errors import BudgetExceededError, ServiceError
from app.services.execution_reads import wait_for_execution
from app.services.reactive_runs import RunMode
from app.services.run_events import RunEvent, get_run_events
from app.ui.state.auth_state import acting_principal
from app.ui.state.budgets_state import BudgetsState
from app.ui.state.display import error_message, pretty
from app.ui.state.editor_drawer_state import DrawerState
from app.ui.state.editor_live import (
    apply_run_event,
    card_statuses,
    edited_nodes,
    queued_nodes,
)
from app.ui.state.editor_models import LiveStatuses, NodeRunState, NodeStatus
from app.ui.state.editor_run_io import (
    PendingRun,
    cancel_execution,
    ended,
    next_batch,
    read_states,
    save_input,
)
from app.ui.state.editor_selection_state import SelectionState
from app.ui.state.editor_state import EditorState

CANNOT_RUN = "You can look at this workflow but not run it"

logger = logging.getLogger(__name__)

FINISHED = frozenset(s.value for s in FINISHED_STATUSES)
EVENT_WAIT_S = 1.0
# With no event for this long, ask the database once whether the run ended (a lost event,
# a crashed runner); not a poll of node states.
WATCHDOG_S = 5.0
# Events arriving together are applied in one push, at most this often.
PUSH_INTERVAL_S = 0.25


class RunState(EditorState):
    """Runs (all, stale, this node, up to here, auto), the cards' statuses, the test input."""

    run_active: bool = False
    execution_id: int = 0
    statuses: dict[str, NodeStatus] = {}
    live: LiveStatuses = LiveStatuses()
    run_input: str = ""
    run_input_error: str = ""

    _pending: PendingRun = PendingRun()
    # Bumped to stop the run follower: a new run, another workflow opened, the page left.
    _follow_token: int = 0
    # The test input as stored with the workflow (saved again only when it differs).
    _stored_input: str = ""
    # Every card the followed run changed so far (pushed through `live`).
    _run_seen: dict[str, NodeStatus] = {}

    def start_over(self, test_input: Any) -> None:
        """A workflow was opened: its own test input, no run followed."""
        self.run_input = self._stored_input = "" if test_input is None else pretty(test_input)
        self.run_input_error = ""
        self.run_active = False
        self.execution_id = 0
        self._follow_token += 1

    async def reload_states(self) -> None:
        """Read every node's stored latest state once (off the event loop)."""
        self._nodes = await run_db(read_states, await acting_principal(self), self.workflow_id)
        self.refresh_statuses()

    def refresh_statuses(self, document: dict[str, Any] | None = None) -> None:
        """Cards from the latest runs plus what unsaved edits made stale.

        Args:
            document: the current document when the caller already parsed it.
        """
        if document is None:
            document = self.document()
        fresh = card_statuses(document, self._nodes, edited_nodes(self.saved_document(), document))
        if self.run_active:  # an edit during a run keeps what the run showed so far
            fresh.update((n, s) for n, s in self._run_seen.items() if n in fresh)
        self.statuses = fresh
        self.live = LiveStatuses(seq=self.live.seq + 1)

    @rx.event
    def set_run_input(self, value: str) -> None:
        """The test input as typed (stored with the workflow when the field is left)."""
        self.run_input = value

    @rx.event
    async def save_run_input(self, value: str) -> None:
        """Store the test input with the workflow; blank clears it (runs reuse the last)."""
        self.run_input = value
        if value == self._stored_input or not self.can_change:
            return
        try:
            payload = json.loads(value) if value.strip() else None
        except json.JSONDecodeError as exc:
            self.run_input_error = f"Not valid JSON: {exc.msg} (line {exc.lineno})"
            return
        try:
            await run_db(save_input, await acting_principal(self), self.workflow_id, payload)
        except ServiceError as exc:
            self.run_input_error = error_message(exc)
            return
        self.run_input_error = ""
        self._stored_input = value

    async def _start(self, mode: RunMode, node_id: str | None = None, *, auto: bool = False) -> Any:
        if not self.can_run:
            return rx.toast.info(CANNOT_RUN, id="cannot-run")
        if self.run_active:
            return rx.toast.info("A run is already in progress")
        if self.dirty:
            error = await self.save_document()
            if error:
                return rx.toast.error(f"Not saved: {error}")
            await self.reload_states()
        try:
            payload = json.loads(self.run_input) if self.run_input.strip() else None
        except json.JSONDecodeError as exc:
            return rx.toast.error(f"The test input is not valid JSON: {exc.msg}")
        if self.run_input != self._stored_input:  # typed but the field was never left
            await self.save_run_input(self.run_input)
        self._pending = PendingRun(mode=mode, node_id=node_id, auto=auto, payload=payload)
        self._follow_token += 1
        self.run_active = True
        self.execution_id = 0
        queued = set(queued_nodes(mode, self.statuses, node_id))
        self._run_seen = {
            n: replace(s, status="queued", stale=False)
            for n, s in self.statuses.items()
            if n in queued
        }
        self.refresh_statuses()
        return RunState.follow_run

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
        if self.run_active or not self.auto_run or not self.can_run:
            return None
        return await self._start("stale", auto=True)

    @rx.event
    def set_auto_run(self, value: bool) -> Any:
        """Turn auto-run on or off (on: run what is stale now)."""
        self.auto_run = bool(value)
        return RunState.run_auto if self.auto_run else None

    @rx.event
    def stop_following(self) -> None:
        """The editor was left: stop applying run events (the run itself goes on)."""
        self._follow_token += 1

    @rx.event(background=True)
    async def follow_run(self) -> Any:
        """Subscribe to the workflow's run events, start the pending run, show its events."""
        async with self:
            # A copy: read through the state, the payload is a MutableProxy, which JSON
            # encoders do not take for a dict (the run's input became its repr text).
            pending = copy.deepcopy(self._pending)
            token, workflow_id = self._follow_token, self.workflow_id
        try:
            principal = await acting_principal(self)
            async with get_run_events().subscription(workflow_id=workflow_id) as sub:
                execution = await reactive_runs.start_reactive_run_async(
                    principal=principal,
                    workflow_id=workflow_id,
                    mode=pending.mode,
                    node_id=pending.node_id,
                    input=pending.payload,
                    auto=pending.auto,
                )
                quiet = 0.0
                while True:
                    batch = await next_batch(sub, EVENT_WAIT_S)
                    quiet = 0.0 if batch else quiet + EVENT_WAIT_S
                    if quiet >= WATCHDOG_S:
                        quiet = 0.0
                        current = await wait_for_execution(execution_id=execution.id, timeout_s=0)
                        status = str(current.status)
                        if status in FINISHED:
                            batch = [
                                RunEvent(
                                    execution.id, workflow_id, "execution_finished", status=status
                                )
                            ]
                    # Stored states are read once a run ends (or events were dropped), before
                    # taking the state's lock, so the page answers meanwhile.
                    states = None
                    if sub.lagged or any(ended(e, execution.id) for e in batch):
                        sub.lagged = False
                        states = await run_db(read_states, principal, workflow_id)
                    async with self:
                        if self._follow_token != token:
                            return None
                        self.execution_id = execution.id
                        done, events = await self.show_events(batch, execution.id, states)
                    if done:
                        return events
                    await asyncio.sleep(PUSH_INTERVAL_S)
        except BudgetExceededError as exc:
            return [rx.toast.error(error_message(exc), id="budget-refused"), BudgetsState.refresh]
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        except Exception:
            logger.exception("Running or following a run of workflow %s failed", workflow_id)
            return rx.toast.error("The run could not be started or followed (see the server log)")
        finally:
            # Whatever ended the follower, Run works again (unless another run took over).
            async with self:
                if self._follow_token == token and self.run_active:
                    self.run_active = False
                    self._run_seen = {}
                    self.refresh_statuses()

    async def show_events(
        self,
        batch: list[RunEvent],
        execution_id: int,
        states: dict[str, NodeRunState] | None = None,
    ) -> tuple[bool, list[Any]]:
        """Show a batch of the run's events; returns whether the run ended and what then.

        Args:
            batch: events in the order they came (other runs' events are skipped).
            execution_id: the run followed.
            states: the stored states, re-read because the run ended or events were lost.
        """
        if states is not None:
            self._nodes = states
        finished = next((e for e in batch if ended(e, execution_id)), None)
        if finished is not None:
            self.run_active = False
            self._run_seen = {}
            self.refresh_statuses()
            return True, await self._finish(finished, execution_id)
        nodes = dict(self._nodes)
        changed: dict[str, NodeStatus] = {}
        current = ChainMap(changed, self._run_seen, self.statuses)
        for event in batch:
            if event.execution_id == execution_id:
                apply_run_event(nodes, current, event)
        self._nodes = nodes
        if states is not None:
            self.refresh_statuses()
        if changed:
            self._run_seen = {**self._run_seen, **changed}
            self.live = LiveStatuses(seq=self.live.seq + 1, statuses=changed)
        drawer = await self.get_state(DrawerState)
        if drawer.drawer_open and drawer.drawer.node_id in changed:
            await drawer.fill(drawer.drawer.node_id)
        return False, []

    async def _finish(self, finished: RunEvent, execution_id: int) -> list[Any]:
        drawer = await self.get_state(DrawerState)
        if drawer.drawer_open:
            await drawer.fill(drawer.drawer.node_id)
        # The run's spend moves the canvas's budget banners and what is left.
        events: list[Any] = [SelectionState.refresh_inspector, BudgetsState.refresh]
        if finished.status != "succeeded":
            message = f"Run #{execution_id} {finished.status}"
            detail = f"{message}: {finished.error}" if finished.error else message
            events.append(rx.toast.error(detail))
        return events

    @rx.event
    async def cancel_run(self) -> EventSpec | None:
        """Cancel the active run."""
        if not self.run_active or not self.execution_id:
            return None
        try:
            await run_db(cancel_execution, await acting_principal(self), self.execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return None
