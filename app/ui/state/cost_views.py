"""How the costs page shows a `CostDashboard`: its date range from the URL, money and token
figures as text, and the rows of its tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from app.models.cost import MICROS_PER_USD
from app.models.cost_schemas import (
    RANGE_DAYS_MAX,
    CostBreakdownRow,
    CostDashboard,
    CostTotals,
    TokenUsage,
    WorkflowExecutionStats,
)
from app.ui.state.display import format_ms

PRESETS = ("7", "30", "90")
DEFAULT_PRESET = "30"
CUSTOM = "custom"
CENT_MICROS = MICROS_PER_USD // 100


@dataclass(frozen=True)
class DateRange:
    """The dashboard's days (inclusive) and how they were chosen: a preset or "custom"."""

    preset: str
    start: date
    end: date
    # Why the URL's custom range was refused ("" when it was not).
    error: str = ""


def preset_range(preset: str, today: date) -> DateRange:
    """The last `preset` days up to and including today."""
    return DateRange(preset, today - timedelta(days=int(preset) - 1), today)


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def range_from_query(query: dict[str, str], today: date) -> DateRange:
    """The range a URL asks for: `?range=7|30|90`, or `?from=YYYY-MM-DD&to=YYYY-MM-DD`.

    A bad custom range falls back to the default preset and says why in `error`.
    """
    raw_from, raw_to = query.get("from", ""), query.get("to", "")
    if not raw_from and not raw_to:
        preset = query.get("range", DEFAULT_PRESET)
        return preset_range(preset if preset in PRESETS else DEFAULT_PRESET, today)
    start, end = _parse_day(raw_from or raw_to), _parse_day(raw_to or raw_from)
    fallback = preset_range(DEFAULT_PRESET, today)
    if start is None or end is None:
        error = "Dates must look like 2026-01-31."
    elif start > end:
        error = "The start date is after the end date."
    elif (end - start).days + 1 > RANGE_DAYS_MAX:
        error = f"Pick at most {RANGE_DAYS_MAX} days."
    else:
        return DateRange(CUSTOM, start, end)
    return DateRange(fallback.preset, fallback.start, fallback.end, error)


def costs_url(*, date_range: DateRange, workflow: int = 0) -> str:
    """The costs page's URL for a range and a workflow filter (defaults are left out)."""
    params: dict[str, str | int] = {}
    if date_range.preset == CUSTOM:
        params["from"] = date_range.start.isoformat()
        params["to"] = date_range.end.isoformat()
    elif date_range.preset != DEFAULT_PRESET:
        params["range"] = date_range.preset
    if workflow:
        params["workflow"] = workflow
    return f"/costs?{urlencode(params)}" if params else "/costs"


def format_usd(micros: int) -> str:
    """Micro-dollars as dollars: "$1,234.56"; below a dollar "$0.0662" and below a cent
    "$0.000042", so small costs still tell apart; "$0.00" for nothing."""
    if micros == 0:
        return "$0.00"
    dollars = micros / MICROS_PER_USD
    if abs(micros) < CENT_MICROS:
        return "$" + f"{dollars:.6f}".rstrip("0")
    if abs(micros) < MICROS_PER_USD:
        return f"${dollars:.4f}"
    return f"${dollars:,.2f}"


def compact_count(value: int) -> str:
    """A count in a few characters: 950, 12.3k, 4.5M."""
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            return f"{value / limit:.1f}".removesuffix(".0") + suffix
    return str(value)


def range_label(date_range: DateRange) -> str:
    """The range in words, e.g. "Nov 1 \u2013 Nov 30, 2026"."""
    start, end = date_range.start, date_range.end
    first = f"{start:%b} {start.day}" + ("" if start.year == end.year else f", {start.year}")
    return f"{first} \u2013 {end:%b} {end.day}, {end.year}"


@dataclass
class TotalCard:
    """One of the period totals (today, 7 days, ...)."""

    label: str
    cost: str
    tokens: str
    calls: str


@dataclass
class BreakdownLine:
    """One group of a breakdown table."""

    label: str
    calls: str
    input_tokens: str
    output_tokens: str
    cached_tokens: str
    cost: str


@dataclass
class TokenPart:
    """One kind of token in the token usage card, with its chart colour."""

    label: str
    value: str
    color: str


@dataclass
class WorkflowStatLine:
    """How one workflow's executions went, for the per-workflow table."""

    workflow_id: int
    name: str
    # The dashboard narrowed to this workflow (same range).
    href: str
    runs: str
    succeeded: int
    failed: int
    failure_rate: str
    # Whether the failure rate is worth a warning colour.
    failing: bool
    mean_duration: str
    cost_per_success: str


def total_card(label: str, totals: CostTotals) -> TotalCard:
    """A period's totals as text."""
    return TotalCard(
        label=label,
        cost=format_usd(totals.cost_micros),
        tokens=f"{compact_count(totals.tokens)} tokens",
        calls=f"{totals.calls:,} calls" if totals.calls != 1 else "1 call",
    )


def total_cards(dashboard: CostDashboard) -> list[TotalCard]:
    """The four period totals, shortest period first."""
    totals = dashboard.totals
    return [
        total_card("Today", totals.today),
        total_card("Last 7 days", totals.last_7_days),
        total_card("Last 30 days", totals.last_30_days),
        total_card("All time", totals.all_time),
    ]


def range_totals(dashboard: CostDashboard) -> CostTotals:
    """Cost, tokens and calls within the dashboard's date range."""
    return CostTotals(
        cost_micros=sum(row.cost_micros for row in dashboard.by_provider),
        tokens=dashboard.tokens.total_tokens,
        calls=dashboard.tokens.calls,
    )


def token_parts(tokens: TokenUsage, colors: dict[str, str]) -> list[TokenPart]:
    """The range's tokens by kind (cached input is part of the input), as the donut's legend."""
    values = {
        "Input": max(0, tokens.input_tokens - tokens.cached_tokens),
        "Cached input": tokens.cached_tokens,
        "Output": tokens.output_tokens,
    }
    return [TokenPart(label, f"{value:,}", colors[label]) for label, value in values.items()]


def breakdown_lines(rows: list[CostBreakdownRow]) -> list[BreakdownLine]:
    """A breakdown's groups as table lines."""
    return [
        BreakdownLine(
            label=row.label or "(none)",
            calls=f"{row.calls:,}",
            input_tokens=f"{row.input_tokens:,}",
            output_tokens=f"{row.output_tokens:,}",
            cached_tokens=f"{row.cached_tokens:,}",
            cost=format_usd(row.cost_micros),
        )
        for row in rows
    ]


def workflow_stat_lines(
    stats: list[WorkflowExecutionStats], date_range: DateRange
) -> list[WorkflowStatLine]:
    """The per-workflow execution figures as table lines, each linking to its own costs."""
    return [
        WorkflowStatLine(
            workflow_id=item.workflow_id,
            name=item.name,
            href=costs_url(date_range=date_range, workflow=item.workflow_id),
            runs=f"{item.runs:,}",
            succeeded=item.succeeded,
            failed=item.failed,
            failure_rate="—" if item.failure_rate is None else f"{item.failure_rate:.0%}",
            failing=(item.failure_rate or 0) >= 0.1,
            mean_duration=format_ms(item.mean_duration_ms),
            cost_per_success=(
                "—"
                if item.cost_per_success_micros is None
                else format_usd(item.cost_per_success_micros)
            ),
        )
        for item in stats
    ]
