"""Typed loaders for the cited reference tables in ``data/reference/``.

Tables that have a schema in :mod:`analysis.schemas` (state rules, training courses) go through the same
validating loader as user files; a shipped reference row that fails validation is a bug in the data,
so it raises instead of being quietly rejected.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import polars as pl

from analysis import config
from analysis.io import load_table

_NUMERIC = pl.Float64
PathLike = str | Path | None


def path_of(name: str, path: PathLike = None) -> Path:
    """The file a loader reads: ``path`` if given (a notebook's ``<name>_path`` parameter), else the shipped one."""
    return config.DATA_FILES[name] if path is None else Path(path)


def _read(name: str, path: PathLike, schema_overrides: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    path = path_of(name, path)
    # Read through Python, not polars' own file reader, so that every data file a report opens is visible
    # to one audit hook (tests/test_report_inputs.py checks that each report declares what it reads).
    frame = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
    if schema_overrides:
        frame = frame.with_columns(pl.col(c).cast(t, strict=True) for c, t in schema_overrides.items())
    return frame


def _validated(name: str, table: str, path: PathLike) -> pl.DataFrame:
    path = path_of(name, path)
    result = load_table(path, table)
    if result.n_rejected:
        first = result.rejects.row(0, named=True)
        raise ValueError(
            f"{path}: {result.n_rejected} invalid reference rows, first at row {first['source_row']}: {first['reason']}"
        )
    return result.accepted.drop("source_row")


@lru_cache(maxsize=4)
def practice_rules(path: PathLike = None) -> pl.DataFrame:
    """Per state: NP practice authority, PA supervision ratio cap, Nurse Licensure Compact status and the corporate
    practice of medicine, each with its source, source date and reliability; empty where unknown."""
    return _read("practice_rules", path)


@lru_cache(maxsize=4)
def states(path: PathLike = None) -> pl.DataFrame:
    """50 states + DC: code, name, FIPS, Census region/division, 2020 population, population centre."""
    return _read(
        "states",
        path,
        {"population_2020": pl.Int64, "pop_center_lat": _NUMERIC, "pop_center_lon": _NUMERIC},
    )


@lru_cache(maxsize=4)
def taxonomy(path: PathLike = None) -> pl.DataFrame:
    """NUCC taxonomy codes mapped to the toolkit's provider types."""
    return _read("taxonomy", path)


@lru_cache(maxsize=4)
def state_rules(path: PathLike = None) -> pl.DataFrame:
    """Who may inject, per state and provider type (validated; 51 × 8 rows)."""
    return _validated("state_rules", "state_rules", path)


@lru_cache(maxsize=4)
def training_courses(path: PathLike = None) -> pl.DataFrame:
    """The course catalogue (validated)."""
    return _validated("courses", "training", path)


@lru_cache(maxsize=4)
def unit_conversions(path: PathLike = None) -> pl.DataFrame:
    """Botox-equivalent units per unit of each product (low / high / mid)."""
    cols = ["botox_units_per_product_unit_low", "botox_units_per_product_unit_high", "botox_units_per_product_unit_mid"]
    return _read("unit_conversions", path, dict.fromkeys(cols, _NUMERIC))


@lru_cache(maxsize=4)
def units_per_area(path: PathLike = None) -> pl.DataFrame:
    """Typical Botox units per treatment area; ``default`` marks the row the toolkit uses per area."""
    frame = _read("units_per_area", path, dict.fromkeys(["units_low", "units_high", "units_typical"], _NUMERIC))
    # Where no source gives a typical dose, the middle of the cited range stands in — flagged, not hidden.
    return frame.with_columns(
        pl.col("default").str.to_lowercase().is_in(["true", "yes", "1"]),
        pl.col("units_typical").is_null().alias("units_typical_is_midpoint"),
        pl.coalesce("units_typical", (pl.col("units_low") + pl.col("units_high")) / 2).alias("units_typical"),
    )


@lru_cache(maxsize=4)
def published_statistics(path: PathLike = None) -> pl.DataFrame:
    """Published market statistics (ASPS/ASAPS procedure counts, average fees …) by year."""
    return _read("published_statistics", path, {"value": _NUMERIC})


@lru_cache(maxsize=4)
def product_costs(path: PathLike = None) -> pl.DataFrame:
    """What a practice pays per unit of product (low / high), with sources."""
    return _read("product_costs", path, {"cost_per_unit_usd_low": _NUMERIC, "cost_per_unit_usd_high": _NUMERIC})


@lru_cache(maxsize=4)
def provider_wages(path: PathLike = None) -> pl.DataFrame:
    """BLS OEWS May 2023 wages per state and provider type (hourly median, 25th and 75th percentile, annual median);
    empty where BLS does not publish the figure (top-coded or suppressed), with a note."""
    cols = ["hourly_median_usd", "annual_median_usd", "hourly_p25_usd", "hourly_p75_usd", "employment"]
    return _read("provider_wages", path, dict.fromkeys(cols, _NUMERIC))


@lru_cache(maxsize=4)
def practice_economics(path: PathLike = None) -> pl.DataFrame:
    """Cited figures for running an injectable practice (visits a month, waste, card fees, medical-director fees …):
    one ``default`` row per input, with its low and high ends."""
    frame = _read("practice_economics", path, dict.fromkeys(["value", "value_low", "value_high"], _NUMERIC))
    return frame.with_columns(pl.col("default").str.to_lowercase().is_in(["true", "yes", "1"]))


@lru_cache(maxsize=4)
def price_benchmarks(path: PathLike = None) -> pl.DataFrame:
    """Published consumer price ranges used to calibrate the synthetic sample."""
    return _read("price_benchmarks", path, {"price_low_usd": _NUMERIC, "price_high_usd": _NUMERIC})


@lru_cache(maxsize=4)
def provider_counts_published(path: PathLike = None) -> pl.DataFrame:
    """Published provider counts by state (the cited rows of the shipped provider-count sample)."""
    return _read("provider_counts_published", path)


@lru_cache(maxsize=4)
def us_state_shapes(path: PathLike = None) -> pl.DataFrame:
    """Projected state outlines (Albers USA, north up) for the offline US map; see :mod:`analysis.geo`."""
    return _read("us_state_shapes", path, {"ring": pl.Int32, "x": _NUMERIC, "y": _NUMERIC})
