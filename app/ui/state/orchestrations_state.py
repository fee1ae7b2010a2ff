"""The orchestrations list: paging, search, last run of each, delete with undo."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models.execution import ExecutionPublic
from app.models.orchestration import OrchestrationsPage
from app.services import orchestrations
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.execution_reads import list_executions
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_with_undo import DeleteWithUndoMixin
from app.ui.state.display import iso
from app.ui.state.orchestration_views import STRATEGY_LABELS, VOTING_LABELS
from app.ui.state.paging import PAGE_SIZE, PagingMixin

MODELS_SHOWN = 3


@dataclass
class OrchestrationRow:
    """One orchestration in the table."""

    id: int
    name: str
    description: str
    strategy: str
    strategy_name: str
    voting: str
    agent_count: int
    models: str
    last_run_id: int
    last_run_status: str
    last_run_at: str
    created_at: str
    can_change: bool
    can_run: bool
    can_delete: bool


def _models_text(models: list[str]) -> str:
    shown = ", ".join(models[:MODELS_SHOWN])
    more = len(models) - MODELS_SHOWN
    return f"{shown} +{more}" if more > 0 else shown


def read_page(
    principal: Principal, search: str, offset: int
) -> tuple[OrchestrationsPage, dict[int, list[ExecutionPublic]]]:
    """One page of orchestrations and the last run of each (run on a db thread)."""
    with session_scope(read_only=True) as session:
        page = orchestrations.list_orchestrations(
            session, principal=principal, search=search or None, offset=offset, limit=PAGE_SIZE
        )
        last_runs = {
            item.id: list_executions(
                session, principal=principal, workflow_id=item.id, limit=1
            ).items
            for item in page.items
        }
    return page, last_runs


def delete_orchestration(principal: Principal, orchestration_id: int) -> None:
    """Soft-delete an orchestration (run on a db thread)."""
    with session_scope() as session:
        orchestrations.delete_orchestration(
            session, principal=principal, orchestration_id=orchestration_id
        )


class OrchestrationsState(PagingMixin, DeleteWithUndoMixin, rx.State):
    """State of the orchestrations page."""

    rows: list[OrchestrationRow] = []
    search: str = ""

    async def _reload(self) -> None:
        page, last_runs = await run_db(
            read_page, await acting_principal(self), self.search, self.offset
        )
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        rows = []
        for item in page.items:
            last = last_runs[item.id][0] if last_runs[item.id] else None
            rows.append(
                OrchestrationRow(
                    id=item.id,
                    name=item.name,
                    description=item.description,
                    strategy=item.strategy,
                    strategy_name=STRATEGY_LABELS.get(item.strategy, item.strategy),
                    voting=VOTING_LABELS.get(item.voting, "")
                    if item.strategy == "consensus"
                    else "",
                    agent_count=item.agent_count,
                    models=_models_text(item.models),
                    last_run_id=last.id if last is not None else 0,
                    last_run_status=last.status if last is not None else "",
                    last_run_at=iso(last.created_at) if last is not None else "",
                    created_at=iso(item.created_at),
                    can_change=Action.CHANGE in item.access,
                    can_run=Action.RUN in item.access,
                    can_delete=Action.DELETE in item.access,
                )
            )
        self.rows = rows
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load the current page (on page load)."""
        await self._reload()

    @rx.event
    async def set_search(self, value: str) -> None:
        """Filter by a substring of the name or description."""
        self.search = value.strip()
        self.offset = 0
        await self._reload()

    async def _delete(self, item_id: int) -> None:
        await run_db(delete_orchestration, await acting_principal(self), item_id)
