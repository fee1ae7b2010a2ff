"""The costs page's range from the URL, its money and token text, and its figures."""

from __future__ import annotations

from datetime import date

from app.models.cost_schemas import CostBreakdownRow, TokenUsage, TrendRow
from app.ui.state.cost_figures import breakdown_figure, token_figure, trend_figure
from app.ui.state.cost_views import (
    DateRange,
    compact_count,
    costs_url,
    format_usd,
    range_from_query,
    range_label,
)

TODAY = date(2026, 11, 26)
DAYS = (date(2026, 11, 1), date(2026, 11, 5))


def test_presets_end_today_and_a_custom_range_is_kept() -> None:
    assert range_from_query({}, TODAY) == DateRange("30", date(2026, 10, 28), TODAY)
    assert range_from_query({"range": "7"}, TODAY) == DateRange("7", date(2026, 11, 20), TODAY)
    assert range_from_query({"range": "12"}, TODAY).preset == "30"
    custom = range_from_query({"from": "2026-11-01", "to": "2026-11-03"}, TODAY)
    assert custom == DateRange("custom", date(2026, 11, 1), date(2026, 11, 3))
    one_day = range_from_query({"from": "2026-11-02"}, TODAY)
    assert (one_day.start, one_day.end) == (date(2026, 11, 2), date(2026, 11, 2))


def test_a_bad_custom_range_falls_back_to_30_days_and_says_why() -> None:
    backwards = range_from_query({"from": "2026-11-05", "to": "2026-11-01"}, TODAY)
    assert (backwards.preset, backwards.error) == ("30", "The start date is after the end date.")
    assert range_from_query({"from": "soon", "to": "2026-11-01"}, TODAY).error.startswith(
        "Dates must"
    )
    assert "at most" in range_from_query({"from": "1990-01-01", "to": "2026-11-01"}, TODAY).error


def test_the_url_leaves_defaults_out() -> None:
    assert costs_url(date_range=DateRange("30", TODAY, TODAY)) == "/costs"
    assert costs_url(date_range=DateRange("7", TODAY, TODAY), workflow=4) == (
        "/costs?range=7&workflow=4"
    )
    custom = DateRange("custom", date(2026, 11, 1), date(2026, 11, 3))
    assert costs_url(date_range=custom) == "/costs?from=2026-11-01&to=2026-11-03"
    assert range_label(custom) == "Nov 1 \u2013 Nov 3, 2026"


def test_money_and_counts_read_at_a_glance() -> None:
    assert format_usd(0) == "$0.00"
    assert format_usd(42) == "$0.000042"
    assert format_usd(4_200) == "$0.0042"
    assert format_usd(66_225) == "$0.0662"
    assert format_usd(1_234_560_000) == "$1,234.56"
    assert [compact_count(n) for n in (950, 12_345, 4_000_000)] == ["950", "12.3k", "4M"]


def test_the_trend_has_every_day_of_the_range_stacked_by_provider() -> None:
    rows = [
        TrendRow(
            day=date(2026, 11, 2), provider="openai", cost_micros=1_500_000, tokens=10, calls=1
        ),
        TrendRow(day=date(2026, 11, 2), provider="mock", cost_micros=0, tokens=7, calls=2),
        TrendRow(day=date(2026, 11, 4), provider="openai", cost_micros=500_000, tokens=5, calls=1),
    ]
    figure = trend_figure(rows, date(2026, 11, 1), date(2026, 11, 5), metric="cost")
    assert figure.layout.barmode == "stack"
    by_name = {trace.name: list(trace.y) for trace in figure.data}
    assert by_name == {"openai": [0, 1.5, 0, 0.5, 0], "mock": [0, 0, 0, 0, 0]}
    tokens = trend_figure(rows, date(2026, 11, 1), date(2026, 11, 5), metric="tokens")
    assert {trace.name: list(trace.y) for trace in tokens.data}["mock"] == [0, 7, 0, 0, 0]


def test_breakdown_bars_put_the_most_expensive_on_top_and_tokens_split_cached() -> None:
    rows = [
        CostBreakdownRow(
            key=str(i),
            label=f"w{i}",
            cost_micros=cost,
            input_tokens=1,
            output_tokens=1,
            cached_tokens=0,
            calls=1,
        )
        for i, cost in enumerate((3_000_000, 2_000_000, 1_000_000))
    ]
    bars = breakdown_figure(rows, metric="cost", limit=2).data[0]
    assert list(bars.y) == ["w1", "w0"] and list(bars.x) == [2.0, 3.0]
    usage = TokenUsage(input_tokens=100, output_tokens=30, cached_tokens=40, calls=2)
    assert list(token_figure(usage).data[0].values) == [60, 40, 30]


def test_a_provider_keeps_its_colour_in_dollars_and_tokens_and_long_labels_are_cut() -> None:
    rows = [
        TrendRow(day=date(2026, 11, 2), provider="openai", cost_micros=9, tokens=1, calls=1),
        TrendRow(day=date(2026, 11, 2), provider="mock", cost_micros=0, tokens=900, calls=1),
    ]
    colours = [
        {trace.name: trace.marker.color for trace in trend_figure(rows, *DAYS, metric=m).data}
        for m in ("cost", "tokens")
    ]
    assert colours[0] == colours[1]
    long = CostBreakdownRow(
        key="1",
        label="Invoice extraction with a long descriptive name",
        cost_micros=1,
        input_tokens=1,
        output_tokens=0,
        cached_tokens=0,
        calls=1,
    )
    bar = breakdown_figure([long], metric="tokens").data[0]
    assert bar.y[0] == "Invoice extraction with a l\u2026" and bar.x[0] == 1
    assert bar.customdata[0][3] == long.label
