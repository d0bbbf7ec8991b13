"""Market size by state (#15 item 3): the bottom-up estimate against hand-computed values."""

from __future__ import annotations

import polars as pl
import pytest

from analysis import market, reference


def test_the_bottom_up_estimate_matches_a_hand_computation():
    states = pl.DataFrame({"state": ["AA", "BB"], "name": ["A", "B"], "population_2020": [300, 100]})
    pool = pl.DataFrame({"state": ["AA", "BB"], "eligible_pool": [100, 100]})
    pooled = pl.DataFrame({"state": ["AA"], "pooled_usd": [12.0], "pooled_low_usd": [10.0], "pooled_high_usd": [15.0]})
    units = {"low": 20.0, "typical": 40.0, "high": 60.0}
    out = market.state_market_size(
        procedures=1000, states=states, pool=pool, pooled=pooled, national_price=(13.0, 11.0, 16.0), units=units
    )
    aa, bb = out.row(0, named=True), out.row(1, named=True)
    # AA: population share 0.75, supply share 0.5 -> 0.625 (0.5 to 0.75); price 12 x 40 = 480 (10 x 20 to 15 x 60)
    assert (aa["share"], aa["share_low"], aa["share_high"]) == (0.625, 0.5, 0.75)
    assert (aa["procedures"], aa["visit_usd"], aa["spend_usd"]) == (625.0, 480.0, 300_000.0)
    assert (aa["spend_low_usd"], aa["spend_high_usd"]) == (500 * 200.0, 750 * 900.0)
    # BB has no quotes: the national median, said so
    assert bb["price_basis"] == "national median: no quotes here" and bb["visit_usd"] == 13.0 * 40
    assert out["share"].sum() == pytest.approx(1.0)  # the shares split the nation


def test_units_per_visit_come_from_the_cited_label_doses():
    units = market.visit_units(reference.units_per_area())
    assert units == {"low": 20.0, "typical": 42.0, "high": 64.0}


def test_the_market_sentences_give_the_range_and_the_basis():
    from analysis.narrate.overview import market_by_state

    states = pl.DataFrame({"state": ["AA", "BB"], "name": ["A", "B"], "population_2020": [300, 100]})
    pool = pl.DataFrame({"state": ["AA", "BB"], "eligible_pool": [100, 100]})
    pooled = pl.DataFrame({"state": ["AA"], "pooled_usd": [12.0], "pooled_low_usd": [10.0], "pooled_high_usd": [15.0]})
    sizes = market.state_market_size(
        procedures=1e6, states=states, pool=pool, pooled=pooled, national_price=(13.0, 11.0, 16.0)
    )
    text = market_by_state(sizes, state="BB", state_label="B", procedures=1e6, year=2024)
    assert "about **375,000 procedures**" in text and "no quotes here" in text and "estimate" in text
    us = market_by_state(sizes, state="US", state_label="US", procedures=1e6, year=2024)
    assert "1 states have no quotes" in us and "not what patients pay" in us


def test_the_training_market_ranks_states_without_a_course_first_then_by_people_per_course():
    pool = pl.DataFrame(
        {"state": ["AA", "BB", "CC", "DD"], "name": list("ABCD"), "eligible_pool": [1000, 5000, 3000, None]}
    )
    availability = pl.DataFrame(
        {
            "state": ["AA", "BB", "CC", "DD"],
            "in_person_courses": [0, 2, 1, 0],
            "nearest_in_person_state": ["CC", "BB", "CC", "BB"],
            "distance_km": [100.0, 0.0, 0.0, 50.0],
        }
    )
    ranked = market.training_market(pool, availability, uptake=0.02)
    assert ranked["state"].to_list() == ["AA", "CC", "BB"]  # DD: pool unknown, not ranked
    assert ranked["people_per_course"].to_list() == [None, 3000.0, 2500.0]
    assert ranked["trainees_per_year"].to_list() == [20.0, 60.0, 100.0]
    with pytest.raises(ValueError, match="uptake"):
        market.training_market(pool, availability, uptake=2)
