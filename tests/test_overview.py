"""The overview report's numbers: the same as the topic reports', formatted for readers, marked by kind."""

from __future__ import annotations

import polars as pl
import pytest

from analysis import config, overview, pricing, providers, reference, training
from analysis.figures.overview import key_numbers_view
from analysis.io import load_table


@pytest.fixture(scope="module")
def inputs() -> dict:
    states = reference.states()
    prices = pricing.prepare_prices(
        load_table(config.DEFAULT_PRICES, "prices").accepted,
        conversions=reference.unit_conversions(),
        states=states,
    ).collect()
    counts = load_table(config.DEFAULT_PROVIDER_COUNTS, "provider_counts").accepted
    courses, _past = training.split_offered(reference.training_courses())
    return {
        "prices": prices,
        "pool": providers.eligible_pool(counts, reference.state_rules(), states),
        "availability": training.availability_by_state(courses, states),
        "courses": courses,
    }


@pytest.mark.parametrize("state", ["TX", "US", "WY"])
def test_the_overview_price_is_the_pricing_reports_price(inputs, state):
    numbers = overview.key_numbers(state=state, **inputs)
    row = numbers.filter(pl.col("metric") == "Median price per Botox-equivalent unit").row(0, named=True)
    scope = pricing.select_scope(inputs["prices"], state=state).collect()
    stats = pricing.price_stats(scope).collect().row(0, named=True)
    assert row["state_value"] == stats["median"] and row["note"].startswith(f"n = {stats['n']:,}")


def test_key_numbers_read_as_money_and_whole_numbers_with_their_kind(inputs):
    view = key_numbers_view(overview.key_numbers(state="TX", **inputs))
    values = dict(zip(view["metric"], view["state_value"], strict=True))
    assert values["Median price per Botox-equivalent unit"].startswith("$")
    assert values["In-person courses held here"].isdigit()  # "2", never "2.00"
    assert (
        "," in values["Eligible injectors per 100,000 residents"]
        or values["Eligible injectors per 100,000 residents"].isdigit()
    )
    assert all(kind.split(":")[0] in ("observed", "derived", "estimated") for kind in view["basis"])
