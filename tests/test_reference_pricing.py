"""Checks on the pricing reference tables in data/reference/.

Every file is read as text first (``infer_schema=False``) so that a stray "$12" or "10-20" in a numeric
column fails the numeric cast below instead of silently turning the column into strings.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from analysis.config import REFERENCE_DIR

RELIABILITY = {"high", "med", "low"}
PRODUCTS = {"botox_cosmetic", "dysport", "xeomin", "jeuveau", "daxxify"}
PRICE_PRODUCTS = PRODUCTS | {"any_neuromodulator"}
PRICING_MODELS = {"per_unit", "per_area", "per_session"}
# as_of: YYYY, YYYY-MM, YYYY-MM-DD, or a year range YYYY-YYYY for undated pages.
AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$|^\d{4}-\d{4}$")

FILES: dict[str, dict] = {
    "toxin_unit_conversions.csv": {
        "columns": [
            "product",
            "botox_units_per_product_unit_low",
            "botox_units_per_product_unit_high",
            "botox_units_per_product_unit_mid",
            "notes",
            "source",
            "as_of",
            "reliability",
        ],
        "numeric": [
            "botox_units_per_product_unit_low",
            "botox_units_per_product_unit_high",
            "botox_units_per_product_unit_mid",
        ],
        "pairs": [("botox_units_per_product_unit_low", "botox_units_per_product_unit_high")],
    },
    "units_per_area.csv": {
        "columns": [
            "area",
            "label",
            "units_low",
            "units_high",
            "units_typical",
            "basis",
            "notes",
            "source",
            "as_of",
            "reliability",
            "default",
        ],
        "numeric": ["units_low", "units_high", "units_typical"],
        "pairs": [("units_low", "units_high")],
    },
    "published_statistics.csv": {
        "columns": ["statistic", "year", "value", "unit", "notes", "source", "as_of", "reliability"],
        "numeric": ["year", "value"],
        "pairs": [],
    },
    "product_costs.csv": {
        "columns": [
            "product",
            "cost_per_unit_usd_low",
            "cost_per_unit_usd_high",
            "basis",
            "notes",
            "source",
            "as_of",
            "reliability",
        ],
        "numeric": ["cost_per_unit_usd_low", "cost_per_unit_usd_high"],
        "pairs": [("cost_per_unit_usd_low", "cost_per_unit_usd_high")],
    },
    "price_benchmarks.csv": {
        "columns": [
            "product",
            "pricing_model",
            "region_scope",
            "area",
            "price_low_usd",
            "price_high_usd",
            "notes",
            "source",
            "as_of",
            "reliability",
        ],
        "numeric": ["price_low_usd", "price_high_usd"],
        "pairs": [("price_low_usd", "price_high_usd")],
    },
}


def _raw(name: str) -> pl.DataFrame:
    path = REFERENCE_DIR / name
    assert path.exists(), f"missing reference file {path}"
    return pl.read_csv(path, infer_schema=False)


def _typed(name: str) -> pl.DataFrame:
    """The file with its numeric columns cast strictly to Float64 (a "$" or a range raises)."""
    df = _raw(name)
    return df.with_columns(pl.col(c).cast(pl.Float64, strict=True) for c in FILES[name]["numeric"])


@pytest.mark.parametrize("name", sorted(FILES))
def test_required_columns_present(name: str) -> None:
    df = _raw(name)
    missing = [c for c in FILES[name]["columns"] if c not in df.columns]
    assert not missing, f"{name}: missing columns {missing}"
    assert df.height > 0, f"{name} has no rows"


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_row_has_source_and_as_of(name: str) -> None:
    df = _raw(name)
    for col in ("source", "as_of"):
        blank = df.filter(pl.col(col).is_null() | (pl.col(col).str.strip_chars() == ""))
        assert blank.height == 0, f"{name}: {blank.height} rows without {col}"
    bad = [v for v in df["as_of"].to_list() if not AS_OF.match(v.strip())]
    assert not bad, f"{name}: as_of values not YYYY[-MM[-DD]] or YYYY-YYYY: {bad}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_reliability_vocabulary(name: str) -> None:
    values = set(_raw(name)["reliability"].to_list())
    assert values <= RELIABILITY, f"{name}: unexpected reliability values {values - RELIABILITY}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_numeric_columns_are_plain_numbers(name: str) -> None:
    df = _typed(name)  # raises if a cell holds "$12", "10-20", "~1" ...
    for col in FILES[name]["numeric"]:
        assert df[col].dtype == pl.Float64


@pytest.mark.parametrize("name", [n for n in sorted(FILES) if FILES[n]["pairs"]])
def test_low_not_above_high(name: str) -> None:
    df = _typed(name)
    for low, high in FILES[name]["pairs"]:
        both = df.filter(pl.col(low).is_not_null() & pl.col(high).is_not_null())
        wrong = both.filter(pl.col(low) > pl.col(high))
        assert wrong.height == 0, f"{name}: {low} > {high} in rows {wrong.to_dicts()}"
        half = df.filter(pl.col(low).is_null() != pl.col(high).is_null())
        assert half.height == 0, f"{name}: {low}/{high} must be both empty or both set: {half.to_dicts()}"
        negative = both.filter(pl.col(low) < 0)
        assert negative.height == 0, f"{name}: negative {low}"


# --- unit conversions ---------------------------------------------------------------------------


def test_conversion_products_are_the_named_brands_once_each() -> None:
    df = _raw("toxin_unit_conversions.csv")
    assert sorted(df["product"].to_list()) == sorted(PRODUCTS | {"letybo"})


def test_botox_conversion_is_one() -> None:
    row = _typed("toxin_unit_conversions.csv").filter(pl.col("product") == "botox_cosmetic")
    assert row.height == 1
    for col in FILES["toxin_unit_conversions.csv"]["numeric"]:
        assert row[col][0] == pytest.approx(1.0)


def test_dysport_mid_between_point_three_and_point_four_five() -> None:
    row = _typed("toxin_unit_conversions.csv").filter(pl.col("product") == "dysport")
    assert row.height == 1
    mid = row["botox_units_per_product_unit_mid"][0]
    assert 0.3 < mid < 0.45
    assert row["botox_units_per_product_unit_low"][0] <= mid <= row["botox_units_per_product_unit_high"][0]


def test_conversion_mid_inside_range_when_set() -> None:
    df = _typed("toxin_unit_conversions.csv").filter(pl.col("botox_units_per_product_unit_mid").is_not_null())
    outside = df.filter(
        (pl.col("botox_units_per_product_unit_mid") < pl.col("botox_units_per_product_unit_low"))
        | (pl.col("botox_units_per_product_unit_mid") > pl.col("botox_units_per_product_unit_high"))
    )
    assert outside.height == 0, outside.to_dicts()


# --- units per area -------------------------------------------------------------------------------


def test_exactly_one_default_row_per_area() -> None:
    df = _raw("units_per_area.csv")
    assert set(df["default"].to_list()) <= {"true", "false"}
    counts = df.group_by("area").agg((pl.col("default") == "true").sum().alias("n_default"))
    wrong = counts.filter(pl.col("n_default") != 1)
    assert wrong.height == 0, f"areas without exactly one default row: {wrong.to_dicts()}"


def test_required_areas_present() -> None:
    areas = set(_raw("units_per_area.csv")["area"].to_list())
    required = {"glabella", "forehead", "crows_feet", "bunny_lines", "lip_flip", "chin", "masseter", "platysma"}
    assert required <= areas, f"missing areas {required - areas}"


def test_basis_vocabulary() -> None:
    assert set(_raw("units_per_area.csv")["basis"].to_list()) <= {"label", "practice"}


def test_label_glabella_dose_is_20() -> None:
    df = _typed("units_per_area.csv").filter((pl.col("area") == "glabella") & (pl.col("basis") == "label"))
    assert df.height == 1
    assert df["units_low"][0] == 20 and df["units_high"][0] == 20 and df["units_typical"][0] == 20


def test_label_crows_feet_24_and_platysma_26_to_36() -> None:
    df = _typed("units_per_area.csv").filter(pl.col("basis") == "label")
    crows = df.filter(pl.col("area") == "crows_feet")
    assert crows["units_low"][0] == 24 and crows["units_high"][0] == 24
    platysma = df.filter(pl.col("area") == "platysma")
    assert platysma["units_low"][0] == 26 and platysma["units_high"][0] == 36


def test_typical_inside_range() -> None:
    df = _typed("units_per_area.csv").filter(pl.col("units_typical").is_not_null())
    outside = df.filter(
        (pl.col("units_typical") < pl.col("units_low")) | (pl.col("units_typical") > pl.col("units_high"))
    )
    assert outside.height == 0, outside.to_dicts()


# --- published statistics -------------------------------------------------------------------------


def test_procedure_counts_are_positive_integers_with_a_year() -> None:
    df = _typed("published_statistics.csv")
    counts = df.filter(pl.col("unit") == "procedures")
    assert counts.height > 0
    assert counts["year"].null_count() == 0, "every procedure count needs a year"
    assert counts.filter((pl.col("year") < 1990) | (pl.col("year") > 2100)).height == 0
    assert (counts["year"] == counts["year"].round()).all()
    known = counts.filter(pl.col("value").is_not_null())
    assert (known["value"] > 0).all(), "procedure counts must be positive"
    assert (known["value"] == known["value"].round()).all(), "procedure counts must be whole numbers"


def test_one_toolkit_row_per_year_for_asps_series() -> None:
    df = _typed("published_statistics.csv").filter(pl.col("statistic") == "asps_neuromodulator_procedures")
    assert df.height >= 10
    dup = df.group_by("year").len().filter(pl.col("len") > 1)
    assert dup.height == 0, f"duplicate years in the toolkit series: {dup.to_dicts()}"
    assert df.filter(pl.col("year") == 2023)["value"][0] == 9480949
    # unknown years stay empty and say why
    unknown = df.filter(pl.col("value").is_null())
    assert all("UNKNOWN" in n for n in unknown["notes"].to_list())


def test_us_population_2020() -> None:
    df = _typed("published_statistics.csv").filter(pl.col("statistic") == "us_resident_population")
    assert df.filter(pl.col("year") == 2020)["value"][0] == 331449281


def test_fees_are_plausible_dollars() -> None:
    df = _typed("published_statistics.csv").filter(
        pl.col("unit").str.starts_with("USD per") & pl.col("value").is_not_null()
    )
    assert df.height > 0
    assert df.filter((pl.col("value") < 50) | (pl.col("value") > 5000)).height == 0


# --- costs and prices -----------------------------------------------------------------------------


def test_cost_products_known() -> None:
    assert set(_raw("product_costs.csv")["product"].to_list()) <= PRODUCTS


def test_empty_costs_say_why() -> None:
    df = _typed("product_costs.csv").filter(pl.col("cost_per_unit_usd_low").is_null())
    assert (df["basis"] == "not_found").all()


def test_price_benchmark_vocabularies() -> None:
    df = _raw("price_benchmarks.csv")
    assert set(df["product"].to_list()) <= PRICE_PRODUCTS
    assert set(df["pricing_model"].to_list()) <= PRICING_MODELS
    assert df["region_scope"].null_count() == 0
    per_area = df.filter(pl.col("pricing_model") == "per_area")
    assert per_area["area"].null_count() == 0, "per_area rows must name the area"


def test_per_unit_prices_cover_every_product() -> None:
    df = _raw("price_benchmarks.csv").filter(pl.col("pricing_model") == "per_unit")
    assert set(df["product"].to_list()) >= PRODUCTS


def test_per_unit_prices_are_plausible() -> None:
    df = _typed("price_benchmarks.csv").filter(pl.col("pricing_model") == "per_unit")
    assert df.filter((pl.col("price_low_usd") < 1) | (pl.col("price_high_usd") > 50)).height == 0


def test_letybo_has_no_invented_conversion() -> None:
    row = _typed("toxin_unit_conversions.csv").filter(pl.col("product") == "letybo").row(0, named=True)
    assert row["botox_units_per_product_unit_mid"] is None
    assert "UNKNOWN" in row["notes"] and row["source"]


def test_asps_2024_count_is_shipped() -> None:
    df = _typed("published_statistics.csv").filter(
        (pl.col("statistic") == "asps_neuromodulator_procedures") & (pl.col("year") == 2024)
    )
    assert df["value"].to_list() == [9_883_711]
