"""Practice-economics figures: the sensitivity (tornado) chart and profit against visits a month.

Each builder takes numbers from :mod:`analysis.pnl` and returns a ``go.Figure``; none shows or saves. Their
sentences are in :mod:`analysis.narrate.economics`.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl

from analysis import pnl
from analysis.figures.common import house_layout, reference_line, safe_text

LOW_COLOR = "#b45309"  # the input at its low end
HIGH_COLOR = "#1d4ed8"  # at its high end
PROFIT_COLOR = "#111827"
BREAK_EVEN_COLOR = "#b91c1c"


def _dollars(value: float) -> str:
    return f"{'−' if value < 0 else ''}${abs(value):,.0f}"


def _range_text(row: Mapping[str, object], unit: str) -> str:
    low, high = row["low"], row["high"]
    if unit.startswith("share"):
        return f"{low * 100:g}%–{high * 100:g}%"
    if unit.startswith("USD"):
        return f"${low:,.2f}–${high:,.2f}" if high < 100 else f"${low:,.0f}–${high:,.0f}"
    return f"{low:,.0f}–{high:,.0f}"


def tornado(table: pl.DataFrame, *, profit: float, title: str) -> go.Figure:
    """One bar per input (:func:`analysis.pnl.tornado`): the month's operating profit at the input's low end and at
    its high end, around the profit at the defaults; widest first."""
    fig = go.Figure()
    if table.is_empty():
        return house_layout(fig, title=title)
    units = {name: unit for name, (_, unit) in pnl.INPUTS.items()}
    labels = safe_text([f"{r['label']} ({_range_text(r, units[r['input']])})" for r in table.iter_rows(named=True)])
    for column, name, color in (
        ("profit_at_low_usd", "input at its low end", LOW_COLOR),
        ("profit_at_high_usd", "input at its high end", HIGH_COLOR),
    ):
        values = table[column].to_list()
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[v - profit for v in values],
                base=profit,
                orientation="h",
                name=name,
                marker_color=color,
                customdata=values,
                hovertemplate="%{y}<br>" + name + ": profit $%{customdata:,.0f} a month<extra></extra>",
            )
        )
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Operating profit a month (USD)", tickprefix="$", separatethousands=True)
    reference_line(fig, x=profit, text=f"at these inputs: {_dollars(profit)}", color=PROFIT_COLOR)
    return house_layout(fig, title=title, height=max(320, 110 + 44 * table.height))


def profit_by_visits(values: Mapping[str, float], *, title: str, max_visits: int | None = None) -> go.Figure:
    """Operating profit a month against visits a month (everything else at its value), with the break-even."""
    be = pnl.break_even_visits(values)
    current = values["visits_per_month"]
    top = max_visits or int(max(current, be or 0, 10) * 1.5)
    visits = list(range(0, top + 1, max(1, top // 60)))
    profits = [pnl.operating_profit({**values, "visits_per_month": float(v)}) for v in visits]
    fig = go.Figure(
        go.Scatter(
            x=visits,
            y=profits,
            mode="lines",
            line={"color": PROFIT_COLOR, "width": 3},
            name="operating profit",
            hovertemplate="%{x} visits: $%{y:,.0f} a month<extra></extra>",
        )
    )
    fig.add_hline(y=0, line_color="#6b7280", line_width=1)
    if be is not None and be <= top:
        reference_line(fig, x=be, text=f"break-even: {be:,} visits", color=BREAK_EVEN_COLOR)
    fig.add_trace(
        go.Scatter(
            x=[current],
            y=[pnl.operating_profit(values)],
            mode="markers",
            marker={"size": 11, "color": HIGH_COLOR},
            name="at these inputs",
            hovertemplate="%{x:,.0f} visits (these inputs): $%{y:,.0f} a month<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Visits a month", rangemode="tozero")
    fig.update_yaxes(title_text="Operating profit a month (USD)", tickprefix="$", separatethousands=True)
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return house_layout(fig, title=title)


# --- table views -------------------------------------------------------------------------------

INPUT_LABELS = {
    "label": "Input",
    "value": "Value",
    "range": "Range (sensitivity)",
    "unit": "Unit",
    "basis": "Basis",
    "source": "Source",
}
PNL_LABELS = {
    "line": "",
    "amount_usd": "USD a month",
    "per_visit_usd": "USD per visit",
    "share_of_revenue": "Share of revenue",
}
PNL_FORMATS = {"amount_usd": ",.0f", "per_visit_usd": ",.2f", "share_of_revenue": ".1%"}
BY_STATE_LABELS = {
    "name": "State",
    "may_inject": "May inject",
    "price_per_unit": "Price per unit (USD)",
    "price_basis": "Price from",
    "injector_hourly_wage": "Injector's pay per hour (USD)",
    "medical_director": "Medical director",
    "operating_profit_usd": "Profit a month (USD)",
    "break_even_visits": "Break-even visits",
}
BY_STATE_FORMATS = {
    "price_per_unit": ",.2f",
    "injector_hourly_wage": ",.2f",
    "operating_profit_usd": ",.0f",
    "break_even_visits": ",d",
}


def _format(value: float | None, unit: str) -> str | None:
    if value is None:
        return None
    if unit.startswith("share"):
        return f"{value * 100:.3g}%"
    if unit.startswith("USD"):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def inputs_view(inputs: pl.DataFrame) -> pl.DataFrame:
    """The inputs table for the report: value and range formatted in their unit (the notes go below it)."""
    rows = []
    for r in inputs.iter_rows(named=True):
        low, high = _format(r["low"], r["unit"]), _format(r["high"], r["unit"])
        rows.append(
            {
                "label": r["label"],
                "value": _format(r["value"], r["unit"]),
                "range": f"{low} – {high}" if low is not None and high is not None else None,
                "unit": r["unit"],
                "basis": r["basis"],
                "source": r["source"],
            }
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(INPUT_LABELS, pl.String))


def pnl_view(frame: pl.DataFrame) -> pl.DataFrame:
    """The P&L lines for the report (without the ``kind`` column)."""
    return frame.select("line", "amount_usd", "per_visit_usd", "share_of_revenue")
