"""Pricing analysis on tiny literal frames with hand-computed expectations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from analysis import checks, pricing

CONVERSIONS = pl.DataFrame({"product": ["botox_cosmetic", "dysport"], "botox_units_per_product_unit_mid": [1.0, 0.4]})
UNITS_PER_AREA = pl.DataFrame(
    {
        "area": ["glabella", "forehead", "glabella"],
        "label": ["Glabellar lines", "Forehead lines", "Glabellar lines"],
        "units_low": [20.0, 10.0, 15.0],
        "units_high": [20.0, 20.0, 25.0],
        "units_typical": [20.0, 15.0, 20.0],
        "default": [True, True, False],
    }
)


def quotes(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "state": ["TX"] * n,
        "provider_type": ["physician"] * n,
        "product": ["botox_cosmetic"] * n,
        "pricing_model": ["per_unit"] * n,
        "units": [None] * n,
        "treatment_area": [None] * n,
        "source": ["https://example.com"] * n,
    }
    base.update(columns)
    return pl.DataFrame(base, schema_overrides={"units": pl.Float64, "treatment_area": pl.String})


def test_dysport_per_unit_price_is_divided_by_its_botox_factor():
    out = pricing.add_botox_equivalent_price(quotes(product=["dysport"], price_usd=[5.0]), CONVERSIONS).collect()
    assert out["price_per_botox_unit_usd"][0] == pytest.approx(12.5)  # $5 / 0.4 Botox units per Dysport unit


def test_session_with_units_gives_a_per_unit_price():
    frame = quotes(pricing_model=["per_session"], price_usd=[300.0], units=[25.0])
    assert pricing.add_botox_equivalent_price(frame, CONVERSIONS).collect()["price_per_botox_unit_usd"][
        0
    ] == pytest.approx(12.0)


def test_unknown_product_gets_no_per_unit_price():
    out = pricing.add_botox_equivalent_price(quotes(product=["unknown"], price_usd=[12.0]), CONVERSIONS).collect()
    assert out["price_per_botox_unit_usd"][0] is None


def test_area_price_from_per_unit_uses_the_default_units_row():
    frame = pricing.add_botox_equivalent_price(quotes(price_usd=[12.0]), CONVERSIONS)
    areas = pricing.estimate_area_prices(frame, UNITS_PER_AREA).collect().sort("area")
    assert areas["area"].to_list() == ["forehead", "glabella"]
    assert areas["area_price_usd"].to_list() == pytest.approx([180.0, 240.0])  # 15 and 20 units x $12


def test_quoted_area_price_is_kept_for_each_listed_area():
    frame = pricing.add_botox_equivalent_price(
        quotes(pricing_model=["per_area"], price_usd=[250.0], treatment_area=["Glabella; forehead"]), CONVERSIONS
    )
    areas = pricing.estimate_area_prices(frame, UNITS_PER_AREA).collect()
    assert sorted(areas["area"].to_list()) == ["forehead", "glabella"] and set(areas["basis"]) == {"quoted"}


def test_cap_flags_but_keeps_rows_above_it():
    frame = quotes(pricing_model=["per_area", "per_area", "per_unit"], price_usd=[400.0, 650.0, 12.0])
    flagged = pricing.flag_above_cap(frame, 500).collect()
    assert flagged.height == 3
    assert flagged["above_cap"].to_list() == [False, True, None]  # a bare per-unit quote has no treatment price
    share = pricing.share_above_cap(flagged).collect().row(0, named=True)
    assert (share["n_with_treatment_price"], share["n_above_cap"], share["share_above_cap"]) == (2, 1, 0.5)


def test_cap_of_zero_flags_every_priced_treatment():
    flagged = pricing.flag_above_cap(quotes(pricing_model=["per_area"], price_usd=[1.0]), 0).collect()
    assert flagged["above_cap"].to_list() == [True]


@pytest.mark.parametrize("cap", [-1, float("nan"), float("inf"), "abc", None])
def test_invalid_price_cap_is_a_clear_error(cap):
    with pytest.raises(ValueError, match="price_cap must be a"):
        checks.check_price_cap(cap)


def test_price_stats_match_hand_computed_values():
    frame = quotes(price_usd=[10.0, 11.0, 12.0, 13.0, 100.0], state=["TX", "TX", "TX", "CA", "CA"])
    priced = pricing.add_botox_equivalent_price(frame, CONVERSIONS)
    stats = pricing.price_stats(priced, by=["state"]).collect()
    tx = stats.filter(pl.col("state") == "TX").row(0, named=True)
    assert (tx["n"], tx["median"], tx["mean"]) == (3, 11.0, 11.0)
    assert tx["p10"] == pytest.approx(10.2)  # linear: 10 + 0.2 * (11 - 10)
    assert tx["q3"] == pytest.approx(11.5)
    ca = stats.filter(pl.col("state") == "CA").row(0, named=True)
    assert (ca["n"], ca["median"], ca["mean"]) == (2, 56.5, 56.5)


def test_price_stats_rejects_an_unknown_grouping_column():
    with pytest.raises(ValueError, match="cannot group by colour"):
        pricing.price_stats(quotes(price_usd=[1.0]), by=["colour"], value="price_usd")


def test_median_ci_ranks_bracket_the_median():
    lo, hi = pricing.median_ci_ranks(101)
    assert lo < 50 < hi and (lo, hi) == (100 - hi, 100 - lo)  # symmetric around the middle rank


def test_exact_bootstrap_ci_agrees_with_brute_force_resampling():
    rng = np.random.default_rng(7)
    values = np.sort(rng.lognormal(2.5, 0.3, size=41))
    lo, hi = pricing.median_ci_ranks(values.size)
    resampled = np.sort(rng.choice(values, size=(20_000, values.size), replace=True), axis=1)[
        :, (values.size + 1) // 2 - 1
    ]
    brute_lo, brute_hi = np.quantile(resampled, [0.025, 0.975], method="inverted_cdf")
    assert values[lo] == pytest.approx(brute_lo, rel=0.02) and values[hi] == pytest.approx(brute_hi, rel=0.02)


def test_single_observation_ci_is_the_observation():
    stats = pricing.price_stats(quotes(price_usd=[9.0]), value="price_usd").collect().row(0, named=True)
    assert stats["median_ci_low"] == stats["median_ci_high"] == 9.0


def test_no_observations_give_one_row_with_n_zero():
    stats = pricing.price_stats(quotes(price_usd=[9.0]).clear(), value="price_usd").collect()
    assert stats.height == 1 and stats["n"][0] == 0 and stats["median"][0] is None


def test_price_index_is_100_at_the_national_median():
    frame = quotes(price_usd=[10.0, 10.0, 20.0, 20.0, 15.0], state=["TX", "TX", "CA", "CA", "NY"])
    index = pricing.price_index(frame, value="price_usd").collect().sort("state")
    assert index["price_index"].to_list() == pytest.approx([20 / 15 * 100, 100.0, 10 / 15 * 100])


def test_outlier_flag_marks_only_the_wild_quote():
    frame = quotes(price_usd=[10.0, 11.0, 12.0, 11.5, 10.5, 250.0])
    flagged = pricing.flag_outliers(frame).collect()
    assert flagged["outlier"].to_list() == [False, False, False, False, False, True]


def test_holm_adjusts_step_down_against_hand_computed_values():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert pricing.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert pricing.holm([0.5, 0.9]) == [1.0, 1.0]  # capped at 1
    assert pricing.holm([]) == []


def _groups(sizes: dict[str, tuple[int, float]]) -> pl.DataFrame:
    rows = [
        {"provider_type": g, "product": "botox_cosmetic", "price_per_botox_unit_usd": centre + 0.1 * i}
        for g, (n, centre) in sizes.items()
        for i in range(n)
    ]
    return pl.DataFrame(rows)


def test_compare_groups_ranks_only_groups_with_enough_quotes_and_corrects_over_the_report():
    frame = _groups({"registered_nurse": (12, 10.0), "nurse_practitioner": (15, 14.0), "physician": (4, 20.0)})
    table = pricing.compare_groups(frame, by=["provider_type", "product"])
    assert table.select("a", "b", "n_a", "n_b").rows() == [("nurse_practitioner", "registered_nurse", 15, 12)]
    assert table["differs"].to_list() == [True] and table["p_holm"][0] == table["p"][0]  # a family of one
    from scipy.stats import mannwhitneyu

    np_, rn = (
        frame.partition_by("provider_type", as_dict=True)[("nurse_practitioner",)],
        frame.partition_by("provider_type", as_dict=True)[("registered_nurse",)],
    )
    expected = mannwhitneyu(np_["price_per_botox_unit_usd"], rn["price_per_botox_unit_usd"]).pvalue
    assert table["p"][0] == pytest.approx(expected)


def test_the_sentence_and_the_chart_name_the_same_groups_and_small_groups_are_never_ranked():
    from analysis.figures.pricing import median_with_ci
    from analysis.narrate.pricing import narrate_comparisons

    frame = _groups({"registered_nurse": (12, 10.0), "physician": (4, 9.0), "unknown": (20, 5.0)})
    stats = pricing.price_stats(frame, by=["provider_type"]).collect()
    comparisons = pricing.compare_groups(frame, by=["provider_type"])
    text = narrate_comparisons(comparisons, stats, by="provider_type", labels={})
    assert text.startswith("Too few quotes to compare provider types")
    assert "Too few quotes to compare (under 10): physician (4)" in text
    assert "20 quotes without a known provider type are left out" in text
    fig = median_with_ci(stats, by="provider_type", label="$", title="t", min_n=10, hide=pricing.NOT_COMPARED)
    names = list(fig.data[0].y)
    assert names == ["physician (n=4, too few)", "registered_nurse (n=12)"]  # no 'unknown' in the chart either
    assert fig.layout.xaxis.rangemode == "tozero"


def test_treatment_costs_multiply_typical_units_by_the_median():
    stats = pl.DataFrame({"median": [12.0], "p10": [10.0], "p90": [15.0]})
    costs = pricing.treatment_costs(stats, UNITS_PER_AREA, cap_usd=200).sort("area")
    assert costs["cost_typical_usd"].to_list() == [180.0, 240.0]
    assert costs["cost_low_usd"].to_list() == [100.0, 200.0] and costs["cost_high_usd"].to_list() == [300.0, 300.0]
    assert costs["typical_above_cap"].to_list() == [False, True]


def test_select_scope_filters_state_and_product():
    frame = quotes(
        price_usd=[1.0, 2.0, 3.0], state=["TX", "TX", "CA"], product=["dysport", "botox_cosmetic", "dysport"]
    )
    assert pricing.select_scope(frame, state="TX", product="dysport").collect()["price_usd"].to_list() == [1.0]
    assert pricing.select_scope(frame).collect().height == 3


def test_promotional_member_and_therapeutic_quotes_are_set_aside_not_dropped():
    frame = quotes(price_usd=[10.0, 11.0, 12.0, 13.0]).with_columns(
        pl.Series("qualifiers", ["promotional", "per_unit", None, "per_unit;therapeutic"])
    )
    flagged = pricing.flag_set_aside(frame).collect()
    assert flagged["set_aside"].to_list() == [True, False, False, True]
    assert pricing.select_scope(flagged).collect().height == 2
    assert pricing.select_scope(flagged, regular_only=False).collect().height == 4


def test_own_prices_are_set_beside_the_published_quotes_with_n_and_no_verdict_on_few():
    from analysis.narrate.pricing import narrate_yours_vs_published

    yours = pl.DataFrame({"state": ["TX", "TX", "FL"], "price_per_botox_unit_usd": [10.0, 12.0, 20.0]})
    published = pl.DataFrame(
        {"state": ["TX"] * 6 + ["CA"], "price_per_botox_unit_usd": [11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 30.0]}
    )
    table = pricing.compare_with_published(yours, published, state="TX")
    assert table.select("scope", "data", "n").rows() == [
        ("TX", "Your prices", 2),
        ("TX", "Published clinic quotes", 6),
        ("US", "Your prices", 3),
        ("US", "Published clinic quotes", 7),
    ]
    assert table["median"].to_list()[:2] == [11.0, 13.5]
    text = narrate_yours_vs_published(table, state_label="Texas")
    assert "n = 2" in text and "too few quotes (under 5)" in text
    assert narrate_yours_vs_published(
        pricing.compare_with_published(yours.filter(pl.col("state") == "FL"), published, state="TX"),
        state_label="Texas",
    ).startswith("- **Texas**: your file holds no price per unit")


def test_the_price_answer_gives_bands_with_n_and_never_a_band_from_too_few():
    from analysis import reference
    from analysis.narrate.pricing import price_answer as say

    rows = [{"city": "Austin", "price_per_botox_unit_usd": 10.0 + i, "per_unit_basis": "quoted"} for i in range(6)]
    rows += [{"city": "Dallas", "price_per_botox_unit_usd": 15.0, "per_unit_basis": "derived"}]
    rows += [{"city": None, "price_per_botox_unit_usd": 12.0, "per_unit_basis": "inferred"}]
    scope = pl.DataFrame(rows)
    answer = pricing.price_answer(scope, reference.units_per_area())
    values = scope["price_per_botox_unit_usd"]
    assert answer["unit"]["n"] == 8 and answer["unit"]["p25"] == values.quantile(0.25)
    assert answer["unit"]["basis"] == {"quoted": 6, "derived": 1, "inferred": 1}
    assert [c["city"] for c in answer["cities"]] == ["Austin"] and answer["cities"][0]["n"] == 6
    assert [c["city"] for c in answer["few_cities"]] == ["Dallas"] and answer["no_city"] == 1
    glabella = next(a for a in answer["areas"] if a["area"] == "glabella")
    assert glabella["p25"] == pytest.approx(answer["unit"]["p25"] * glabella["units"])
    text = say(answer, state_label="Texas")
    assert "(middle half of 8 per-unit quotes: 6 quoted, 1 derived, 1 inferred" in text
    assert "Austin" in text and "Dallas median \\$15.00 (n = 1)" in text  # Markdown-escaped dollar
    small = pricing.price_answer(scope.head(3), reference.units_per_area())
    assert small["areas"] == [] and "too few" in say(small, state_label="Texas")


def test_the_cap_label_sits_above_the_bars_and_the_axis_starts_at_zero():
    from analysis.figures.pricing import treatment_costs_chart

    costs = pl.DataFrame(
        {
            "label": ["Forehead", "Glabella"],
            "cost_typical_usd": [450.0, 520.0],
            "cost_low_usd": [300.0, 400.0],
            "cost_high_usd": [600.0, 700.0],
            "units_typical": [20.0, 24.0],
            "typical_above_cap": [False, True],
        }
    )
    fig = treatment_costs_chart(costs, cap_usd=500.0, title="t")
    (label,) = [a for a in fig.layout.annotations if "cap" in a.text]
    assert label.yref == "paper" and label.y >= 1 and label.yanchor == "bottom"  # outside the plotting area
    assert fig.layout.xaxis.rangemode == "tozero"


def test_a_trend_is_read_only_from_two_or_more_years_with_enough_quotes():
    from analysis.narrate.pricing import narrate_trend

    def frame(years: dict[str, int]) -> pl.DataFrame:
        rows = [(f"{y}-06-01", 10.0 + i) for y, n in years.items() for i in range(n)]
        return pl.DataFrame(rows, schema=["page_date", "price_per_botox_unit_usd"], orient="row")

    by_year = pricing.price_by_year(frame({"2024": 5, "2026": 6}))
    assert by_year.rows() == [(2024, 5, 12.0), (2026, 6, 12.5)]
    assert narrate_trend(by_year).startswith("Median per Botox-equivalent unit by the year")
    assert "too short a span" in narrate_trend(pricing.price_by_year(frame({"2025": 5, "2026": 6})))
    assert "no trend can be read" in narrate_trend(pricing.price_by_year(frame({"2016": 1, "2026": 9})))
    assert "no trend over time" in narrate_trend(pricing.price_by_year(frame({})))
