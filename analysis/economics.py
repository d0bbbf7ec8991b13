"""Return on training: how many treatments pay back a course fee, from cited prices and product costs.

One treatment earns the median price per Botox unit less what the practice pays per unit, times the
units of one treatment; the course fee divided by that margin, rounded up, is the break-even. Before
the injector's time, rent, supervision fees and wasted product, so the real number is higher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from analysis import pnl

Frame = pl.DataFrame | pl.LazyFrame


# Bases in product_costs.csv that describe what practices pay today. Left out: ``invoice_estimate``
# (a 2026 newsletter's "~$10–12" that overlaps consumer prices; its own README says not to default to
# it) and ``news_report`` (the 2002 launch-year price).
COST_BASES: tuple[str, ...] = ("list_price_wac", "reported_purchase_price")


def median_price_per_unit(
    prices: Frame,
    *,
    state: str,
    product: str = "botox_cosmetic",
    min_observations: int = 5,
    level: float = 0.95,
) -> dict[str, Any]:
    """The median price per Botox(-equivalent) unit in ``state``, or nationally when the state has too few.

    Parameters
    ----------
    prices
        Price observations with ``price_per_botox_unit_usd`` (:func:`analysis.pricing.add_botox_equivalent_price`).
    state
        A 2-letter code, or ``"US"`` for the national median.
    product
        Only quotes for this product count.
    min_observations
        A state with fewer observations uses the national median instead (``fallback`` says so).

    Returns
    -------
    dict
        ``median_usd``, ``ci_low_usd``, ``ci_high_usd`` (bootstrap CI of the median), ``q1_usd``, ``q3_usd``
        (the middle half of the quotes), ``n``, ``scope``
        (the state code or ``"US"``), ``fallback`` (bool), ``product``, ``state_n`` (observations in the
        state). ``median_usd`` is ``None`` when there are no observations at all.
    """
    from analysis.pricing import price_stats  # scipy is loaded only when a median is asked for

    quotes = _eager(prices).filter(pl.col("product") == product)
    state_quotes = quotes if state == "US" else quotes.filter(pl.col("state") == state)
    state_n = state_quotes.filter(pl.col("price_per_botox_unit_usd").is_not_null()).height
    fallback = state != "US" and state_n < min_observations
    chosen = quotes if fallback else state_quotes
    result: dict[str, Any] = {
        "median_usd": None,
        "ci_low_usd": None,
        "ci_high_usd": None,
        "q1_usd": None,
        "q3_usd": None,
        "n": 0,
        "scope": "US" if fallback else state,
        "fallback": fallback,
        "product": product,
        "state_n": state_n,
    }
    stats = price_stats(chosen, level=level).collect()
    if stats.height and stats["n"][0]:
        row = stats.row(0, named=True)
        result.update(
            median_usd=row["median"],
            ci_low_usd=row["median_ci_low"],
            ci_high_usd=row["median_ci_high"],
            q1_usd=row["q1"],
            q3_usd=row["q3"],
            n=row["n"],
        )
    return result


def product_cost_per_unit(
    costs: Frame, *, product: str = "botox_cosmetic", bases: Sequence[str] = COST_BASES
) -> dict[str, Any]:
    """What a practice pays per unit of ``product``: the median of the cited rows' midpoints, and the range.

    Parameters
    ----------
    costs
        :func:`analysis.reference.product_costs` (``cost_per_unit_usd_low``/``_high``, ``basis``, ``source``).
    bases
        Which ``basis`` values count (default :data:`COST_BASES`).

    Returns
    -------
    dict
        ``typical_usd`` (median of (low + high) / 2 over the rows), ``low_usd`` (lowest low),
        ``high_usd`` (highest high), ``n_sources``, ``sources`` (list), ``bases``, ``product``;
        the numbers are ``None`` when no row has a cost.
    """
    rows = (
        _eager(costs)
        .filter((pl.col("product") == product) & pl.col("basis").is_in(list(bases)))
        .drop_nulls(["cost_per_unit_usd_low", "cost_per_unit_usd_high"])
    )
    mid = (pl.col("cost_per_unit_usd_low") + pl.col("cost_per_unit_usd_high")) / 2
    return {
        "product": product,
        "typical_usd": rows.select(mid.median()).item() if rows.height else None,
        "low_usd": rows["cost_per_unit_usd_low"].min() if rows.height else None,
        "high_usd": rows["cost_per_unit_usd_high"].max() if rows.height else None,
        "n_sources": rows.height,
        "sources": rows["source"].to_list(),
        "bases": list(bases),
    }


def units_per_treatment(units_per_area: Frame, *, area: str = "glabella") -> dict[str, Any]:
    """Typical Botox units for one treatment of ``area``: the reference's ``default`` row (the label dose where one
    exists)."""
    rows = _eager(units_per_area).filter((pl.col("area") == area) & pl.col("default"))
    if not rows.height:
        known = sorted(set(_eager(units_per_area)["area"].to_list()))
        raise ValueError(f"unknown area {area!r}; expected one of {', '.join(known)}")
    row = rows.row(0, named=True)
    return {
        "area": area,
        "label": row["label"],
        "units": row["units_typical"],
        "basis": row["basis"],
        "source": row["source"],
    }


def break_even(
    course_fee: float | None,
    *,
    price_per_unit: float | None,
    cost_per_unit: float | None,
    units_per_treatment: float | None,
) -> dict[str, Any]:
    """How many treatments recover ``course_fee``: ceil(fee / ((price − cost) per unit × units per treatment)).

    Parameters
    ----------
    course_fee
        Course list price, USD.
    price_per_unit
        What a patient pays per unit, USD (e.g. the state's median Botox price per unit).
    cost_per_unit
        What the practice pays per unit of product, USD.
    units_per_treatment
        Units in one treatment (e.g. 20 for the glabella, the label dose).

    Returns
    -------
    dict
        Every input, ``margin_per_unit_usd``, ``margin_per_treatment_usd``, ``treatments`` (int, or
        ``None``) and ``note`` saying why ``treatments`` is ``None``: an unknown input, or a price that
        does not exceed the product cost (the fee is never recovered). The margin is before the
        injector's time, overheads and the product wasted in a vial: a lower bound on treatments.

    Examples
    --------
    >>> break_even(1500, price_per_unit=12.0, cost_per_unit=6.0, units_per_treatment=20)["treatments"]
    13
    """
    inputs = {
        "course_fee_usd": course_fee,
        "price_per_unit_usd": price_per_unit,
        "cost_per_unit_usd": cost_per_unit,
        "units_per_treatment": units_per_treatment,
    }
    result: dict[str, Any] = {
        **inputs,
        "margin_per_unit_usd": None,
        "margin_per_treatment_usd": None,
        "treatments": None,
        "note": "",
    }
    missing = [name for name, value in inputs.items() if value is None]
    if missing:
        result["note"] = f"unknown {', '.join(missing)}: no break-even"
        return result
    if course_fee < 0 or units_per_treatment <= 0:
        raise ValueError("course_fee must be >= 0 and units_per_treatment > 0")
    margin_unit = price_per_unit - cost_per_unit
    margin = margin_unit * units_per_treatment
    result.update(margin_per_unit_usd=margin_unit, margin_per_treatment_usd=margin)
    if margin <= 0:
        result["note"] = "the price per unit does not exceed the product cost: the fee is never recovered"
        return result
    result["treatments"] = pnl.ceil_count(course_fee / margin)
    return result


def break_even_table(
    courses: Frame,
    *,
    price_per_unit: float | None,
    cost_per_unit: float | None,
    units_per_treatment: float | None,
    fee: str = "list_price_usd",
) -> pl.DataFrame:
    """:func:`break_even` for every course: adds ``margin_per_treatment_usd`` and ``treatments_to_break_even``.

    ``treatments_to_break_even`` (Int64) is null for a course without a price, and for every course
    when an input is unknown or the margin is not positive.
    """
    frame = _eager(courses)
    known = None not in (price_per_unit, cost_per_unit, units_per_treatment)
    margin = (price_per_unit - cost_per_unit) * units_per_treatment if known else None
    if margin is None or margin <= 0:
        return frame.with_columns(
            pl.lit(margin, pl.Float64).alias("margin_per_treatment_usd"),
            pl.lit(None, pl.Int64).alias("treatments_to_break_even"),
        )
    return frame.with_columns(
        pl.lit(margin, pl.Float64).alias("margin_per_treatment_usd"),
        ((pl.col(fee) / margin) - 1e-9).ceil().cast(pl.Int64).alias("treatments_to_break_even"),
    )


def _eager(frame: Frame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


# --- practice economics: the cited defaults for the monthly P&L (analysis.pnl) -------------------------------------


@dataclass(frozen=True)
class PracticeDefaults:
    """What the economics report starts from: the inputs table, the course fee, the rule and who may inject."""

    inputs: pl.DataFrame
    course_fee: float | None
    rule: dict[str, Any]
    allowed: list[str]
    director_fee: float
    price: dict[str, Any]


def median_course_fee(courses: Frame, *, provider_type: str) -> float | None:
    """The median list price of the current courses open (or maybe open) to ``provider_type``."""
    from analysis import training

    current, _ = training.split_offered(courses)
    options = training.courses_for_profession(current, provider_type, include_unstated=True)
    priced = options["list_price_usd"].drop_nulls()
    return float(priced.median()) if priced.len() else None


def practice_defaults(
    quotes: pl.DataFrame,
    *,
    state: str,
    provider_type: str,
    rules: Frame,
    product_costs: Frame,
    units_per_area: pl.DataFrame,
    wages: Frame,
    practice: Frame,
    courses: Frame,
) -> PracticeDefaults:
    """The cited default inputs for one state and profession (:func:`analysis.pnl.default_inputs`).

    ``quotes``: Botox Cosmetic quotes with ``price_per_botox_unit_usd`` (regular prices only, as the pricing
    report's statistics use).
    """
    from analysis import market

    rule = (
        pnl.national_oversight(rules, provider_type=provider_type)
        if state == "US"
        else pnl.oversight(rules, state=state, provider_type=provider_type)
    )
    price = median_price_per_unit(quotes, state=state)
    units = {**market.visit_units(units_per_area), "source": _label_dose_source(units_per_area)}
    inputs = pnl.default_inputs(
        price=price,
        cost=product_cost_per_unit(product_costs),
        units=units,
        wage=pnl.wage_default(
            wages, state=state, provider_type=provider_type, states=rule.get("states") if state == "US" else None
        ),
        practice=practice,
        director_required=rule["medical_director"],
        price_source=f"clinic_price_quotes.csv: Botox Cosmetic quotes in {price['scope']}",
    )
    director = pnl.practice_default(practice, "medical_director_fee")
    return PracticeDefaults(
        inputs=inputs,
        course_fee=median_course_fee(courses, provider_type=provider_type),
        rule=rule,
        allowed=_allowed_here(rules, state),
        director_fee=director["value"] if director else 0.0,
        price=price,
    )


def _label_dose_source(units_per_area: pl.DataFrame) -> str:
    rows = units_per_area.filter(pl.col("default") & pl.col("area").is_in(["glabella", "full_upper_face"]))
    return " ; ".join(dict.fromkeys(rows["source"].to_list())) or "units_per_area.csv"


def _allowed_here(rules: Frame, state: str) -> list[str]:
    from analysis.schemas import PROVIDER_TYPE_LABELS

    frame = _eager(rules)
    if state != "US":
        frame = frame.filter(pl.col("state") == state)
    mine = frame.filter(pl.col("may_inject").is_in(["yes", "conditional"]))["provider_type"].unique().to_list()
    return [PROVIDER_TYPE_LABELS[t] for t in PROVIDER_TYPE_LABELS if t in mine]


def practice_by_state(
    values: dict[str, float],
    *,
    quotes: pl.DataFrame,
    rules: Frame,
    wages: Frame,
    states: pl.DataFrame,
    provider_type: str,
    director_fee: float,
    own: dict[str, float | None] | None = None,
) -> pl.DataFrame:
    """:func:`analysis.pnl.by_state` with each state's median Botox price per unit from ``quotes``; ``own``: the
    reader's numbers, which replace the states' wherever set."""
    from analysis.pricing import price_stats

    by = price_stats(quotes, by=["state"]).select("state", "median", "n").collect()
    national = median_price_per_unit(quotes, state="US")["median_usd"]
    return pnl.by_state(
        values,
        state_prices=by,
        national_price=national,
        rules=rules,
        wages=wages,
        states=states,
        provider_type=provider_type,
        director_fee=director_fee,
        own=own,
    )


def practice_headline(
    *,
    state: str,
    provider_type: str,
    synthetic: bool,
    values: dict[str, float],
    result: dict[str, Any] | None,
    rule: dict[str, Any],
) -> dict[str, Any]:
    """The economics report's headline numbers (for the index, the manifest and nbval)."""
    numbers: dict[str, Any] = {
        "state": state,
        "provider_type": provider_type,
        "synthetic": synthetic,
        "may_inject": rule["may_inject"],
        "price_per_unit_usd": values["price_per_unit"],
        "visits_per_month": values["visits_per_month"],
    }
    if result is not None:
        numbers |= {
            "revenue_usd": round(result["revenue_usd"], 2),
            "operating_profit_usd": round(result["operating_profit_usd"], 2),
            "break_even_visits": result["break_even_visits"],
            "course_payback_visits": result["payback"]["visits"],
        }
    return numbers


def regular_botox_quotes(prices: Frame, *, conversions: Frame, states: Frame) -> pl.DataFrame:
    """Botox Cosmetic quotes at regular prices, with ``price_per_botox_unit_usd``: what the training and economics
    reports price a unit at (promotional, member, first-visit and therapeutic quotes set aside, as the pricing
    report's statistics do)."""
    from analysis import pricing

    prepared = pricing.prepare_prices(prices, conversions=conversions, states=states)
    return pricing.select_scope(prepared, product="botox_cosmetic").collect()
