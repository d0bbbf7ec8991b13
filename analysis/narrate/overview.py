"""Sentences of the overview report, built from :mod:`analysis.overview`'s frames; Markdown, data escaped."""

from __future__ import annotations

import polars as pl

from analysis.narrate.text import cap, md, usd
from analysis.overview import latest_estimate


def _money_bn(value: float) -> str:
    return f"\\${value / 1e9:,.1f} billion"  # escaped: Markdown reads $…$ as maths


def narrate_key_numbers(numbers: pl.DataFrame, *, state: str, state_label: str) -> str:
    """Sentences comparing the state's numbers with the national ones."""
    rows = {r["metric"]: r for r in numbers.iter_rows(named=True)}
    price = rows["Median price per Botox-equivalent unit"]
    pool = rows["Eligible injectors per 100,000 residents"]
    parts = []
    if price["state_value"] is None:
        parts.append(f"There are no per-unit prices for {md(state_label)} in the data.")
    elif state == "US":
        parts.append(f"The national median is **\\${price['us_value']:,.2f} per Botox-equivalent unit**.")
    else:
        ratio = price["state_value"] / price["us_value"] - 1
        parts.append(
            f"The median price in {md(state_label)} is **\\${price['state_value']:,.2f}** per Botox-equivalent unit, "
            f"{abs(ratio):.0%} {'above' if ratio >= 0 else 'below'} the national \\${price['us_value']:,.2f}."
        )
    if pool["state_value"] is not None:
        parts.append(
            f"About **{pool['state_value']:,.0f} eligible injectors per 100,000 residents**"
            + ("" if state == "US" else f" (US {pool['us_value']:,.0f})")
            + (f" — {pool['note']}." if pool["note"] else ".")
        )
    return " ".join(parts)


def narrate_market(series: pl.DataFrame, estimates: pl.DataFrame) -> str:
    if series.is_empty():
        return "No published procedure counts are available."
    last = series.row(-1, named=True)
    text = (
        f"ASPS counted **{last['procedures']:,} neuromodulator procedures in {last['year']}** "
        f"(source reliability: {last['reliability']})."
    )
    est = latest_estimate(estimates)
    if est:
        text += (
            f" At an average fee of \\${est['fee_usd']:,.0f} ({est['basis']}), "
            f"that implies roughly **{_money_bn(est['estimate_usd'])}** "
            f"of physician fees in {est['year']} — an estimate, not a measured market size."
        )
    text += " Counts before 2020 counted each injected site; the series is not continuous across the method change."
    return text


def topic_links() -> str:
    """Links to the sibling topic reports (same folder in the report set), as a Markdown list."""
    items = [
        ("pricing", "Treatment pricing"),
        ("providers", "Provider types"),
        ("training", "Training availability"),
        ("economics", "Practice economics"),
    ]
    return "\n".join(f"- [{label}]({name}.html)" for name, label in items)


def state_column_label(state: str, state_label: str) -> str:
    """The key-numbers table's column heading for the state (``US`` reads ``United States``)."""
    return state_label.replace("the ", "").title() if state == "US" else state


def narrate_anchors(anchors: pl.DataFrame, estimates: pl.DataFrame) -> str:
    """The manufacturer's reported revenue beside the fee estimate, and why the two differ."""
    if anchors.is_empty():
        return "No manufacturer's revenue figure is available as a top-down check."
    row = anchors.row(0, named=True)
    text = f"Top-down anchor: {md(row['anchor'])} was **{_money_bn(row['value_usd'])} in {row['year']}**."
    est = latest_estimate(estimates)
    if est:
        text += (
            f" The fee estimate above ({_money_bn(est['estimate_usd'])} in {est['year']}) measures something else: "
            "what US patients pay clinics (product, injector's time and margin), while the manufacturer's figure is "
            "what practices in every country pay for the product. Fees above product revenue are expected; "
            "neither number is the other's check to the dollar."
        )
    return text


def answer(
    numbers: pl.DataFrame, series: pl.DataFrame, estimates: pl.DataFrame, *, state: str, state_label: str
) -> str:
    """The overview's answer box: the state's key numbers beside the nation's, each marked observed, derived or
    estimated, and the national market in two lines."""
    rows = {r["metric"]: r for r in numbers.iter_rows(named=True)}
    here = "the US" if state == "US" else md(state_label)
    lines = [
        f"**{cap(here)} at a glance** (observed = copied from a cited source; derived = computed from observed "
        "numbers; estimated = rests on an assumption, stated)"
    ]
    price = rows["Median price per Botox-equivalent unit"]
    n_text = md(price["note"])
    if price["state_value"] is None:
        lines.append(f"- Price: no per-unit clinic quotes for {here} (US median {usd(price['us_value'])}; {n_text}).")
    else:
        us = "" if state == "US" else f" (US {usd(price['us_value'])})"
        lines.append(
            f"- Median price **{usd(price['state_value'])} per Botox-equivalent unit**{us}; {n_text} — derived "
            "from observed clinic quotes."
        )
    pool = rows["Eligible injectors per 100,000 residents"]
    if pool["state_value"] is not None:
        us = "" if state == "US" else f" (US {pool['us_value']:,.0f})"
        lower = " (a lower bound)" if pool["note"] else ""
        lines.append(
            f"- **{pool['state_value']:,.0f} eligible injectors per 100,000 residents**{us}{lower} — derived "
            "from published head counts and the state rules; an order of magnitude."
        )
    courses_here = rows["In-person courses held here"]
    online = rows["Online courses (open everywhere)"]
    nearest = f"; {md(courses_here['note'])}" if courses_here["note"] else ""
    lines.append(
        f"- **{courses_here['state_value']:,.0f} in-person courses** held here{nearest}; "
        f"{online['state_value']:,.0f} online courses open everywhere — observed (course catalogue)."
    )
    if not series.is_empty():
        last = series.sort("year").row(-1, named=True)
        lines.append(f"- US neuromodulator procedures {last['year']}: **{last['procedures']:,.0f}** — observed (ASPS).")
    latest = estimates.sort("year").row(-1, named=True) if not estimates.is_empty() else None
    if latest:
        lines.append(
            f"- US fee spending {latest['year']}: about **{_money_bn(latest['estimate_usd'])}** — estimated "
            f"(procedures × the {latest['fee_year']} average fee; see below)."
        )
    return "\n".join(lines)


def _money_m(value: float) -> str:
    return f"\\${value / 1e6:,.0f} million" if value < 1e9 else _money_bn(value)


def market_by_state(sizes: pl.DataFrame, *, state: str, state_label: str, procedures: float, year: int) -> str:
    """The bottom-up market estimate for a state (or the sum for the US), with its range and what it rests on."""
    method = (
        f"ASPS's {year} count of {procedures:,.0f} neuromodulator procedures, shared out by population and by "
        "injector supply (the estimate is their mean, the range spans both), times a price per visit: the "
        "state's pooled price per Botox-equivalent unit × 42 units (20 for one area to 64 for the full upper "
        "face, FDA label doses)"
    )
    if state == "US":
        total, low, high = (sizes[c].sum() for c in ("spend_usd", "spend_low_usd", "spend_high_usd"))
        return (
            f"Summed over the states, patients spend about **{_money_m(total)}** a year on neuromodulator "
            f"treatments (range {_money_m(low)}–{_money_m(high)}) — an **estimate**: {method}. "
            f"{sizes.filter(pl.col('price_basis').str.starts_with('national')).height} states have no quotes and "
            "take the national median price. It sits above the top-down figures in *The national market*: the "
            "ASPS-fee estimate counts surgeons' average fees of an older year, and a manufacturer's revenue is what "
            "clinics pay for the product, not what patients pay for the visit."
        )
    row = sizes.filter(pl.col("state") == state).row(0, named=True)
    return (
        f"**{md(state_label)}**: about **{row['procedures']:,.0f} procedures** a year "
        f"({row['procedures_low']:,.0f}–{row['procedures_high']:,.0f}) × about {usd(row['visit_usd'], decimals=0)} "
        f"per visit ({usd(row['visit_low_usd'], decimals=0)}–{usd(row['visit_high_usd'], decimals=0)}) ≈ "
        f"**{_money_m(row['spend_usd'])}** of patient spending "
        f"({_money_m(row['spend_low_usd'])}–{_money_m(row['spend_high_usd'])}); price from "
        f"{md(row['price_basis'])}. An **estimate**: {method}."
    )
