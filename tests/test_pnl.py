"""The practice P&L against numbers worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from analysis import pnl

# A worked example (hand arithmetic in the comments).
VALUES = {
    "price_per_unit": 14.0,
    "units_per_visit": 40.0,
    "visits_per_month": 100.0,
    "product_cost_per_unit": 6.0,
    "waste_share": 0.1,
    "card_fee_share": 0.03,
    "injector_hourly_wage": 40.0,
    "injector_hours_per_month": 160.0,
    "medical_director_fee": 1000.0,
    "rent_per_month": 2000.0,
    "other_overhead_per_month": 500.0,
}
# 100 visits × 40 units = 4,000 units. Revenue 4,000 × $14 = $56,000. Product 4,000 × $6 = $24,000.
# Waste: 10 % of what is bought → bought 4,000 / 0.9 = 4,444.4 units → 444.4 × $6 = $2,666.67.
# Card fees 3 % × 56,000 = $1,680. Margin after product and fees: 56,000 − 24,000 − 2,666.67 − 1,680 = $27,653.33.
# Fixed: 40 × 160 = 6,400 + 1,000 + 2,000 + 500 = $9,900. Profit: $17,753.33.
REVENUE, PRODUCT, WASTE, CARD = 56_000.0, 24_000.0, 2_666.6667, 1_680.0
GROSS, FIXED, PROFIT = 27_653.3333, 9_900.0, 17_753.3333


def test_monthly_pnl_lines_match_hand_arithmetic():
    lines = dict(pnl.monthly_pnl(VALUES).select("line", "amount_usd").iter_rows())
    assert lines["Revenue"] == pytest.approx(REVENUE)
    assert lines["Product injected"] == pytest.approx(-PRODUCT)
    assert lines["Product wasted"] == pytest.approx(-WASTE, rel=1e-6)
    assert lines["Card fees"] == pytest.approx(-CARD)
    assert lines["Margin after product and fees"] == pytest.approx(GROSS, rel=1e-6)
    assert lines["Injector's pay"] == pytest.approx(-6_400.0)
    assert lines["Operating profit"] == pytest.approx(PROFIT, rel=1e-6)
    # The costs and the result add up to the revenue.
    costs = sum(
        v for k, v in lines.items() if k not in ("Revenue", "Margin after product and fees", "Operating profit")
    )
    assert lines["Revenue"] + costs == pytest.approx(lines["Operating profit"])


def test_per_visit_and_share_columns():
    frame = pnl.monthly_pnl(VALUES)
    revenue = frame.filter(pl.col("line") == "Revenue").row(0, named=True)
    assert revenue["per_visit_usd"] == pytest.approx(560.0)  # 40 units × $14
    assert revenue["share_of_revenue"] == pytest.approx(1.0)
    profit = frame.filter(pl.col("line") == "Operating profit").row(0, named=True)
    assert profit["share_of_revenue"] == pytest.approx(PROFIT / REVENUE, rel=1e-6)


def test_unit_margin_break_even_and_payback():
    # One unit: $14 less 3 % = $13.58, less $6 / 0.9 = $6.667 of product bought → $6.9133.
    assert pnl.unit_margin(VALUES) == pytest.approx(6.913333, rel=1e-6)
    # Break-even: 9,900 / (6.9133 × 40 = 276.53 a visit) = 35.8 → 36 visits.
    assert pnl.break_even_visits(VALUES) == 36
    assert (
        pnl.operating_profit({**VALUES, "visits_per_month": 36})
        > 0
        > pnl.operating_profit({**VALUES, "visits_per_month": 35})
    )
    payback = pnl.course_payback(3000.0, VALUES)
    assert payback["visits"] == 11  # 3,000 / 276.53 = 10.85
    assert payback["months"] == pytest.approx(3000 / PROFIT, rel=1e-6)


def test_no_margin_means_no_break_even_and_no_payback():
    losing = {**VALUES, "price_per_unit": 6.0}  # below product + waste
    assert pnl.unit_margin(losing) < 0
    assert pnl.break_even_visits(losing) is None
    assert pnl.course_payback(3000.0, losing) == {
        "course_fee_usd": 3000.0,
        "margin_per_visit_usd": pytest.approx(pnl.unit_margin(losing) * 40),
        "visits": None,
        "months": None,
    }
    assert pnl.course_payback(None, VALUES)["visits"] is None


def test_zero_fixed_costs_break_even_at_zero_visits():
    free = {**VALUES, **dict.fromkeys(("injector_hourly_wage", "medical_director_fee", "rent_per_month"), 0.0)}
    free["other_overhead_per_month"] = 0.0
    assert pnl.break_even_visits(free) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"waste_share": 1.0}, "shares must be below 1"),
        ({"card_fee_share": 1.5}, "shares must be below 1"),
        ({"price_per_unit": -1.0}, "finite and ≥ 0"),
        ({"visits_per_month": float("nan")}, "finite and ≥ 0"),
        ({"rent_per_month": None}, "missing inputs: rent_per_month"),
    ],
)
def test_bad_inputs_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        pnl.monthly_pnl({**VALUES, **change})


def _inputs(**ranges):
    rows = [
        pnl.input_row(
            name,
            value,
            low=ranges.get(name, (None, None))[0],
            high=ranges.get(name, (None, None))[1],
            basis="test",
            source="test",
        )
        for name, value in VALUES.items()
    ]
    return pnl.inputs_frame(rows)


def test_tornado_moves_one_input_at_a_time_and_sorts_by_swing():
    inputs = _inputs(price_per_unit=(10.0, 18.0), product_cost_per_unit=(4.0, 7.0))
    table = pnl.tornado(inputs)
    assert table["input"].to_list() == ["price_per_unit", "product_cost_per_unit"]
    price = table.row(0, named=True)
    # $10: (9.70 − 6.667) × 4,000 − 9,900 = 2,233.33; $18: (17.46 − 6.667) × 4,000 − 9,900 = 33,273.33.
    assert price["profit_at_low_usd"] == pytest.approx(2_233.333, rel=1e-6)
    assert price["profit_at_high_usd"] == pytest.approx(33_273.333, rel=1e-6)
    assert price["swing_usd"] == pytest.approx(31_040.0, rel=1e-6)
    cost = table.row(1, named=True)
    # Cost $4 → product + waste 4,000 × 4 / 0.9 = 17,777.8; $7 → 31,111.1: swing 13,333.3.
    assert cost["swing_usd"] == pytest.approx(13_333.333, rel=1e-6)
    assert cost["profit_at_low_usd"] > cost["profit_at_high_usd"]  # a dearer product lowers profit


def test_overrides_replace_the_value_keep_and_widen_the_range():
    inputs = _inputs(price_per_unit=(10.0, 18.0))
    mine = pnl.apply_overrides(inputs, {"price_per_unit": 20.0, "visits_per_month": None})
    row = mine.filter(pl.col("input") == "price_per_unit").row(0, named=True)
    assert (row["value"], row["low"], row["high"], row["basis"]) == (20.0, 10.0, 20.0, "your input")
    assert "default was 14" in row["note"]
    assert pnl.values_of(mine)["visits_per_month"] == 100.0
    with pytest.raises(ValueError, match="unknown inputs wizardry"):
        pnl.apply_overrides(inputs, {"wizardry": 1.0})


RULES = pl.DataFrame(
    {
        "state": ["TX", "TX", "TX", "CA"],
        "provider_type": ["registered_nurse", "nurse_practitioner", "aesthetician", "registered_nurse"],
        "may_inject": ["conditional", "yes", "no", "conditional"],
        "supervision": ["delegation_after_exam", "independent", "not_allowed", "unknown"],
        "source": ["a", "b", "c", "d"],
        "reliability": ["high", "med", "high", "low"],
    }
)


@pytest.mark.parametrize(
    ("state", "provider_type", "may_inject", "director"),
    [
        ("TX", "registered_nurse", "conditional", True),
        ("TX", "nurse_practitioner", "yes", False),
        ("TX", "aesthetician", "no", None),
        ("CA", "registered_nurse", "conditional", None),
        ("NY", "registered_nurse", "unknown", None),
    ],
)
def test_oversight_reads_the_state_rule(state, provider_type, may_inject, director):
    result = pnl.oversight(RULES, state=state, provider_type=provider_type)
    assert (result["may_inject"], result["medical_director"]) == (may_inject, director)


WAGES = pl.DataFrame(
    {
        "state": ["TX", "CA", "WY"],
        "provider_type": ["registered_nurse"] * 3,
        "hourly_median_usd": [40.0, 64.0, None],
        "hourly_p25_usd": [36.0, 52.0, None],
        "hourly_p75_usd": [48.0, 80.0, None],
        "employment": [300.0, 100.0, None],
        "source": ["BLS"] * 3,
        "notes": ["", "", "not released"],
    }
)


def test_wage_default_per_state_and_for_the_nation():
    assert pnl.wage_default(WAGES, state="TX", provider_type="registered_nurse")["hourly_median_usd"] == 40.0
    us = pnl.wage_default(WAGES, state="US", provider_type="registered_nurse")
    assert us["hourly_median_usd"] == pytest.approx((40 * 300 + 64 * 100) / 400)  # employment-weighted: 46
    assert (us["low"], us["high"], us["n_states"]) == (36.0, 80.0, 2)
    missing = pnl.wage_default(WAGES, state="WY", provider_type="registered_nurse")
    assert missing["hourly_median_usd"] is None and missing["note"] == "not released"


PRACTICE = pl.DataFrame(
    {
        "input": ["visits_per_month", "visits_per_month", "medical_director_fee", "waste_share"],
        "value": [80.0, 200.0, 1000.0, 0.05],
        "value_low": [40.0, None, 800.0, 0.0],
        "value_high": [120.0, None, 2500.0, 0.1],
        "default": [True, False, True, True],
        "basis": ["observed"] * 4,
        "source": ["s1", "s2", "s3", "s4"],
        "notes": [None, None, "per provider", None],
    }
)


def _defaults(director):
    price = {"median_usd": 13.5, "q1_usd": 12.0, "q3_usd": 15.0, "n": 40, "scope": "TX", "fallback": False}
    cost = {"typical_usd": 5.6, "low_usd": 3.7, "high_usd": 7.0, "n_sources": 6, "sources": ["x", "y", "x"]}
    units = {"low": 20.0, "typical": 42.0, "high": 64.0, "source": "label"}
    wage = pnl.wage_default(WAGES, state="TX", provider_type="registered_nurse")
    return pnl.default_inputs(
        price=price,
        cost=cost,
        units=units,
        wage=wage,
        practice=PRACTICE,
        director_required=director,
        price_source="quotes",
    )


def test_default_inputs_take_cited_rows_and_say_what_is_missing():
    inputs = _defaults(True)
    assert inputs["input"].to_list() == list(pnl.INPUTS)
    values = pnl.values_of(inputs)
    assert values["price_per_unit"] == 13.5 and values["visits_per_month"] == 80.0  # the default row, not 200
    assert values["medical_director_fee"] == 1000.0
    assert values["injector_hours_per_month"] == pytest.approx(173.333, rel=1e-4)
    card = inputs.filter(pl.col("input") == "card_fee_share").row(0, named=True)
    assert (card["value"], card["basis"], card["source"]) == (0.0, "not included", "no cited figure")
    cost = inputs.filter(pl.col("input") == "product_cost_per_unit").row(0, named=True)
    assert cost["source"] == "x ; y"  # each source once
    assert pnl.summary(values)["operating_profit_usd"] == pytest.approx(pnl.operating_profit(values))


def test_medical_director_fee_only_where_required():
    assert pnl.values_of(_defaults(False))["medical_director_fee"] == 0.0
    unknown = _defaults(None).filter(pl.col("input") == "medical_director_fee").row(0, named=True)
    assert unknown["value"] == 1000.0 and "unknown here" in unknown["note"]


def test_by_state_uses_local_prices_only_with_enough_quotes_and_skips_barred_states():
    states = pl.DataFrame({"state": ["TX", "CA", "WY"], "name": ["Texas", "California", "Wyoming"]})
    rules = pl.DataFrame(
        {
            "state": ["TX", "CA", "WY"],
            "provider_type": ["registered_nurse"] * 3,
            "may_inject": ["conditional", "conditional", "no"],
            "supervision": ["delegation_after_exam", "unknown", "not_allowed"],
            "source": ["a", "b", "c"],
            "reliability": ["high"] * 3,
        }
    )
    prices = pl.DataFrame({"state": ["TX", "CA"], "median": [15.0, 20.0], "n": [12, 3]})
    table = pnl.by_state(
        VALUES, state_prices=prices, national_price=14.0, rules=rules, wages=WAGES, states=states,
        provider_type="registered_nurse", director_fee=1000.0,
    )  # fmt: skip
    rows = {r["state"]: r for r in table.iter_rows(named=True)}
    assert rows["TX"]["price_per_unit"] == 15.0 and not rows["TX"]["price_fallback"]
    assert rows["CA"]["price_per_unit"] == 14.0 and rows["CA"]["price_fallback"]  # 3 quotes: national median
    assert rows["CA"]["medical_director"] == "unknown (counted)"
    # Texas by hand: margin per unit 15 × 0.97 − 6 / 0.9 = 7.8833; × 4,000 units = 31,533.3;
    # fixed: 40 × 160 + 1,000 + 2,000 + 500 = 9,900 → 21,633.3.
    assert rows["TX"]["operating_profit_usd"] == pytest.approx(21_633.333, rel=1e-6)
    assert rows["WY"]["operating_profit_usd"] is None and rows["WY"]["break_even_visits"] is None
    assert table["state"].to_list()[-1] == "WY"  # barred last


def test_national_oversight_counts_states():
    rules = RULES.filter(pl.col("provider_type") == "registered_nurse")
    result = pnl.national_oversight(rules, provider_type="registered_nurse")
    assert (result["states_may_inject"], result["states_overseen"], result["states_independent"]) == (2, 1, 0)
    assert result["medical_director"] is True


def test_by_state_never_ranks_a_free_injector_and_takes_the_readers_numbers():
    states = pl.DataFrame({"state": ["TX", "WY"], "name": ["Texas", "Wyoming"]})
    rules = pl.DataFrame(
        {
            "state": ["TX", "WY"],
            "provider_type": ["registered_nurse"] * 2,
            "may_inject": ["conditional", "conditional"],
            "supervision": ["delegation_after_exam"] * 2,
            "source": ["a", "b"],
            "reliability": ["high"] * 2,
        }
    )
    prices = pl.DataFrame({"state": ["TX"], "median": [15.0], "n": [12]})
    common = dict(state_prices=prices, national_price=14.0, rules=rules, wages=WAGES, states=states,
                  provider_type="registered_nurse", director_fee=1000.0)  # fmt: skip
    rows = {r["state"]: r for r in pnl.by_state(VALUES, **common).iter_rows(named=True)}
    assert rows["WY"]["pay_unknown"] and rows["WY"]["operating_profit_usd"] is None  # no BLS wage: not ranked
    mine = {"injector_hourly_wage": 10.0, "medical_director_fee": 0.0, "price_per_unit": None}
    rows = {r["state"]: r for r in pnl.by_state(VALUES, own=mine, **common).iter_rows(named=True)}
    # Texas with the reader's wage and fee: 31,533.3 − (10 × 160 + 0 + 2,000 + 500) = 27,433.3.
    assert rows["TX"]["operating_profit_usd"] == pytest.approx(27_433.333, rel=1e-6)
    assert rows["WY"]["operating_profit_usd"] is not None  # the reader's wage stands in everywhere
    assert (
        pnl.by_state(VALUES, **{**common, "national_price": None})
        .filter(pl.col("state") == "WY")["operating_profit_usd"]
        .item()
        is None
    )


def test_national_wage_is_withheld_where_bls_top_codes_and_weighted_over_allowed_states():
    wages = pl.DataFrame(
        {
            "state": ["TX", "CA", "NY"],
            "provider_type": ["physician"] * 3,
            "hourly_median_usd": [100.0, None, 90.0],
            "hourly_p25_usd": [50.0, None, 45.0],
            "hourly_p75_usd": [None, None, None],
            "employment": [10.0, 20.0, 30.0],
            "source": ["BLS"] * 3,
            "notes": [
                "SOC 29-1229 Physicians, All Other",
                "SOC 29-1229; hourly median top-coded by BLS",
                "SOC 29-1229",
            ],
        }
    )
    us = pnl.wage_default(wages, state="US", provider_type="physician")
    assert us["hourly_median_usd"] is None and "top-codes the median in 1 of 3 states" in us["note"]
    allowed = pnl.wage_default(wages, state="US", provider_type="physician", states=["TX", "NY"])
    assert allowed["hourly_median_usd"] == pytest.approx((100 * 10 + 90 * 30) / 40)
    assert "a mix of specialties" in allowed["note"] and "where the profession may inject" in allowed["note"]
