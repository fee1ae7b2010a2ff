"""A plotly chart that follows the light/dark theme, drawn with plotly's smaller basic build.

Figures built in state carry data and shape; this component applies a template per colour
mode (transparent background, the theme's text and grid greys), so one figure reads in both.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import reflex as rx
from plotly.graph_objs.layout import Template
from reflex_base.vars.base import LiteralVar

from app.ui.state.chart_json import ChartJson

FONT = "Inter, ui-sans-serif, system-ui, -apple-system, sans-serif"
# Plotly's bar, scatter and pie traces need nothing more than the basic build.
CONFIG = {"displayModeBar": False, "responsive": True}


def _template(text: str, grid: str, line: str, hover_bg: str) -> dict[str, Any]:
    axis = {
        "gridcolor": grid,
        "linecolor": line,
        "zerolinecolor": line,
        "tickcolor": line,
        "title": {"font": {"color": text}},
        "automargin": True,
    }
    return {
        "layout": {
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"color": text, "family": FONT, "size": 12},
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"font": {"color": text}, "bgcolor": "rgba(0,0,0,0)"},
            "hoverlabel": {
                "bgcolor": hover_bg,
                "bordercolor": line,
                "font": {"color": text, "family": FONT},
            },
        }
    }


# Radix gray (light / dark): step 11 for text, 4 for grid lines, 7 for axis lines, 1 behind
# hover labels.
LIGHT = _template("#60646c", "#e8e8ec", "#cdced6", "#fcfcfd")
DARK = _template("#b0b4ba", "#272a2d", "#43484e", "#111113")


def themed_chart(
    figure: rx.Var[ChartJson],
    *,
    label: str | rx.Var[str],
    height: str | rx.Var[str] | None = None,
) -> rx.Component:
    """A plotly chart as wide as its container in the page's colour mode.

    Args:
        figure: the state var holding the figure's JSON (`app/ui/state/chart_json.py`).
        label: what the chart shows, read by screen readers (the SVG itself is unlabelled).
        height: the figure's layout height as CSS ("300px"). The resize handler fits the
            plot to its box, which can otherwise be shorter than the figure when the chart
            first draws in a layout that is still settling.
    """
    sized = {} if height is None else {"height": height}
    template = rx.color_mode_cond(light=LiteralVar.create(LIGHT), dark=LiteralVar.create(DARK)).to(
        Template
    )
    return rx.box(
        rx.plotly.basic(
            data=figure.to(go.Figure),
            template=template,
            config=CONFIG,
            use_resize_handler=True,
            width="100%",
            **sized,
        ),
        role="img",
        aria_label=label,
        width="100%",
        min_width="0",
        **sized,
    )
