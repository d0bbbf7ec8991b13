"""Grouped order statistics: the packed-sort path against hand-computed values, numpy and the hash path."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from benchmarks import groupstats

KEYS = ["state", "product"]


def frame(
    states: list[str], products: list[str], prices: list[float | None], *, dtype: pl.DataType = pl.Categorical
) -> pl.DataFrame:
    return pl.DataFrame({"state": states, "product": products, "price_usd": prices}).with_columns(
        pl.col(KEYS).cast(dtype)
    )


def as_strings(stats: pl.DataFrame) -> pl.DataFrame:
    """Keys as text and sorted, so frames from either path compare row by row."""
    return stats.with_columns(pl.col(c).cast(pl.String) for c in KEYS).sort(KEYS)


def uses_packed_sort(data: pl.DataFrame) -> bool:
    return groupstats._packed_values(data.lazy(), data.schema, KEYS, "price_usd") is not None


def test_hand_computed_quantiles_of_one_group():
    # sorted: 10, 11, 12.5, 14, 20; (n - 1) * q = 0.4 / 2.0 / 3.6
    data = frame(["TX"] * 5, ["botox"] * 5, [14.0, 10.0, 20.0, 12.5, 11.0])
    assert uses_packed_sort(data)
    row = groupstats.group_stats(data, by=KEYS, value="price_usd").row(0, named=True)
    assert row["n"] == 5
    assert row["mean"] == pytest.approx(67.5 / 5)
    assert row["median"] == 12.5
    assert row["p10"] == pytest.approx(10.0 + 0.4 * (11.0 - 10.0))
    assert row["p90"] == pytest.approx(14.0 + 0.6 * (20.0 - 14.0))


def test_groups_are_kept_apart_and_keys_come_back_as_categories():
    data = frame(["TX", "CA", "TX", "CA"], ["botox", "botox", "dysport", "botox"], [12.0, 15.0, 4.5, 16.0])
    out = groupstats.group_stats(data, by=KEYS, value="price_usd")
    assert out.schema["state"] == pl.Categorical and out.schema["n"] == pl.UInt32
    got = {(r["state"], r["product"]): (r["n"], r["median"]) for r in out.iter_rows(named=True)}
    assert got == {("TX", "botox"): (1, 12.0), ("CA", "botox"): (2, 15.5), ("TX", "dysport"): (1, 4.5)}


def test_decimal_prices_come_back_exactly():
    # 16.83 * 10_000 is 168299.99999999997 in floating point: the tick count must still be 168300,
    # and 168300 ticks must decode to the float 16.83, not 16.830000000000002
    data = frame(["TX"] * 3, ["botox"] * 3, [16.83, 14.77, 6.52])
    assert uses_packed_sort(data)
    row = groupstats.group_stats(data, by=KEYS, value="price_usd").row(0, named=True)
    assert row["median"] == 14.77
    assert row["p10"] == pytest.approx(6.52 + 0.2 * (14.77 - 6.52), rel=1e-15)


def test_null_nan_and_infinite_prices_are_not_counted():
    data = frame(["TX"] * 5, ["botox"] * 5, [10.0, None, float("nan"), float("inf"), 12.0])
    row = groupstats.group_stats(data, by=KEYS, value="price_usd").row(0, named=True)
    assert (row["n"], row["mean"], row["median"]) == (2, 11.0, 11.0)


@pytest.mark.parametrize(
    ("prices", "why"),
    [
        ([10.0, 10.00001], "a price finer than a hundredth of a cent"),
        ([10.0, -1.0], "a negative price"),
        ([10.0, 5e5], "more than 2**32 ticks"),
    ],
)
def test_prices_that_do_not_fit_a_tick_take_the_group_by_path_with_the_same_meaning(prices, why):
    data = frame(["TX"] * 2, ["botox"] * 2, prices)
    assert not uses_packed_sort(data), why
    row = groupstats.group_stats(data, by=KEYS, value="price_usd").row(0, named=True)
    assert row["median"] == pytest.approx(float(np.median(prices)))
    assert row["n"] == 2


def test_string_keys_take_the_group_by_path():
    data = frame(["TX", "TX"], ["botox", "botox"], [10.0, 12.0], dtype=pl.String)
    assert not uses_packed_sort(data)
    assert groupstats.group_stats(data, by=KEYS, value="price_usd")["median"].to_list() == [11.0]


def test_enum_keys_take_the_packed_path():
    states = pl.Enum(["CA", "TX"])
    data = pl.DataFrame(
        {"state": ["TX", "CA", "TX"], "product": ["b", "b", "b"], "price_usd": [1.0, 2.0, 3.0]}
    ).with_columns(pl.col("state").cast(states), pl.col("product").cast(pl.Enum(["b"])))
    assert uses_packed_sort(data)
    out = as_strings(groupstats.group_stats(data, by=KEYS, value="price_usd"))
    assert out["state"].to_list() == ["CA", "TX"] and out["median"].to_list() == [2.0, 2.0]
    assert groupstats.group_stats(data, by=KEYS, value="price_usd").schema["state"] == states


def test_more_categories_than_the_key_width_holds_take_the_group_by_path():
    # four keys get 8 bits each: an Enum of 300 categories cannot be packed, and must not spill
    many = pl.Enum([f"c{i}" for i in range(300)])
    data = pl.DataFrame({k: ["c299", "c1"] for k in "abcd"} | {"price_usd": [1.0, 2.0]}).with_columns(
        pl.col(list("abcd")).cast(many)
    )
    assert groupstats._packed_values(data.lazy(), data.schema, list("abcd"), "price_usd") is None
    out = groupstats.group_stats(data, by=list("abcd"), value="price_usd")
    assert sorted(out["median"].to_list()) == [1.0, 2.0]


def test_empty_input_gives_an_empty_frame_with_the_columns():
    out = groupstats.group_stats(frame([], [], []), by=KEYS, value="price_usd")
    assert out.height == 0 and out.columns == [*KEYS, "n", "mean", "median", "p10", "p90"]


def test_no_keys_is_refused():
    with pytest.raises(ValueError, match="at least one key"):
        groupstats.group_stats(frame(["TX"], ["b"], [1.0]), by=[], value="price_usd")


cents = st.integers(min_value=0, max_value=60_000).map(lambda c: c / 100)  # $0.00 to $600.00, whole cents


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["TX", "CA", "NY"]), st.sampled_from(["botox", "dysport"]), cents),
        min_size=1,
        max_size=80,
    ),
)
def test_packed_sort_equals_the_group_by_path_and_numpy(rows):
    data = frame([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    assert uses_packed_sort(data)
    fast = as_strings(groupstats.group_stats(data, by=KEYS, value="price_usd"))
    slow = as_strings(groupstats.group_stats_by_hash(data, by=KEYS, value="price_usd")).select(fast.columns)
    assert_frame_equal(fast, slow, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)
    for row in fast.iter_rows(named=True):
        values = np.array([r[2] for r in rows if (r[0], r[1]) == (row["state"], row["product"])])
        assert row["n"] == len(values)
        assert row["p90"] == pytest.approx(np.quantile(values, 0.9), rel=1e-12, abs=1e-12)
        assert row["median"] == pytest.approx(np.median(values), rel=1e-12, abs=1e-12)
