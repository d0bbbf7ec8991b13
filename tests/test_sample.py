"""The synthetic sample: deterministic, labelled synthetic, valid, and calibrated to the cited figures."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis import config, pricing, reference, sample
from analysis.io import load_table
from analysis.sources import is_synthetic


@pytest.fixture(scope="module")
def generated() -> pl.DataFrame:
    return sample.synthetic_prices(20_000, seed=11)


def test_same_seed_gives_the_same_rows():
    assert_frame_equal(sample.synthetic_prices(500, seed=3), sample.synthetic_prices(500, seed=3))


def test_different_seeds_give_different_rows():
    assert not sample.synthetic_prices(500, seed=3).equals(sample.synthetic_prices(500, seed=4))


def test_every_row_says_synthetic(generated):
    assert generated["source"].str.contains("synthetic").all()
    assert is_synthetic(generated)


def test_generated_rows_pass_the_loader_except_unpriced_ones(tmp_path, generated):
    path = tmp_path / "s.csv"
    generated.write_csv(path)
    result = load_table(path, "prices")
    assert result.n_read == generated.height
    assert set(result.rejects["reason"].unique()) <= {"price_usd: no price (call for price)"}
    assert result.n_rejected / result.n_read == pytest.approx(sample.ASSUMPTIONS["share_unpriced"], abs=0.005)


def test_botox_median_matches_the_cited_national_level(tmp_path, generated):
    cal = sample.calibration()
    path = tmp_path / "s.csv"
    generated.write_csv(path)
    prices = pricing.prepare_prices(
        load_table(path, "prices").accepted, conversions=reference.unit_conversions(), states=reference.states()
    )
    botox = prices.filter(
        (pl.col("product") == "botox_cosmetic")
        & (pl.col("pricing_model") == "per_unit")
        & (pl.col("region") != "Midwest")
        & (pl.col("state") != "TX")
    )
    median = botox.select(pl.col("price_usd").median()).collect().item()
    assert median == pytest.approx(cal["national_botox_per_unit_usd"], rel=0.03)


def test_cited_regional_level_makes_the_midwest_cheaper(generated):
    cal = sample.calibration()
    assert cal["level_factor"]["Midwest"] < 1
    regions = generated.join(reference.states().select("state", "region"), on="state")
    per_unit = regions.filter(
        (pl.col("product") == "botox_cosmetic") & (pl.col("pricing_model") == "per_unit")
    ).with_columns(pl.col("price_usd").cast(pl.Float64, strict=False))
    medians = dict(per_unit.group_by("region").agg(pl.col("price_usd").median()).iter_rows())
    assert medians["Midwest"] == pytest.approx(
        cal["national_botox_per_unit_usd"] * cal["level_factor"]["Midwest"], rel=0.05
    )
    assert medians["Midwest"] < medians["Northeast"]


def test_shipped_sample_is_the_generator_output():
    shipped = pl.read_csv(config.SYNTHETIC_FILES["prices"], infer_schema=False)
    regenerated = sample.synthetic_prices(shipped.height)
    assert shipped["price_usd"].to_list() == regenerated["price_usd"].to_list()


def test_shipped_provider_counts_label_their_synthetic_rows():
    counts = load_table(config.SYNTHETIC_FILES["provider_counts"], "provider_counts").accepted
    synthetic_types = set(counts.filter(pl.col("source").str.contains("synthetic"))["provider_type"])
    cited_types = set(counts.filter(~pl.col("source").str.contains("synthetic"))["provider_type"])
    assert synthetic_types and cited_types and not synthetic_types & cited_types
