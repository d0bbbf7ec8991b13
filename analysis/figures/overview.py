"""Overview figures: the national procedure trend with market-size estimates."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analysis.figures.common import house_layout, reference_line, safe_text
from analysis.overview import METHOD_BREAK_YEAR

BAR = "#2563eb"
ESTIMATE = "#f59e0b"


def procedure_trend(series: pl.DataFrame, estimates: pl.DataFrame, *, title: str) -> go.Figure:
    """ASPS neuromodulator procedures per year (bars) and the estimated fee spending (line, right axis).

    A dotted line marks the 2020 change in how ASPS counts; estimates that carry a fee forward are
    drawn as hollow markers and say so in the hover.
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=series["year"].to_list(),
            y=series["procedures"].to_list(),
            name="procedures (ASPS)",
            marker_color=BAR,
            customdata=list(zip(safe_text(series["counting"]), safe_text(series["reliability"]), strict=True)),
            hovertemplate=(
                "%{x}: %{y:,} procedures<br>counted as %{customdata[0]}<br>"
                "source reliability: %{customdata[1]}<extra></extra>"
            ),
        ),
        secondary_y=False,
    )
    if estimates.height:
        carried = [basis != "same-year fee" for basis in estimates["basis"].to_list()]
        fig.add_trace(
            go.Scatter(
                x=estimates["year"].to_list(),
                y=(estimates["estimate_usd"] / 1e9).to_list(),
                name="estimated fee spending (USD bn) — an estimate",
                mode="lines+markers",
                line={"color": ESTIMATE, "dash": "dot"},
                marker={"size": 10, "symbol": ["circle-open" if c else "circle" for c in carried], "color": ESTIMATE},
                customdata=list(zip(estimates["fee_usd"].to_list(), safe_text(estimates["basis"]), strict=True)),
                hovertemplate=(
                    "%{x}: about $%{y:.2f} bn<br>average fee $%{customdata[0]:,.0f} (%{customdata[1]})"
                    "<extra>estimate</extra>"
                ),
            ),
            secondary_y=True,
        )
    fig.add_vline(
        x=METHOD_BREAK_YEAR - 0.5, line_dash="dot", line_color="#6b7280", annotation_text="ASPS method change"
    )
    fig.update_yaxes(title_text="procedures", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="USD billion (estimate)", secondary_y=True, rangemode="tozero", showgrid=False)
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return house_layout(fig, title=title, height=460)


def state_vs_us(numbers: pl.DataFrame, *, state: str, title: str) -> go.Figure:
    """Each ratio metric as the state's value in percent of the national value (100 = the US)."""
    rows = numbers.filter(
        pl.col("us_value").is_not_null() & pl.col("state_value").is_not_null() & (pl.col("us_value") > 0)
    )
    rows = rows.with_columns((pl.col("state_value") / pl.col("us_value") * 100).alias("pct"))
    fig = go.Figure(
        go.Bar(
            x=rows["pct"].to_list(),
            y=safe_text(rows["metric"]),
            orientation="h",
            marker_color=BAR,
            customdata=rows.select("state_value", "us_value").rows(),
            hovertemplate="%{y}<br>" + state + ": %{customdata[0]:,.2f}<br>US: %{customdata[1]:,.2f}<extra></extra>",
        )
    )
    reference_line(fig, x=100, text="US = 100", color="#4b5563")
    fig.update_xaxes(title_text=f"{state} as % of the US value", rangemode="tozero")
    return house_layout(fig, title=title, height=max(280, 80 + 40 * rows.height))


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"${value:,.2f}" if unit == "usd" else f"{value:,.0f}"


def key_numbers_view(numbers: pl.DataFrame) -> pl.DataFrame:
    """The key numbers as a reader's table: money in dollars and cents, rates and counts as whole numbers (never
    "10.00"), each with what kind of number it is (observed or derived) in ``basis``."""
    rows = [
        {
            "metric": r["metric"],
            "state_value": _shown(r["state_value"], r["unit"]),
            "us_value": _shown(r["us_value"], r["unit"]),
            "note": r["note"],
            "basis": r["basis"],
        }
        for r in numbers.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(("metric", "state_value", "us_value", "note", "basis"), pl.String))
