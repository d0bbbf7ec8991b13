"""Partial pooling of state prices (analysis.pooling) against values computed by hand.

Three states with quotes in two divisions and one state without: log prices A = [1, 3], B = [4, 6]
(division X), C = [5, 7] (division Y), D none (division Y). By hand (see the module docstring):
σ² = 2; divisions: means 3.5 (n 4) and 6 (n 2), precisions 2 and 1, Q = 4.16667, τ_d² = 2.375,
μ_X = 3.644928, μ_Y = 5.506173, V_X = 0.413043, V_Y = 0.703704; states: Q = 4.5, df 1, scale 1,
τ_s² = 3.5, own weight 3.5 / 4.5 = 0.777778; θ_A = 2.365540, θ_B = 4.698873, θ_C = 5.890261,
V_A = V_B = 0.798175, V_C = 0.812529.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from analysis.pooling import Z_95, dersimonian_laird, pooled_state_prices

STATES = pl.DataFrame(
    {"state": ["AA", "BB", "CC", "DD"], "name": ["A", "B", "C", "D"], "division": ["X", "X", "Y", "Y"]}
)


def quotes(values: dict[str, list[float]]) -> pl.DataFrame:
    rows = [(state, math.exp(y)) for state, ys in values.items() for y in ys]
    return pl.DataFrame(rows, schema={"state": pl.String, "price_per_botox_unit_usd": pl.Float64}, orient="row")


@pytest.fixture
def pooled() -> dict[str, dict]:
    frame = pooled_state_prices(quotes({"AA": [1, 3], "BB": [4, 6], "CC": [5, 7]}), STATES)
    return {row["state"]: row for row in frame.iter_rows(named=True)}


def test_model_variances_match_hand_computation(pooled):
    row = pooled["AA"]
    assert row["sigma"] == pytest.approx(math.sqrt(2))
    assert row["tau_division"] == pytest.approx(math.sqrt(2.375))
    assert row["tau_state"] == pytest.approx(math.sqrt(3.5))


@pytest.mark.parametrize(
    ("state", "theta", "variance"),
    [("AA", 2.365540, 0.798175), ("BB", 4.698873, 0.798175), ("CC", 5.890261, 0.812529)],
)
def test_state_estimates_and_intervals_match_hand_computation(pooled, state, theta, variance):
    row = pooled[state]
    assert row["own_weight"] == pytest.approx(3.5 / 4.5)
    assert row["pooled_usd"] == pytest.approx(math.exp(theta), rel=1e-5)
    assert row["pooled_low_usd"] == pytest.approx(math.exp(theta - Z_95 * math.sqrt(variance)), rel=1e-5)
    assert row["pooled_high_usd"] == pytest.approx(math.exp(theta + Z_95 * math.sqrt(variance)), rel=1e-5)


def test_raw_median_is_the_plain_median(pooled):
    assert pooled["AA"]["raw_median_usd"] == pytest.approx((math.e + math.e**3) / 2)
    assert pooled["AA"]["n"] == 2 and pooled["AA"]["division_n"] == 4


def test_a_state_without_quotes_borrows_nothing(pooled):
    row = pooled["DD"]
    assert row["n"] == 0 and row["division_n"] == 2
    assert row["pooled_usd"] is None and row["raw_median_usd"] is None and row["own_weight"] is None


def test_estimates_move_toward_the_division_and_more_so_with_fewer_quotes():
    few = pooled_state_prices(quotes({"AA": [1, 3], "BB": [4, 6, 4, 6, 4, 6], "CC": [5, 7]}), STATES)
    rows = {r["state"]: r for r in few.iter_rows(named=True)}
    assert rows["AA"]["own_weight"] < rows["BB"]["own_weight"] < 1
    assert math.e**2 < rows["AA"]["pooled_usd"]  # pulled up from its own mean toward its division's


def test_dersimonian_laird_is_zero_when_groups_agree_within_noise():
    assert dersimonian_laird(pl.Series([1.0, 1.0, 1.0]), pl.Series([1.0, 2.0, 3.0])) == 0.0
    assert dersimonian_laird(pl.Series([1.0]), pl.Series([1.0])) == 0.0


def test_no_quotes_at_all_gives_no_estimates():
    empty = pooled_state_prices(quotes({}), STATES)
    assert empty["pooled_usd"].null_count() == 4 and empty["n"].sum() == 0
