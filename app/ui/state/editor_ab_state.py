"""The A/B dialog: run two versions (or tags) on one input and compare them node by node."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.models.version_run import ExecutionComparison
from app.services import ab_comparison
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.version_runs import start_ab_run
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_ab_views import AbCell, AbRow, ab_rows, version_ref
from app.ui.state.editor_run_state import RunState
from app.ui.state.editor_state import EditorState
from app.ui.state.editor_versions_state import VersionsState

POLL_S = 0.5
# The dialog stops waiting after this long (the runs themselves go on).
POLL_LIMIT_S = 300.0


def read_comparison(
    principal: Principal, workflow_id: int, a_id: int, b_id: int
) -> ExecutionComparison:
    """Two executions of the workflow compared node by node (call it on a worker thread)."""
    with session_scope(read_only=True) as session:
        compared = ab_comparison.compare_ab(
            session, principal=principal, workflow_id=workflow_id, pairs=[(a_id, b_id)]
        )
        return compared.pairs[0]


class AbState(EditorState):
    """Two versions run on the same input, side by side."""

    ab_open: bool = False
    ab_a: str = ""
    ab_b: str = ""
    ab_input: str = ""
    ab_error: str = ""
    ab_running: bool = False
    ab_rows: list[AbRow] = []
    ab_totals: AbRow = AbRow(name="Total", a=AbCell(), b=AbCell())
    ab_started: bool = False

    _pair: tuple[int, int] = (0, 0)
    _token: int = 0

    @rx.event
    async def open_ab(self, open_: bool = True) -> None:
        """Open the dialog: newest version against the one before, on the test input."""
        self.ab_open = open_
        if not open_:
            return
        versions = await self.get_state(VersionsState)
        newest = max(versions.total, 1)
        self.ab_a = f"v{max(newest - 1, 1)}"
        self.ab_b = f"v{newest}"
        self.ab_input = (await self.get_state(RunState)).run_input
        self.ab_error = ""

    @rx.event
    def set_ab_a(self, value: str) -> None:
        """Side a: `vN` or a tag."""
        self.ab_a = value

    @rx.event
    def set_ab_b(self, value: str) -> None:
        """Side b: `vN` or a tag."""
        self.ab_b = value

    @rx.event
    def set_ab_input(self, value: str) -> None:
        """The input both sides run on (JSON)."""
        self.ab_input = value

    @rx.event
    async def run_ab(self) -> Any:
        """Start both runs, then follow them until both have finished."""
        if not self.can_run:
            self.ab_error = "You may not run this workflow"
            return None
        try:
            payload = json.loads(self.ab_input) if self.ab_input.strip() else None
        except json.JSONDecodeError as exc:
            self.ab_error = f"The input is not valid JSON: {exc.msg} (line {exc.lineno})"
            return None
        try:
            a, b = version_ref(self.ab_a), version_ref(self.ab_b)
        except ValidationError:
            self.ab_error = "Pick a version (v3) or a tag on each side"
            return None
        try:
            started = await start_ab_run(
                await acting_principal(self), self.workflow_id, a, b, [payload]
            )
        except ServiceError as exc:
            self.ab_error = error_message(exc)
            return None
        pair = started.pairs[0]
        self._pair = (pair.a_execution_id, pair.b_execution_id)
        self._token += 1
        self.ab_error = ""
        self.ab_rows = []
        self.ab_running = self.ab_started = True
        return AbState.follow_ab

    async def read_ab(self) -> bool:
        """Read the comparison once into the table; whether both runs have finished."""
        principal = await acting_principal(self)
        compared = await run_db(read_comparison, principal, self.workflow_id, *self._pair)
        self.show(compared)
        return compared.finished

    def show(self, compared: ExecutionComparison) -> None:
        """Put a comparison in the table."""
        self.ab_rows, self.ab_totals = ab_rows(compared)
        self.ab_running = not compared.finished

    @rx.event(background=True)
    async def follow_ab(self) -> EventSpec | None:
        """Poll the two executions until both have finished (or the dialog gave up)."""
        async with self:
            token, pair, workflow_id = self._token, self._pair, self.workflow_id
        principal = await acting_principal(self)
        deadline = time.monotonic() + POLL_LIMIT_S
        while time.monotonic() < deadline:
            try:
                compared = await run_db(read_comparison, principal, workflow_id, *pair)
            except ServiceError as exc:
                async with self:
                    self.ab_running = False
                    self.ab_error = error_message(exc)
                return None
            async with self:
                if self._token != token:
                    return None
                self.show(compared)
            if compared.finished:
                return None
            await asyncio.sleep(POLL_S)
        async with self:
            self.ab_running = False
        return rx.toast.info("The A/B runs are still going: see Executions")
