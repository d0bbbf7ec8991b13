"""The executive summary: national context from published statistics, and a state's key numbers.

Market-size figures here are **estimates**: published procedure counts × a published average fee.
Each estimate row names both inputs, their sources and the assumption that joins them.
"""

from __future__ import annotations

import polars as pl

PROCEDURES = "asps_neuromodulator_procedures"
AVERAGE_FEE = "asps_average_fee_neuromodulator_usd"
# ASPS changed how it counts in its 2020 report (it had counted each anatomic site injected as one
# procedure, and restated earlier years); counts before and after are not one continuous series.
METHOD_BREAK_YEAR = 2020


def procedure_series(statistics: pl.DataFrame) -> pl.DataFrame:
    """ASPS neuromodulator procedure counts by year (known values only), with source and counting method."""
    return (
        statistics.filter((pl.col("statistic") == PROCEDURES) & pl.col("value").is_not_null())
        .select(
            pl.col("year").cast(pl.Int32),
            pl.col("value").cast(pl.Int64).alias("procedures"),
            pl.when(pl.col("year").cast(pl.Int32) < METHOD_BREAK_YEAR)
            .then(pl.lit("sites injected (before the 2020 method change)"))
            .otherwise(pl.lit("procedures (2020 method)"))
            .alias("counting"),
            "source",
            "reliability",
        )
        .sort("year")
    )


def market_size_estimates(statistics: pl.DataFrame) -> pl.DataFrame:
    """Estimated physician-fee spending: procedures × the average fee.

    A year with its own published fee uses it (``basis = "same-year fee"``). A later year without one
    uses the latest earlier published fee, carried forward — an assumption (fees unchanged since), stated in
    ``basis``; it is also an underestimate if fees rose. Years before the first published fee get none.
    Only fees for physicians are covered: the estimate excludes product mark-ups outside the fee, and
    injections not reported to ASPS's sources.
    """
    counts = procedure_series(statistics).rename({"source": "procedures_source"})
    fees = (
        statistics.filter((pl.col("statistic") == AVERAGE_FEE) & pl.col("value").is_not_null())
        .select(pl.col("year").cast(pl.Int32).alias("fee_year"), pl.col("value").alias("fee_usd"), pl.col("source").alias("fee_source"))
        .sort("fee_year")
    )
    joined = counts.sort("year").join_asof(fees, left_on="year", right_on="fee_year", strategy="backward")
    return (
        joined.filter(pl.col("fee_usd").is_not_null())
        .with_columns(
            (pl.col("procedures") * pl.col("fee_usd")).alias("estimate_usd"),
            pl.when(pl.col("year") == pl.col("fee_year"))
            .then(pl.lit("same-year fee"))
            .otherwise(pl.format("assumes the {} fee is unchanged", pl.col("fee_year")))
            .alias("basis"),
        )
        .select("year", "procedures", "fee_usd", "fee_year", "estimate_usd", "basis", "procedures_source", "fee_source")
    )


def latest_estimate(estimates: pl.DataFrame) -> dict[str, object] | None:
    """The most recent market-size estimate as a dict, or None when there is none."""
    return None if estimates.is_empty() else estimates.sort("year").row(-1, named=True)
