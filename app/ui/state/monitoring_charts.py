"""The monitoring page's plotly figures: execution throughput and duration over time.

The figures carry data and layout only; `themed_chart` adds the light/dark colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import plotly.graph_objects as go

# Radix step-9 colours (grass, red, blue, amber) read well on both themes.
FINISHED_COLOR = "#46a758"
FAILED_COLOR = "#e5484d"
P50_COLOR = "#0090ff"
P99_COLOR = "#ffb224"
CHART_HEIGHT = 240
EMPTY_TEXT = {
    True: "No execution finished in the last hour",
    False: "No execution finished in the last day",
}


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket of the throughput series (a minute of the last hour, an hour of the day)."""

    at: datetime
    finished: int
    failed: int
    p50_ms: float | None
    p99_ms: float | None


def _x_range(points: Sequence[SeriesPoint], *, hour: bool) -> list[datetime] | None:
    """The whole period, half a bucket beyond each end, so both charts line up."""
    if not points:
        return None
    half = timedelta(seconds=30) if hour else timedelta(minutes=30)
    return [points[0].at - half, points[-1].at + half]


def _layout(
    points: Sequence[SeriesPoint], y_title: str, *, hour: bool, empty: bool
) -> dict[str, object]:
    layout: dict[str, object] = {
        "height": CHART_HEIGHT,
        "margin": {"l": 48, "r": 12, "t": 8, "b": 36},
        "barmode": "stack",
        "bargap": 0.15,
        "hovermode": "x unified",
        "showlegend": not empty,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.12,
            "traceorder": "normal",
            "bgcolor": "rgba(0,0,0,0)",
        },
        "xaxis": {
            "tickformat": "%H:%M" if hour else "%d %b %H:%M",
            "showgrid": False,
            "range": _x_range(points, hour=hour),
        },
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "template": "none",
    }
    if empty:
        # An empty chart says so instead of drawing an axis from 0 to 1.
        layout["yaxis"] = {"title": {"text": y_title}, "range": [0, 1], "showticklabels": False}
        layout["annotations"] = [
            {
                "text": EMPTY_TEXT[hour],
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 13},
            }
        ]
    return layout


def throughput_figure(points: Sequence[SeriesPoint], *, hour: bool) -> go.Figure:
    """Executions finished per bucket, succeeded and failed stacked.

    Args:
        points: the buckets, oldest first.
        hour: True for the last hour (minute buckets), False for the last day (hours).
    """
    times = [point.at for point in points]
    empty = not any(point.finished for point in points)
    figure = go.Figure(layout=_layout(points, "executions", hour=hour, empty=empty))
    if not empty:
        # Whole executions: ticks on integers, about four of them.
        top = max(point.finished for point in points)
        figure.update_yaxes(dtick=max(1, math.ceil(top / 4)))
    figure.add_bar(
        x=times,
        y=[point.finished - point.failed for point in points],
        name="Succeeded",
        marker_color=FINISHED_COLOR,
    )
    figure.add_bar(
        x=times, y=[point.failed for point in points], name="Failed", marker_color=FAILED_COLOR
    )
    return figure


def latency_figure(points: Sequence[SeriesPoint], *, hour: bool) -> go.Figure:
    """The p50 and p99 execution duration per bucket, in seconds (gaps where none finished).

    Args:
        points: the buckets, oldest first.
        hour: True for the last hour (minute buckets), False for the last day (hours).
    """
    times = [point.at for point in points]
    empty = all(point.p50_ms is None for point in points)
    figure = go.Figure(layout=_layout(points, "seconds", hour=hour, empty=empty))
    for name, color, values in (
        ("p50", P50_COLOR, [point.p50_ms for point in points]),
        ("p99", P99_COLOR, [point.p99_ms for point in points]),
    ):
        figure.add_scatter(
            x=times,
            y=[None if value is None else value / 1000 for value in values],
            name=name,
            mode="lines+markers",
            line={"color": color, "width": 2},
            marker={"size": 6},
            connectgaps=False,
        )
    if not empty:
        # Headroom above the slowest point, so a lone marker is not cut by the frame.
        top = max(p.p99_ms or p.p50_ms or 0.0 for p in points) / 1000
        figure.update_yaxes(range=[0, top * 1.15 or 1])
    return figure
