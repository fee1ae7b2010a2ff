"""One orchestration's page: its summary, run with an input, the run history (live)."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from app.models.llm import ProviderSettingPublic
from app.models.orchestration import OrchestrationPublic, OrchestrationRunsPage
from app.services import llm_settings, orchestration_runs, orchestrations
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import NotFoundError, PermissionDeniedError, ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.orchestration_views import RunView, run_view, strategy_label
from app.ui.state.orchestrations_state import delete_orchestration
from app.ui.state.settings_state import has_usable_provider

RUNS_PAGE = 5
MAX_INPUT = 20_000


def read_runs(principal: Principal, orchestration_id: int, limit: int) -> OrchestrationRunsPage:
    """An orchestration's latest runs (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return orchestration_runs.orchestration_runs(
            session, principal=principal, orchestration_id=orchestration_id, limit=limit
        )


def read_summary(
    principal: Principal, orchestration_id: int
) -> tuple[OrchestrationPublic, list[ProviderSettingPublic] | None]:
    """An orchestration and the providers' settings (run on a db thread)."""
    with session_scope(read_only=True) as session:
        found = orchestrations.get_orchestration(
            session, principal=principal, orchestration_id=orchestration_id
        )
        try:
            providers = llm_settings.list_providers(session, principal=principal)
        except PermissionDeniedError:  # only admins see the settings: no mock banner then
            providers = None
        return found, providers


class OrchestrationDetailState(rx.State):
    """State of `/orchestrations/<id>` (the form itself is `OrchestrationEditorState`)."""

    orchestration_id: int = 0
    is_new: bool = False
    found: bool = True
    loading: bool = True
    name: str = ""
    description: str = ""
    strategy_text: str = ""
    agent_count: int = 0
    tab: str = "runs"
    # The question typed for each orchestration (by id): one never pre-fills another.
    run_inputs: dict[str, str] = {}
    runs: list[RunView] = []
    runs_total: int = 0
    runs_limit: int = RUNS_PAGE
    no_keys: bool = False
    delete_open: bool = False
    # What the caller may do with it (from the service's `access`).
    can_change: bool = False
    can_run: bool = False
    can_delete: bool = False

    @rx.var
    def has_active(self) -> bool:
        """Whether a run shown is still queued or running (drives the 500 ms refresh)."""
        return any(run.active for run in self.runs)

    @rx.var
    def run_input(self) -> str:
        """The question typed for the orchestration shown."""
        return self.run_inputs.get(str(self.orchestration_id), "")

    @rx.var
    def has_more_runs(self) -> bool:
        """Whether older runs exist beyond the ones shown."""
        return self.runs_total > len(self.runs)

    async def _reload_runs(self) -> None:
        page = await run_db(
            read_runs, await acting_principal(self), self.orchestration_id, self.runs_limit
        )
        runs = [run_view(run) for run in page.items]
        # Assigning re-sends the whole list: skip that while nothing changed.
        if runs != list(self.runs):
            self.runs = runs
        self.runs_total = page.total

    async def _reload(self) -> None:
        try:
            found, providers = await run_db(
                read_summary, await acting_principal(self), self.orchestration_id
            )
        except NotFoundError:
            self.found = False
            # The header must not keep the last orchestration's name.
            self.name = f"Orchestration #{self.orchestration_id}"
            self.description, self.strategy_text = "", ""
            self.can_change = self.can_run = self.can_delete = False
            self.loading = False
            return
        self.found = True
        self.name, self.description = found.name, found.description
        self.strategy_text = strategy_label(found.strategy, found.voting)
        self.agent_count = len(found.agents)
        self.can_change = Action.CHANGE in found.access
        self.can_run = Action.RUN in found.access
        self.can_delete = Action.DELETE in found.access
        self.no_keys = providers is not None and not has_usable_provider(providers)
        await self._reload_runs()
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load the orchestration named by the URL (`new` shows the empty form only)."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.is_new = not last.isdigit()
        self.orchestration_id = int(last) if last.isdigit() else 0
        self.tab = "runs"
        self.runs = []
        self.runs_limit = RUNS_PAGE
        self.loading = not self.is_new
        if not self.is_new:
            await self._reload()

    @rx.event
    async def refresh_header(self) -> None:
        """Re-read name and strategy after the form saved."""
        if self.orchestration_id:
            await self._reload()

    @rx.event
    def set_tab(self, value: str) -> None:
        """Switch between the runs and the configuration."""
        self.tab = value

    @rx.event
    def set_run_input(self, value: str) -> None:
        """The question the agents of this orchestration get."""
        self.run_inputs = {**self.run_inputs, str(self.orchestration_id): value}

    @rx.event
    async def tick(self, _now: str = "") -> None:
        """Called every 500 ms while a run is going: refresh the runs."""
        if self.has_active:
            await self._reload_runs()

    @rx.event
    async def show_more(self) -> None:
        """Show older runs."""
        self.runs_limit += RUNS_PAGE
        await self._reload_runs()

    @rx.event
    async def run(self) -> EventSpec | None:
        """Start a run with the input; its card appears at once and fills in live."""
        question = self.run_input.strip()
        if not question:
            return rx.toast.error("Type a question or task for the agents first.")
        if len(question) > MAX_INPUT:
            return rx.toast.error(f"The input is limited to {MAX_INPUT:,} characters.")
        try:
            execution = await orchestrations.run_orchestration_async(
                principal=await acting_principal(self),
                orchestration_id=self.orchestration_id,
                input=question,
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.tab = "runs"
        await self._reload_runs()
        return rx.toast.success(f"Started run #{execution.id}")

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        """Open or close the delete confirmation."""
        self.delete_open = value

    @rx.event
    async def delete(self) -> EventSpec | list[EventSpec]:
        """Soft-delete this orchestration and go back to the list."""
        self.delete_open = False
        try:
            await run_db(delete_orchestration, await acting_principal(self), self.orchestration_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return [rx.toast.success(f"Deleted “{self.name}”"), rx.redirect("/orchestrations")]
