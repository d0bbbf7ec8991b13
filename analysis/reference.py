"""Typed loaders for the cited reference tables in ``data/reference/``.

Tables that have a schema in :mod:`analysis.schemas` (state rules, training courses) go through the same
validating loader as user files; a shipped reference row that fails validation is a bug in the data,
so it raises instead of being quietly rejected.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from analysis import config
from analysis.io import load_table

_NUMERIC = pl.Float64


def _read(name: str, schema_overrides: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    path = config.REFERENCE_FILES[name]
    frame = pl.read_csv(path, infer_schema=False)
    if schema_overrides:
        frame = frame.with_columns(pl.col(c).cast(t, strict=True) for c, t in schema_overrides.items())
    return frame


def _validated(name: str, table: str) -> pl.DataFrame:
    result = load_table(config.REFERENCE_FILES[name], table)
    if result.n_rejected:
        first = result.rejects.row(0, named=True)
        raise ValueError(
            f"{config.REFERENCE_FILES[name]}: {result.n_rejected} invalid reference rows, "
            f"first at row {first['source_row']}: {first['reason']}"
        )
    return result.accepted.drop("source_row")


@lru_cache(maxsize=1)
def states() -> pl.DataFrame:
    """50 states + DC: code, name, FIPS, Census region/division, 2020 population, population centre."""
    return _read(
        "states",
        {"population_2020": pl.Int64, "pop_center_lat": _NUMERIC, "pop_center_lon": _NUMERIC},
    )


def state_codes() -> list[str]:
    return states()["state"].sort().to_list()


@lru_cache(maxsize=1)
def taxonomy() -> pl.DataFrame:
    """NUCC taxonomy codes mapped to the toolkit's provider types."""
    return _read("taxonomy")


@lru_cache(maxsize=1)
def state_rules() -> pl.DataFrame:
    """Who may inject, per state and provider type (validated; 51 × 8 rows)."""
    return _validated("state_rules", "state_rules")


@lru_cache(maxsize=1)
def training_courses() -> pl.DataFrame:
    """The course catalogue (validated)."""
    return _validated("training", "training")


@lru_cache(maxsize=1)
def unit_conversions() -> pl.DataFrame:
    """Botox-equivalent units per unit of each product (low / high / mid)."""
    cols = ["botox_units_per_product_unit_low", "botox_units_per_product_unit_high", "botox_units_per_product_unit_mid"]
    return _read("unit_conversions", dict.fromkeys(cols, _NUMERIC))


@lru_cache(maxsize=1)
def units_per_area() -> pl.DataFrame:
    """Typical Botox units per treatment area; ``default`` marks the row the toolkit uses per area."""
    frame = _read("units_per_area", dict.fromkeys(["units_low", "units_high", "units_typical"], _NUMERIC))
    # Where no source gives a typical dose, the middle of the cited range stands in — flagged, not hidden.
    return frame.with_columns(
        pl.col("default").str.to_lowercase().is_in(["true", "yes", "1"]),
        pl.col("units_typical").is_null().alias("units_typical_is_midpoint"),
        pl.coalesce("units_typical", (pl.col("units_low") + pl.col("units_high")) / 2).alias("units_typical"),
    )


@lru_cache(maxsize=1)
def published_statistics() -> pl.DataFrame:
    """Published market statistics (ASPS/ASAPS procedure counts, average fees …) by year."""
    return _read("published_statistics", {"value": _NUMERIC})


@lru_cache(maxsize=1)
def product_costs() -> pl.DataFrame:
    """What a practice pays per unit of product (low / high), with sources."""
    return _read("product_costs", {"cost_per_unit_usd_low": _NUMERIC, "cost_per_unit_usd_high": _NUMERIC})


@lru_cache(maxsize=1)
def price_benchmarks() -> pl.DataFrame:
    """Published consumer price ranges used to calibrate the synthetic sample."""
    return _read("price_benchmarks", {"price_low_usd": _NUMERIC, "price_high_usd": _NUMERIC})


@lru_cache(maxsize=1)
def us_state_shapes() -> pl.DataFrame:
    """Projected state outlines (Albers USA, north up) for the offline US map; see :mod:`analysis.geo`."""
    return _read("us_state_shapes", {"ring": pl.Int32, "x": _NUMERIC, "y": _NUMERIC})


def reference_files() -> list[Path]:
    """The reference files that exist (for report footers and cache keys)."""
    return [p for p in config.REFERENCE_FILES.values() if p.exists()]
