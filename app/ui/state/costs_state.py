"""The costs page: period totals, charts and tables of what LLM calls cost, CSV exports.

The date range and the workflow filter live in the URL (`?range=7`, `?from=..&to=..`,
`?workflow=3`): changing one navigates to the new URL and `load` (the page's on_load)
reads it, so a reload or a shared link shows the same dashboard and every chart follows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import reflex as rx
from reflex_base.event import EventSpec

from app.models.cost_schemas import CostBreakdownRow, CostDashboard, CostGroup
from app.services.cost_analytics import cost_dashboard, costs_csv
from app.services.cost_scope import utc_today
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.chart_json import ChartJson, chart_json
from app.ui.state.cost_figures import (
    CHART_HEIGHT,
    TOKEN_COLORS,
    breakdown_figure,
    css_height,
    token_figure,
    trend_figure,
)
from app.ui.state.cost_views import (
    CUSTOM,
    PRESETS,
    BreakdownLine,
    DateRange,
    TokenPart,
    TotalCard,
    WorkflowStatLine,
    breakdown_lines,
    compact_count,
    costs_url,
    format_usd,
    preset_range,
    range_from_query,
    range_label,
    range_totals,
    token_parts,
    total_cards,
    workflow_stat_lines,
)
from app.ui.state.display import error_message

ALL_WORKFLOWS = "all"
METRICS = ("cost", "tokens")
FROM_FIELD = "costs-from"
# A CSV of more calls than this is refused here (it travels through the page's websocket);
# the API's /api/analytics/export streams any size.
ROWS_DOWNLOAD_MAX = 100_000


@dataclass
class WorkflowChoice:
    """An entry of the workflow filter (`value` is the id as text)."""

    value: str
    name: str


def read_dashboard(principal: Principal, start: date, end: date, workflow_id: int) -> CostDashboard:
    """The dashboard `principal` may see (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return cost_dashboard(
            session, principal=principal, start=start, end=end, workflow_id=workflow_id or None
        )


def read_csv(principal: Principal, start: date, end: date, workflow_id: int, kind: str) -> str:
    """One CSV export of the dashboard's range and filter (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return costs_csv(
            session,
            principal=principal,
            start=start,
            end=end,
            workflow_id=workflow_id or None,
            kind=kind,
        )


def _breakdown(dashboard: CostDashboard, group: str) -> list[CostBreakdownRow]:
    return {
        CostGroup.WORKFLOW: dashboard.by_workflow,
        CostGroup.PROVIDER: dashboard.by_provider,
        CostGroup.MODEL: dashboard.by_model,
        CostGroup.AGENT_ROLE: dashboard.by_agent_role,
        CostGroup.VERSION: dashboard.by_version,
    }[CostGroup(group)]


class CostsState(rx.State):
    """State of the costs page."""

    loading: bool = True
    # Whether a dashboard has arrived since the page opened (later loads dim it instead).
    loaded: bool = False
    preset: str = "30"
    start: str = ""
    end: str = ""
    range_text: str = ""
    range_error: str = ""
    # Why the dashboard could not be read ("" when it was).
    load_error: str = ""
    workflow_filter: str = ALL_WORKFLOWS
    workflows: list[WorkflowChoice] = []
    # Whether any LLM call was ever billed to what the filter covers (else: the empty state).
    has_calls: bool = False
    range_has_calls: bool = False
    cards: list[TotalCard] = []
    range_cost: str = ""
    range_tokens: str = ""
    range_calls: str = ""
    # What the charts measure; tokens while the range cost nothing (free or mock models)
    # until the user picks.
    metric: str = "cost"
    _metric_chosen: bool = False
    trend_chart: ChartJson = {}
    breakdown_group: str = CostGroup.WORKFLOW.value
    breakdown_chart: ChartJson = {}
    breakdown_height: str = f"{CHART_HEIGHT}px"
    breakdown_rows: list[BreakdownLine] = []
    top_chart: ChartJson = {}
    top_height: str = f"{CHART_HEIGHT}px"
    token_chart: ChartJson = {}
    tokens: list[TokenPart] = []
    stats: list[WorkflowStatLine] = []
    _dashboard: CostDashboard | None = None

    def _range(self) -> DateRange:
        return DateRange(self.preset, date.fromisoformat(self.start), date.fromisoformat(self.end))

    def _workflow_id(self) -> int:
        return int(self.workflow_filter) if self.workflow_filter.isdigit() else 0

    def _url(self, *, date_range: DateRange | None = None, workflow: int | None = None) -> str:
        return costs_url(
            date_range=self._range() if date_range is None else date_range,
            workflow=self._workflow_id() if workflow is None else workflow,
        )

    def _show(self, dashboard: CostDashboard) -> None:
        self._dashboard = dashboard
        self.workflows = [WorkflowChoice(str(item.id), item.name) for item in dashboard.workflows]
        self.has_calls = dashboard.totals.all_time.calls > 0
        self.cards = total_cards(dashboard)
        in_range = range_totals(dashboard)
        self.range_has_calls = in_range.calls > 0
        self.range_cost = format_usd(in_range.cost_micros)
        self.range_tokens = compact_count(in_range.tokens)
        self.range_calls = "1 call" if in_range.calls == 1 else f"{in_range.calls:,} calls"
        if not self._metric_chosen:
            self.metric = "cost" if in_range.cost_micros or not in_range.tokens else "tokens"
        self.token_chart = chart_json(token_figure(dashboard.tokens))
        self.tokens = token_parts(dashboard.tokens, TOKEN_COLORS)
        self.stats = workflow_stat_lines(dashboard.execution_stats, self._range())
        self._draw()

    def _draw(self) -> None:
        """(Re)draw the charts that follow the measure and the breakdown's group."""
        dashboard = self._dashboard
        if dashboard is None:
            return
        self.trend_chart = chart_json(
            trend_figure(dashboard.trend, dashboard.start, dashboard.end, metric=self.metric)
        )
        top = breakdown_figure(dashboard.top_workflows, metric=self.metric, limit=10)
        self.top_chart, self.top_height = chart_json(top), css_height(top)
        rows = _breakdown(dashboard, self.breakdown_group)
        breakdown = breakdown_figure(rows, metric=self.metric)
        self.breakdown_chart, self.breakdown_height = chart_json(breakdown), css_height(breakdown)
        self.breakdown_rows = breakdown_lines(rows)

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """Show what the URL asks for: a range (`range` or `from`/`to`) and `workflow`."""
        query = {key: str(value) for key, value in self.router.url.query_parameters.items()}
        chosen = range_from_query(query, utc_today())
        self.preset = chosen.preset
        self.start, self.end = chosen.start.isoformat(), chosen.end.isoformat()
        self.range_text = range_label(chosen)
        self.range_error = chosen.error
        raw_workflow = query.get("workflow", "")
        self.workflow_filter = raw_workflow if raw_workflow.isdigit() else ALL_WORKFLOWS
        self.loading = True
        yield None
        try:
            dashboard = await run_db(
                read_dashboard,
                await acting_principal(self),
                chosen.start,
                chosen.end,
                self._workflow_id(),
            )
        except ServiceError as exc:
            self.load_error = error_message(exc)
        else:
            self.load_error = ""
            self._show(dashboard)
        self.loading = False
        self.loaded = True

    @rx.event
    def set_preset(self, value: str | list[str]) -> EventSpec:
        """Show the last 7, 30 or 90 days; "custom" moves the focus to the From field."""
        chosen = value[0] if isinstance(value, list) and value else value
        if chosen in PRESETS:
            return rx.redirect(self._url(date_range=preset_range(str(chosen), utc_today())))
        self.preset = CUSTOM
        return rx.set_focus(FROM_FIELD)

    @rx.event
    def apply_range(self, form_data: dict[str, str]) -> EventSpec:
        """Show a custom range from the From and To fields (checked by `load`)."""
        start, end = str(form_data.get("from", "")), str(form_data.get("to", ""))
        params = {"from": start or end, "to": end or start}
        workflow = self._workflow_id()
        if workflow:
            params["workflow"] = str(workflow)
        return rx.redirect(f"/costs?{urlencode(params)}")

    @rx.event
    def set_workflow(self, value: str) -> EventSpec:
        """Show one workflow's costs ("all" for every workflow)."""
        return rx.redirect(self._url(workflow=int(value) if value.isdigit() else 0))

    @rx.event
    def clear_filters(self) -> EventSpec:
        """Back to the default: the last 30 days of every workflow."""
        return rx.redirect("/costs")

    @rx.event
    def set_metric(self, value: str | list[str]) -> None:
        """Draw the charts in dollars or in tokens."""
        chosen = value[0] if isinstance(value, list) and value else value
        if chosen in METRICS:
            self.metric = str(chosen)
            self._metric_chosen = True
            self._draw()

    @rx.event
    def set_breakdown_group(self, value: str | list[str]) -> None:
        """Break the costs down by workflow, provider, model, agent role or version."""
        chosen = value[0] if isinstance(value, list) and value else value
        if chosen in {group.value for group in CostGroup}:
            self.breakdown_group = str(chosen)
            self._draw()

    @rx.event
    async def download(self, kind: str) -> EventSpec:
        """Download one CSV export (ledger rows, a breakdown or the trend) of what is shown."""
        calls = self._dashboard.tokens.calls if self._dashboard is not None else 0
        if kind == "rows" and calls > ROWS_DOWNLOAD_MAX:
            return rx.toast.warning(
                f"{calls:,} calls in this range: the page downloads up to "
                f"{ROWS_DOWNLOAD_MAX:,}. Narrow the range or the workflow, or use the API's "
                "/api/analytics/export?kind=rows."
            )
        try:
            text = await run_db(
                read_csv,
                await acting_principal(self),
                date.fromisoformat(self.start),
                date.fromisoformat(self.end),
                self._workflow_id(),
                kind,
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return rx.download(
            data=text,
            filename=f"flowbook-costs-{kind.replace('_', '-')}-{self.start}-to-{self.end}.csv",
            mime_type="text/csv",
        )
