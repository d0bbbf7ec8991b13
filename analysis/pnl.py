"""The monthly profit and loss of one injector's neurotoxin work, its break-even and its sensitivity.

For someone deciding whether to open or join an injectable practice. The arithmetic is plain and every
input is a named number with a source:

* **Revenue** = visits a month × units per visit × price per unit.
* **Product** = the units injected × what the practice pays per unit; **waste** = the units bought but not
  injected (a share ``w`` of what is bought: injected ÷ (1 − w) is bought).
* **Card fees** = a share of revenue.
* **Fixed costs** a month: the injector's pay (hourly wage × paid hours), the medical director's fee (only where
  the state requires a physician's oversight for this profession), rent and other overhead.
* **Operating profit** = revenue − product − waste − card fees − fixed costs; the **margin per unit** is what
  one unit leaves after product, waste and card fees; **break-even visits** = fixed costs ÷ the margin of one
  visit, rounded up.

:func:`default_inputs` builds the inputs with their cited defaults (the state's median price per unit from the
clinics' own quotes, BLS wages, cited product costs and practice figures); :func:`apply_overrides` puts the
reader's own numbers in their place; :func:`tornado` moves each input from its cited low to its cited high.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from analysis.checks import BUSINESS_SHARES
from analysis.training import practice_rule

Frame = pl.DataFrame | pl.LazyFrame

# name → (label, unit). The order is the order of the inputs table and of the notebook's parameters.
INPUTS: dict[str, tuple[str, str]] = {
    "price_per_unit": ("Price per Botox unit", "USD per unit"),
    "units_per_visit": ("Units per visit", "units"),
    "visits_per_month": ("Visits a month", "visits"),
    "product_cost_per_unit": ("Product cost per unit", "USD per unit"),
    "waste_share": ("Product wasted", "share of units bought"),
    "card_fee_share": ("Card fees", "share of revenue"),
    "injector_hourly_wage": ("Injector's hourly pay", "USD per hour"),
    "injector_hours_per_month": ("Injector's paid hours a month", "hours"),
    "medical_director_fee": ("Medical director's fee", "USD per month"),
    "rent_per_month": ("Rent", "USD per month"),
    "other_overhead_per_month": ("Other overhead", "USD per month"),
}

# Full time, 40 hours a week × 52 weeks ÷ 12 months: arithmetic, not a cited fact.
FULL_TIME_HOURS_PER_MONTH = 40 * 52 / 12

# Supervision levels (state_rules.csv) under which a physician oversees the injector: the practice needs a
# medical director (or a supervising physician) and pays for it.
OVERSIGHT_LEVELS = ("delegation_after_exam", "physician_available", "physician_on_site")

INPUT_COLUMNS = ("input", "label", "unit", "value", "low", "high", "basis", "source", "note")


def _eager(frame: Frame) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def _check(values: Mapping[str, float]) -> dict[str, float]:
    missing = [name for name in INPUTS if values.get(name) is None]
    if missing:
        raise ValueError(f"missing inputs: {', '.join(missing)}")
    out = {name: float(values[name]) for name in INPUTS}
    bad = [name for name, v in out.items() if not math.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"inputs must be finite and ≥ 0: {', '.join(bad)}")
    over = [name for name in BUSINESS_SHARES if out[name] >= 1]
    if over:
        raise ValueError(f"shares must be below 1: {', '.join(over)}")
    return out


def unit_margin(values: Mapping[str, float]) -> float:
    """What one injected unit leaves after its product, the product wasted alongside it and the card fee, USD."""
    v = _check(values)
    return v["price_per_unit"] * (1 - v["card_fee_share"]) - v["product_cost_per_unit"] / (1 - v["waste_share"])


def fixed_costs(values: Mapping[str, float]) -> float:
    """The month's costs that do not change with the number of visits, USD."""
    v = _check(values)
    return (
        v["injector_hourly_wage"] * v["injector_hours_per_month"]
        + v["medical_director_fee"]
        + v["rent_per_month"]
        + v["other_overhead_per_month"]
    )


def operating_profit(values: Mapping[str, float]) -> float:
    """Revenue less every cost of the month, USD (before tax, interest and the owner's own pay when unpaid)."""
    v = _check(values)
    return unit_margin(v) * v["units_per_visit"] * v["visits_per_month"] - fixed_costs(v)


def monthly_pnl(values: Mapping[str, float]) -> pl.DataFrame:
    """The month as line items: ``line``, ``kind`` (revenue / variable / fixed / result), ``amount_usd`` (costs
    negative), ``per_visit_usd`` and ``share_of_revenue`` (null without revenue)."""
    v = _check(values)
    units = v["visits_per_month"] * v["units_per_visit"]
    revenue = units * v["price_per_unit"]
    product = units * v["product_cost_per_unit"]
    waste = product * v["waste_share"] / (1 - v["waste_share"])
    card = revenue * v["card_fee_share"]
    gross = revenue - product - waste - card
    lines = [
        ("Revenue", "revenue", revenue),
        ("Product injected", "variable", -product),
        ("Product wasted", "variable", -waste),
        ("Card fees", "variable", -card),
        ("Margin after product and fees", "subtotal", gross),
        ("Injector's pay", "fixed", -v["injector_hourly_wage"] * v["injector_hours_per_month"]),
        ("Medical director", "fixed", -v["medical_director_fee"]),
        ("Rent", "fixed", -v["rent_per_month"]),
        ("Other overhead", "fixed", -v["other_overhead_per_month"]),
        ("Operating profit", "result", gross - fixed_costs(v)),
    ]
    visits = v["visits_per_month"]
    return pl.DataFrame(
        {
            "line": [line for line, _, _ in lines],
            "kind": [kind for _, kind, _ in lines],
            "amount_usd": [amount for _, _, amount in lines],
            "per_visit_usd": [amount / visits if visits else None for _, _, amount in lines],
            "share_of_revenue": [amount / revenue if revenue else None for _, _, amount in lines],
        },
        schema={
            "line": pl.String,
            "kind": pl.String,
            "amount_usd": pl.Float64,
            "per_visit_usd": pl.Float64,
            "share_of_revenue": pl.Float64,
        },
    )


def ceil_count(value: float) -> int:
    """A count rounded up (visits, treatments), ignoring float dust."""
    # Money divided by money leaves float dust (1000 / 100.0000001); a sliver above a whole number is that number.
    return math.ceil(value - 1e-9)


def break_even_visits(values: Mapping[str, float]) -> int | None:
    """Visits a month that cover the fixed costs: ceil(fixed ÷ margin of one visit); ``None`` when a visit
    leaves no margin (the price does not cover product, waste and fees: no volume breaks even)."""
    v = _check(values)
    per_visit = unit_margin(v) * v["units_per_visit"]
    if per_visit <= 0:
        return None
    return max(ceil_count(fixed_costs(v) / per_visit), 0)


def course_payback(course_fee: float | None, values: Mapping[str, float]) -> dict[str, Any]:
    """How soon a course fee comes back: in visits (fee ÷ margin of one visit, rounded up — before fixed costs,
    as for a nurse adding injections to paid hours) and in months of operating profit (``None`` when the month
    makes no profit)."""
    v = _check(values)
    per_visit = unit_margin(v) * v["units_per_visit"]
    profit = operating_profit(v)
    known = course_fee is not None
    return {
        "course_fee_usd": course_fee,
        "margin_per_visit_usd": per_visit,
        "visits": ceil_count(course_fee / per_visit) if known and per_visit > 0 else None,
        "months": course_fee / profit if known and profit > 0 else None,
    }


def summary(values: Mapping[str, float], *, course_fee: float | None = None) -> dict[str, Any]:
    """The headline numbers of one set of inputs."""
    v = _check(values)
    revenue = v["visits_per_month"] * v["units_per_visit"] * v["price_per_unit"]
    profit = operating_profit(v)
    return {
        "revenue_usd": revenue,
        "operating_profit_usd": profit,
        "operating_margin": profit / revenue if revenue else None,
        "unit_margin_usd": unit_margin(v),
        "margin_per_visit_usd": unit_margin(v) * v["units_per_visit"],
        "fixed_costs_usd": fixed_costs(v),
        "break_even_visits": break_even_visits(v),
        "payback": course_payback(course_fee, v),
    }


# --- the inputs and their sources ---------------------------------------------------------------------------------


def input_row(
    name: str,
    value: float | None,
    *,
    low: float | None = None,
    high: float | None = None,
    basis: str,
    source: str,
    note: str = "",
) -> dict[str, Any]:
    """One row of the inputs table (:data:`INPUT_COLUMNS`)."""
    label, unit = INPUTS[name]
    return {
        "input": name,
        "label": label,
        "unit": unit,
        "value": value,
        "low": low,
        "high": high,
        "basis": basis,
        "source": source,
        "note": note,
    }


def inputs_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The inputs as a frame in :data:`INPUTS` order."""
    schema = {c: pl.String for c in INPUT_COLUMNS} | {"value": pl.Float64, "low": pl.Float64, "high": pl.Float64}
    order = {name: i for i, name in enumerate(INPUTS)}
    frame = pl.DataFrame(rows, schema=schema)
    return frame.sort(pl.col("input").replace_strict(order, return_dtype=pl.Int64))


def values_of(inputs: pl.DataFrame) -> dict[str, float | None]:
    """``{input: value}`` from the inputs table."""
    return dict(zip(inputs["input"].to_list(), inputs["value"].to_list(), strict=True))


def apply_overrides(inputs: pl.DataFrame, overrides: Mapping[str, float | None]) -> pl.DataFrame:
    """Put the reader's own numbers in place of the defaults (``None`` keeps the default).

    An overridden input keeps the cited range for the sensitivity chart, widened to include the reader's value;
    its basis becomes ``your input`` and its note keeps what the default was.
    """
    unknown = sorted(set(overrides) - set(INPUTS))
    if unknown:
        raise ValueError(f"unknown inputs {', '.join(unknown)}; expected some of {', '.join(INPUTS)}")
    rows = []
    for row in inputs.iter_rows(named=True):
        given = overrides.get(row["input"])
        if given is not None:
            default = row["value"]
            low = min(x for x in (row["low"], given) if x is not None) if row["low"] is not None else None
            high = max(x for x in (row["high"], given) if x is not None) if row["high"] is not None else None
            was = "unknown" if default is None else f"{default:,.4g}"
            row = {
                **row,
                "value": float(given),
                "low": low,
                "high": high,
                "basis": "your input",
                "note": f"default was {was} ({row['source']})",
            }
        rows.append(row)
    return inputs_frame(rows)


def tornado(inputs: pl.DataFrame) -> pl.DataFrame:
    """Operating profit when each input alone moves to its low and its high end, the others at their values.

    One row per input with a known range: ``input``, ``label``, ``low``, ``high``, ``profit_at_low_usd``,
    ``profit_at_high_usd``, ``swing_usd`` (the distance between the two), largest swing first. Inputs without a
    range are not in it (the notebook lists them).
    """
    values = values_of(inputs)
    rows = []
    for row in inputs.filter(pl.col("low").is_not_null() & pl.col("high").is_not_null()).iter_rows(named=True):
        at_low = operating_profit({**values, row["input"]: row["low"]})
        at_high = operating_profit({**values, row["input"]: row["high"]})
        rows.append(
            {
                "input": row["input"],
                "label": row["label"],
                "low": row["low"],
                "high": row["high"],
                "profit_at_low_usd": at_low,
                "profit_at_high_usd": at_high,
                "swing_usd": abs(at_high - at_low),
            }
        )
    schema = {"input": pl.String, "label": pl.String} | {
        c: pl.Float64 for c in ("low", "high", "profit_at_low_usd", "profit_at_high_usd", "swing_usd")
    }
    return pl.DataFrame(rows, schema=schema).sort("swing_usd", descending=True)


def oversight(rules: Frame, *, state: str, provider_type: str) -> dict[str, Any]:
    """Whether ``provider_type`` may inject in ``state`` and whether a physician must oversee it.

    Returns ``may_inject`` (yes / conditional / no / unknown), ``supervision``, ``medical_director`` (``True``
    when the supervision level is one of :data:`OVERSIGHT_LEVELS`, ``False`` when independent, ``None`` when
    unknown), ``source`` and ``reliability`` of the rule.
    """
    row = practice_rule(rules, state, provider_type)
    if row is None:
        return {
            "may_inject": "unknown",
            "supervision": "unknown",
            "medical_director": None,
            "source": None,
            "reliability": None,
        }
    supervision = row["supervision"]
    director = True if supervision in OVERSIGHT_LEVELS else (False if supervision == "independent" else None)
    return {
        "may_inject": row["may_inject"],
        "supervision": supervision,
        "medical_director": director,
        "source": row["source"],
        "reliability": row["reliability"],
    }


def wage_default(
    wages: Frame, *, state: str, provider_type: str, states: Sequence[str] | None = None
) -> dict[str, Any]:
    """The BLS hourly median, 25th and 75th percentile for ``provider_type`` in ``state``.

    For ``"US"``: the medians of ``states`` (default: all; pass the states where the profession may inject)
    weighted by employment (derived, said so), with the lowest 25th and highest 75th percentile. Where BLS top-codes
    the median in any of them (physicians in most states), a national figure would be biased low, so there is none.
    ``hourly_median_usd`` is ``None`` where BLS publishes no median; ``note`` says why.
    """
    frame = _eager(wages)
    rows = frame.filter(pl.col("provider_type") == provider_type)
    rows = rows.filter(pl.col("state") == state) if state != "US" else rows
    if state == "US" and states is not None:
        rows = rows.filter(pl.col("state").is_in(list(states)))
    known = rows.filter(pl.col("hourly_median_usd").is_not_null())
    source = rows["source"][0] if rows.height else None
    caveat = _occupation_caveat(rows)
    topcoded = rows.filter(pl.col("notes").fill_null("").str.contains("hourly median top-coded")).height
    empty = {"hourly_median_usd": None, "low": None, "high": None, "source": source, "n_states": 0}
    if known.is_empty() or (state == "US" and topcoded):
        note = (
            f"BLS top-codes the median in {topcoded} of {rows.height} states, so no national figure"
            if state == "US" and topcoded
            else (rows["notes"][0] if rows.height and state != "US" else "no published median")
        )
        return {**empty, "note": note}
    if state != "US":
        row = known.row(0, named=True)
        return {
            "hourly_median_usd": row["hourly_median_usd"],
            "low": row["hourly_p25_usd"],
            "high": row["hourly_p75_usd"],
            "source": source,
            "note": "; ".join(x for x in (caveat, "range: 25th to 75th percentile") if x),
            "n_states": 1,
        }
    weighted = known.filter(pl.col("employment").is_not_null())
    median = (weighted["hourly_median_usd"] * weighted["employment"]).sum() / weighted["employment"].sum()
    scope = "" if states is None else " where the profession may inject"
    return {
        "hourly_median_usd": median,
        "low": known["hourly_p25_usd"].min(),
        "high": known["hourly_p75_usd"].max(),
        "source": source,
        "note": "; ".join(
            x
            for x in (
                caveat,
                f"the medians of the {weighted.height} states{scope} weighted by employment; range: lowest state "
                "25th to highest 75th percentile",
            )
            if x
        ),
        "n_states": known.height,
    }


def _occupation_caveat(rows: pl.DataFrame) -> str:
    # The physician rows are SOC 29-1229 "all other" physicians, a mix of specialties (and residents): said.
    notes = rows["notes"].drop_nulls()
    first = notes[0].split(";")[0] if notes.len() else ""
    return f"{first}: a mix of specialties, not aesthetic physicians" if first.startswith("SOC ") else ""


def practice_default(practice: Frame, name: str) -> dict[str, Any] | None:
    """The ``default`` row of ``practice_economics.csv`` for input ``name``: value, low, high, source, note."""
    frame = _eager(practice)
    rows = frame.filter((pl.col("input") == name) & pl.col("default"))
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    return {
        "value": row["value"],
        "low": row["value_low"],
        "high": row["value_high"],
        "basis": row["basis"],
        "source": row["source"],
        "note": row["notes"] or "",
    }


def default_inputs(
    *,
    price: Mapping[str, Any],
    cost: Mapping[str, Any],
    units: Mapping[str, Any],
    wage: Mapping[str, Any],
    practice: Frame,
    director_required: bool | None,
    price_source: str,
) -> pl.DataFrame:
    """Every input with its cited default, range, basis and source (:data:`INPUT_COLUMNS`).

    ``price``: :func:`analysis.economics.median_price_per_unit` (with ``q1_usd``/``q3_usd``); ``cost``:
    :func:`analysis.economics.product_cost_per_unit`; ``units``: :func:`analysis.market.visit_units` plus its
    ``source``; ``wage``: :func:`wage_default`; ``practice``: :func:`analysis.reference.practice_economics`;
    ``director_required``: :func:`oversight`'s ``medical_director``.
    """
    scope = "the national median (fewer than 5 quotes here)" if price["fallback"] else f"median, {price['scope']}"
    rows = [
        input_row(
            "price_per_unit",
            price["median_usd"],
            low=price.get("q1_usd"),
            high=price.get("q3_usd"),
            basis=f"observed: {scope}, n = {price['n']}",
            source=price_source,
            note="range: the middle half of the quotes (25th to 75th percentile)",
        ),
        input_row(
            "units_per_visit",
            units["typical"],
            low=units["low"],
            high=units["high"],
            basis="derived from FDA label doses",
            source=units["source"],
            note="one area (glabella, 20 units) to the full upper face (64); the point is the middle",
        ),
        input_row(
            "product_cost_per_unit",
            cost["typical_usd"],
            low=cost["low_usd"],
            high=cost["high_usd"],
            basis=f"observed: median of {cost['n_sources']} cited purchase prices",
            source=" ; ".join(dict.fromkeys(cost["sources"])),
            note="range: the lowest and highest cited price per unit",
        ),
        _wage_row(wage),
        input_row(
            "injector_hours_per_month",
            FULL_TIME_HOURS_PER_MONTH,
            basis="arithmetic: full time",
            source="40 hours a week × 52 weeks ÷ 12 months",
        ),
    ]
    for name in ("visits_per_month", "waste_share", "card_fee_share", "rent_per_month", "other_overhead_per_month"):
        rows.append(_practice_row(practice, name))
    rows.append(_director_row(practice, director_required))
    return inputs_frame(rows)


def _practice_row(practice: Frame, name: str) -> dict[str, Any]:
    cited = practice_default(practice, name)
    if cited is None:
        return input_row(name, 0.0, basis="not included", source="no cited figure", note="set your own")
    return input_row(
        name,
        cited["value"],
        low=cited["low"],
        high=cited["high"],
        basis=cited["basis"],
        source=cited["source"],
        note=cited["note"],
    )


def _wage_row(wage: Mapping[str, Any]) -> dict[str, Any]:
    if wage["hourly_median_usd"] is None:
        return input_row(
            "injector_hourly_wage",
            0.0,
            basis="not costed: BLS publishes no median here",
            source=_short_bls(wage["source"]),
            note=f"{wage['note']}; the profit is before paying the injector — set injector_hourly_wage",
        )
    return input_row(
        "injector_hourly_wage",
        wage["hourly_median_usd"],
        low=wage["low"],
        high=wage["high"],
        basis="observed: BLS state median (all settings)" if wage["n_states"] == 1 else "derived: BLS state medians",
        source=_short_bls(wage["source"]),
        note=wage["note"] or "range: 25th to 75th percentile",
    )


def _short_bls(source: str | None) -> str:
    # The full provenance (file, columns, the copy read) is in provider_wages.csv and data/README.md.
    soc = re.search(r"SOC (\d{2}-\d{4})", source or "")
    return (
        "U.S. Bureau of Labor Statistics, OEWS May 2023 state estimates"
        + (f", SOC {soc[1]}" if soc else "")
        + (" (provider_wages.csv)")
    )


def _director_row(practice: Frame, required: bool | None) -> dict[str, Any]:
    if required is False:
        return input_row(
            "medical_director_fee",
            0.0,
            basis="not required: the state rules let this profession inject without a physician's oversight",
            source="state_rules.csv",
        )
    row = _practice_row(practice, "medical_director_fee")
    if required is None:
        row["note"] = "whether a physician must oversee is unknown here; the fee is included to be safe. " + row["note"]
    return row


def by_state(
    values: Mapping[str, float],
    *,
    state_prices: pl.DataFrame,
    national_price: float | None,
    rules: Frame,
    wages: Frame,
    states: pl.DataFrame,
    provider_type: str,
    director_fee: float,
    own: Mapping[str, float | None] | None = None,
    min_quotes: int = 5,
) -> pl.DataFrame:
    """The same month in every state: the state's own median price per unit where it has ``min_quotes`` or more
    (else the national one, flagged), its BLS wage for ``provider_type`` and its rule on oversight; the other
    inputs as in ``values``. The reader's own numbers (``own``: price, wage, medical-director fee) replace the
    state's wherever they are set. The profit is null where the profession may not inject, and where the pay is
    not published (``pay_unknown``) or no price is known: no state is ranked on a free injector.

    ``state_prices``: ``state, median, n`` per state (:func:`analysis.pricing.price_stats` by state).
    Returns ``state, name, may_inject, price_per_unit, price_fallback, price_basis, injector_hourly_wage,
    pay_unknown, medical_director, operating_profit_usd, break_even_visits``, most profitable first.
    """
    own = {k: v for k, v in (own or {}).items() if v is not None}
    prices = {r["state"]: r for r in state_prices.iter_rows(named=True)}
    rows = []
    for state, name in states.select("state", "name").iter_rows():
        rule = oversight(rules, state=state, provider_type=provider_type)
        quotes = prices.get(state)
        n = 0 if quotes is None else quotes["n"]
        fallback = n < min_quotes
        price = own.get("price_per_unit", national_price if fallback else quotes["median"])
        wage = own.get(
            "injector_hourly_wage", wage_default(wages, state=state, provider_type=provider_type)["hourly_median_usd"]
        )
        barred = rule["may_inject"] == "no"
        fee = own.get("medical_director_fee", director_fee) if rule["medical_director"] is not False else 0.0
        month = {**values, "price_per_unit": price, "injector_hourly_wage": wage, "medical_director_fee": fee}
        computable = not barred and wage is not None and price is not None
        rows.append(
            {
                "state": state,
                "name": name,
                "may_inject": rule["may_inject"],
                "price_per_unit": price,
                "price_fallback": fallback and "price_per_unit" not in own,
                "price_basis": "your input"
                if "price_per_unit" in own
                else (f"national median (n = {n} here)" if fallback else f"state median (n = {n})"),
                "injector_hourly_wage": wage,
                "pay_unknown": wage is None and not barred,
                "medical_director": None
                if barred
                else {True: "required", False: "not required", None: "unknown (counted)"}[rule["medical_director"]],
                "operating_profit_usd": operating_profit(month) if computable else None,
                "break_even_visits": break_even_visits(month) if computable else None,
            }
        )
    schema = {
        "state": pl.String,
        "name": pl.String,
        "may_inject": pl.String,
        "price_per_unit": pl.Float64,
        "price_fallback": pl.Boolean,
        "price_basis": pl.String,
        "injector_hourly_wage": pl.Float64,
        "pay_unknown": pl.Boolean,
        "medical_director": pl.String,
        "operating_profit_usd": pl.Float64,
        "break_even_visits": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema).sort("operating_profit_usd", descending=True, nulls_last=True)


def national_oversight(rules: Frame, *, provider_type: str) -> dict[str, Any]:
    """For the US report: in how many states ``provider_type`` may inject, and whether most of those require a
    physician's oversight (then the fee is counted in the national month)."""
    frame = _eager(rules)
    mine = frame.filter(pl.col("provider_type") == provider_type)
    may = mine.filter(pl.col("may_inject").is_in(["yes", "conditional"]))
    overseen = may.filter(pl.col("supervision").is_in(list(OVERSIGHT_LEVELS))).height
    independent = may.filter(pl.col("supervision") == "independent").height
    return {
        "may_inject": "no"
        if may.is_empty() and mine.height
        else ("yes" if (may["may_inject"] == "yes").any() else "conditional" if may.height else "unknown"),
        "states": sorted(may["state"].to_list()),
        "supervision": "varies by state",
        "medical_director": None if may.is_empty() else overseen >= independent,
        "states_may_inject": may.height,
        "states_overseen": overseen,
        "states_independent": independent,
        "source": "state_rules.csv",
        "reliability": None,
    }
