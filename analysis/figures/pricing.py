"""Pricing figures: distributions, group comparisons with confidence intervals, the state map, treatment costs."""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from analysis.figures.common import house_layout, reference_line, safe_text
from analysis.figures.usmap import us_state_map
from analysis.pooling import FEW_QUOTES

ACCENT = "#2563eb"
CAP_COLOR = "#dc2626"


def price_distribution(
    prices: pl.DataFrame, *, value: str, by: str, label: str, title: str, labels: dict[str, str] | None = None
) -> go.Figure:
    """One box per group of ``by`` (most observations first), showing the spread of ``value``."""
    labels = labels or {}
    present = prices.filter(pl.col(value).is_not_null() & pl.col(value).is_finite())
    order = present.group_by(by).len().sort("len", descending=True)[by].to_list()
    fig = go.Figure()
    for group in order:
        values = present.filter(pl.col(by) == group)[value]
        name = safe_text([labels.get(group, group)])[0]
        fig.add_trace(
            # whiskers to 1.5 IQR, quotes beyond them as points (a few wild quotes no longer squash the boxes)
            go.Box(y=values.to_list(), name=f"{name} (n={values.len():,})", boxpoints="outliers", marker_color=ACCENT)
        )
    fig.update_yaxes(title_text=html.escape(label), rangemode="tozero")
    fig.update_layout(showlegend=False)
    return house_layout(fig, title=title)


def median_with_ci(
    stats: pl.DataFrame,
    *,
    by: str,
    label: str,
    title: str,
    labels: dict[str, str] | None = None,
    reference_value: float | None = None,
    reference_label: str = "national median",
    min_n: int | None = None,
    hide: Sequence[str] = (),
) -> go.Figure:
    """Medians per group as dots with their confidence intervals, sorted, on an axis from $0; a dashed line for a
    reference value. Groups in ``hide`` are left out; groups under ``min_n`` are grey and marked too few."""
    labels = labels or {}
    rows = stats.filter((pl.col("n") > 0) & ~pl.col(by).is_in(list(hide))).sort("median")
    few = [min_n is not None and n < min_n for n in rows["n"].to_list()]
    names = safe_text(
        [
            f"{labels.get(g, g)} (n={n:,}{', too few' if is_few else ''})"
            for (g, n), is_few in zip(rows.select(by, "n").iter_rows(), few, strict=True)
        ]
    )
    fig = go.Figure(
        go.Scatter(
            x=rows["median"].to_list(),
            y=names,
            mode="markers",
            marker={"size": 10, "color": ["#9ca3af" if f else ACCENT for f in few]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (rows["median_ci_high"] - rows["median"]).to_list(),
                "arrayminus": (rows["median"] - rows["median_ci_low"]).to_list(),
                "color": "#93c5fd",
                "thickness": 3,
            },
            hovertemplate="%{y}<br>median %{x:$.2f}<extra></extra>",
        )
    )
    if reference_value is not None:
        reference_line(fig, x=reference_value, text=reference_label, color="#4b5563")
    fig.update_xaxes(title_text=html.escape(label), tickprefix="$", rangemode="tozero")
    return house_layout(fig, title=title, height=max(300, 60 + 28 * rows.height))


def state_median_map(
    index: pl.DataFrame, shapes: pl.DataFrame, *, highlight: str | None = None, title: str
) -> go.Figure:
    """Median per-unit price per state on the US map (``shapes``: the state outlines), with n and the price
    index in the hover."""
    return us_state_map(
        index,
        shapes,
        value="median",
        label="Median $ per Botox-equivalent unit",
        title=title,
        hover={"n": "observations", "price_index": "index (US = 100)"},
        highlight=highlight,
        value_format=",.2f",
        value_prefix="$",
    )


def treatment_costs_chart(costs: pl.DataFrame, *, cap_usd: float, title: str) -> go.Figure:
    """Typical cost per treatment area (bar) with its P10-units-low to P90-units-high range, against the cap."""
    rows = costs.sort("cost_typical_usd")
    names = safe_text(rows["label"].to_list())
    colors = [CAP_COLOR if above else ACCENT for above in rows["typical_above_cap"].to_list()]
    fig = go.Figure(
        go.Bar(
            x=rows["cost_typical_usd"].to_list(),
            y=names,
            orientation="h",
            marker_color=colors,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (rows["cost_high_usd"] - rows["cost_typical_usd"]).to_list(),
                "arrayminus": (rows["cost_typical_usd"] - rows["cost_low_usd"]).to_list(),
                "color": "#6b7280",
            },
            customdata=rows.select("units_typical", "cost_low_usd", "cost_high_usd").rows(),
            hovertemplate=(
                "%{y}<br>typical %{x:$,.0f} (%{customdata[0]:.0f} units)<br>"
                "range %{customdata[1]:$,.0f}–%{customdata[2]:$,.0f}<extra></extra>"
            ),
        )
    )
    reference_line(fig, x=cap_usd, text=f"cap ${cap_usd:,.0f}", color=CAP_COLOR)
    fig.update_xaxes(title_text="Cost of one treatment (USD)", tickprefix="$", rangemode="tozero")
    return house_layout(fig, title=title, height=max(320, 60 + 34 * rows.height))


def pooled_state_map(pooled: pl.DataFrame, shapes: pl.DataFrame, *, highlight: str | None, title: str) -> go.Figure:
    """Each state's partially pooled price per Botox-equivalent unit (:func:`analysis.pooling.pooled_state_prices`);
    grey without quotes, dotted outline with fewer than :data:`FEW_QUOTES`; hover: n, raw median, interval."""
    shown = pooled.filter(pl.col("n") > 0).with_columns(
        pl.format("${} – ${}", pl.col("pooled_low_usd").round(2), pl.col("pooled_high_usd").round(2)).alias("interval"),
        pl.col("raw_median_usd").round(2),
        (pl.col("own_weight") * 100).round(0).alias("own_pct"),
    )
    few = shown.filter(pl.col("n") < FEW_QUOTES)["state"].to_list()
    return us_state_map(
        shown,
        shapes,
        value="pooled_usd",
        label="Pooled estimate, $ per Botox-equivalent unit",
        title=title,
        hover={
            "n": "quotes",
            "raw_median_usd": "raw median ($)",
            "interval": "95% interval",
            "own_pct": "% from the state's own quotes",
        },
        highlight=highlight,
        value_prefix="$",
        marked=few,
    )


POOLED_LABELS = {
    "name": "State",
    "n": "Quotes",
    "raw_median_usd": "Raw median ($)",
    "pooled_usd": "Pooled estimate ($)",
    "pooled_low_usd": "95% low ($)",
    "pooled_high_usd": "95% high ($)",
    "own_weight": "From own quotes",
}
POOLED_FORMATS = {
    "raw_median_usd": ",.2f",
    "pooled_usd": ",.2f",
    "pooled_low_usd": ",.2f",
    "pooled_high_usd": ",.2f",
    "own_weight": ".0%",
}


def pooled_view(pooled: pl.DataFrame, *, state: str) -> pl.DataFrame:
    """The pooled-estimate table: for ``US`` every state with quotes, else the state and its division's states."""
    rows = pooled.filter(pl.col("n") > 0)
    if state != "US":
        division = pooled.filter(pl.col("state") == state)["division"]
        rows = pooled.filter(
            pl.col("division").is_in(division.implode()) & ((pl.col("n") > 0) | (pl.col("state") == state))
        )
    return rows.sort("pooled_usd", descending=True, nulls_last=True).select(list(POOLED_LABELS))
