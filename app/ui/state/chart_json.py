"""Charts in state as the JSON object the chart component draws, not as plotly figures.

A `go.Figure` state var needs a figure as its default, and the first figure plotly builds
loads its validators (about 25 MB that stay resident): every server process paid for them
at import, charts drawn or not. A chart var holds the figure's JSON (what Reflex would have
sent for the figure anyway) and starts empty, so plotly's figure machinery loads when a
page first draws a chart.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import plotly.io

# A chart var: a figure's JSON object ({"data": [...], "layout": {...}}), or {} before any.
ChartJson = dict[str, Any]


def chart_json(figure: go.Figure) -> ChartJson:
    """The figure as the chart component draws it (as Reflex serialises a figure var)."""
    loaded: ChartJson = json.loads(plotly.io.to_json(figure))
    return loaded
