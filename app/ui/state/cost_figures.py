"""The costs page's plotly figures, built from a `CostDashboard`.

Figures carry data and shape only: colours of text, grid and background come from the
light or dark template the page applies (app/ui/components/cost_charts.py), so one figure
reads in both themes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import plotly.graph_objects as go

from app.models.cost_schemas import CostBreakdownRow, TokenUsage, TrendRow, usd

# Radix step-9 colours: they keep their contrast on both the light and the dark background.
SERIES_COLORS = (
    "#3e63dd",  # indigo
    "#12a594",  # teal
    "#f76b15",  # orange
    "#e93d82",  # crimson
    "#6e56cf",  # violet
    "#46a758",  # grass
    "#00a2c7",  # cyan
    "#ffc53d",  # amber
    "#ab4aba",  # plum
    "#ad7f58",  # brown
)
TOKEN_COLORS = {"Input": "#3e63dd", "Cached input": "#00a2c7", "Output": "#12a594"}
CHART_HEIGHT = 300
TOKEN_CHART_HEIGHT = 220
LABEL_CHARS = 28
BAR_HEIGHT = 34  # per category of a horizontal bar chart
MARGIN = {"l": 8, "r": 8, "t": 8, "b": 8}
USD_AXIS = {"tickprefix": "$", "rangemode": "tozero", "separatethousands": True}


def css_height(figure: go.Figure) -> str:
    """The figure's layout height as CSS, for the box that holds it."""
    return f"{figure.layout.height or CHART_HEIGHT}px"


def _layout(figure: go.Figure, *, height: int = CHART_HEIGHT) -> go.Figure:
    figure.update_layout(
        height=height,
        margin=MARGIN,
        autosize=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hoverlabel={"namelength": -1},
    )
    return figure


def trend_figure(rows: list[TrendRow], start: date, end: date, *, metric: str) -> go.Figure:
    """Daily bars stacked by provider, every day of the range present (zero when idle).

    Args:
        rows: the dashboard's trend (day, provider, cost, tokens).
        start: first day of the range.
        end: last day of the range (inclusive).
        metric: "cost" (US dollars) or "tokens".
    """
    days = [
        datetime.combine(start, time()) + timedelta(days=offset)
        for offset in range((end - start).days + 1)
    ]
    figure = go.Figure()
    # Colours go by cost, then tokens, whatever the measure, so a provider keeps its colour
    # when the charts switch between dollars and tokens (ties: by name).
    totals: dict[str, tuple[float, int]] = {}
    by_day: dict[str, dict[date, float]] = {}
    for row in rows:
        provider, cost = row.provider or "(none)", usd(row.cost_micros)
        spent, tokens = totals.get(provider, (0.0, 0))
        totals[provider] = (spent + cost, tokens + row.tokens)
        days_of = by_day.setdefault(provider, {})
        days_of[row.day] = days_of.get(row.day, 0) + (cost if metric == "cost" else row.tokens)
    ranked = sorted(sorted(totals), key=lambda name: (-totals[name][0], -totals[name][1]))
    for index, provider in enumerate(ranked):
        figure.add_bar(
            x=days,
            y=[by_day[provider].get(day.date(), 0) for day in days],
            name=provider,
            marker={"color": SERIES_COLORS[index % len(SERIES_COLORS)], "line": {"width": 0}},
            hovertemplate=(
                "%{x|%b %d}<br>"
                + ("$%{y:,.6f}" if metric == "cost" else "%{y:,} tokens")
                + f"<extra>{provider}</extra>"
            ),
        )
    figure.update_layout(
        barmode="stack", bargap=0.25, showlegend=True, legend={"traceorder": "normal"}
    )
    half_day = timedelta(hours=12)
    figure.update_xaxes(range=[days[0] - half_day, days[-1] + half_day])
    figure.update_yaxes(**(USD_AXIS if metric == "cost" else {"rangemode": "tozero"}))
    return _layout(figure)


def _short(label: str) -> str:
    """A bar's label cut to fit beside the chart (the table and the hover show it whole)."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def breakdown_figure(rows: list[CostBreakdownRow], *, metric: str, limit: int = 12) -> go.Figure:
    """Horizontal bars of a breakdown's first groups (the most expensive), the first on top.

    Args:
        rows: the breakdown, most expensive first.
        metric: "cost" (US dollars) or "tokens".
        limit: how many groups to draw (the table and CSV hold them all).
    """
    shown = list(reversed(rows[:limit]))
    cost = metric == "cost"
    figure = go.Figure(
        go.Bar(
            x=[usd(row.cost_micros) if cost else row.tokens for row in shown],
            y=[_short(row.label or "(none)") for row in shown],
            customdata=[
                [usd(row.cost_micros), row.tokens, row.calls, row.label or "(none)"]
                for row in shown
            ],
            orientation="h",
            marker={"color": SERIES_COLORS[0], "line": {"width": 0}},
            hovertemplate=(
                "%{customdata[3]}<br>$%{customdata[0]:,.6f}<br>%{customdata[1]:,} tokens"
                "<br>%{customdata[2]:,} calls<extra></extra>"
            ),
        )
    )
    figure.update_layout(bargap=0.4)
    figure.update_xaxes(**(USD_AXIS if cost else {"rangemode": "tozero"}))
    figure.update_yaxes(automargin=True, ticksuffix="  ")
    return _layout(figure, height=max(120, 56 + BAR_HEIGHT * len(shown)))


def token_figure(tokens: TokenUsage) -> go.Figure:
    """A donut of the range's tokens: uncached input, cached input and output."""
    values = {
        "Input": max(0, tokens.input_tokens - tokens.cached_tokens),
        "Cached input": tokens.cached_tokens,
        "Output": tokens.output_tokens,
    }
    figure = go.Figure(
        go.Pie(
            labels=list(values),
            values=list(values.values()),
            hole=0.62,
            sort=False,
            marker={"colors": list(TOKEN_COLORS.values())},
            textinfo="none",
            hovertemplate="%{label}<br>%{value:,} tokens (%{percent})<extra></extra>",
        )
    )
    figure.update_layout(
        showlegend=False,
        annotations=[
            {
                "text": f"{tokens.total_tokens:,}<br>tokens",
                "showarrow": False,
                "font": {"size": 15},
            }
        ],
    )
    figure.update_layout(height=TOKEN_CHART_HEIGHT, margin=MARGIN, autosize=True)
    return figure
