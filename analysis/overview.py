"""The executive summary: national context from published statistics, and a state's key numbers.

Market-size figures here are **estimates**: published procedure counts × a published average fee.
Each estimate row names both inputs, their sources and the assumption that joins them.
"""

from __future__ import annotations

import polars as pl

from analysis import pricing, providers, training

PROCEDURES = "asps_neuromodulator_procedures"
AVERAGE_FEE = "asps_average_fee_neuromodulator_usd"
# statistic -> what it measures, in words
ANCHORS = {"abbvie_botox_cosmetic_net_revenue_worldwide_usd": "AbbVie Botox Cosmetic net revenue, worldwide"}
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
        .select(
            pl.col("year").cast(pl.Int32).alias("fee_year"),
            pl.col("value").alias("fee_usd"),
            pl.col("source").alias("fee_source"),
        )
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


def key_numbers(
    *,
    state: str,
    prices: pl.DataFrame,
    pool: pl.DataFrame,
    availability: pl.DataFrame,
    courses: pl.DataFrame,
) -> pl.DataFrame:
    """The state's key numbers beside the national ones, one row per metric (tidy, for a table).

    ``prices`` needs ``price_per_botox_unit_usd`` (:func:`analysis.pricing.prepare_prices`); ``pool`` is
    :func:`analysis.providers.eligible_pool`; ``availability`` is
    :func:`analysis.training.availability_by_state`; ``courses`` the catalogue. For ``state == "US"`` the
    state column repeats the national value.
    """

    def median_of(scope: str) -> tuple[float | None, int]:
        # the same quotes as the pricing report: regular prices only (promotional, member … set aside)
        row = pricing.price_stats(pricing.select_scope(prices, state=scope)).collect().row(0, named=True)
        return row["median"], row["n"]

    us_median, us_n = median_of("US")
    st_median, st_n = median_of(state)
    us_pool = providers.pool_row(pool, state="US")
    st_pool = providers.pool_row(pool, state=state)
    us_in_person = training.count_in_person(courses)  # distinct courses: one held in two states counts once
    courses_online = len(training.online_course_ids(courses))
    if state == "US":
        st_in_person, nearest = us_in_person, None
    else:
        row = availability.filter(pl.col("state") == state).row(0, named=True)
        st_in_person = row["in_person_courses"]
        nearest = None if st_in_person else (row["nearest_in_person_state"], row["distance_km"])
    note_nearest = f"nearest: {nearest[0]}, {nearest[1]:,.0f} km" if nearest and nearest[0] else ""
    rows = [
        (
            "pricing",
            "Median price per Botox-equivalent unit",
            st_median,
            us_median,
            f"n = {st_n:,} (US {us_n:,})",
            "usd",
            "derived: regular prices named clinics publish",
        ),
        (
            "providers",
            "Eligible injectors per 100,000 residents",
            st_pool["eligible_pool_per_100k"],
            us_pool["eligible_pool_per_100k"],
            "" if st_pool["pool_complete"] else "lower bound: some eligible types are not counted",
            "rate",
            "derived: published head counts × the state rules",
        ),
        (
            "providers",
            "Provider types that may inject",
            float(len(st_pool["types_may_inject"] or [])),
            None,
            "of 8 types; US varies by state",
            "count",
            "observed: the state rules",
        ),
        (
            "training",
            "In-person courses held here",
            float(st_in_person),
            float(us_in_person),
            note_nearest,
            "count",
            "observed: the course catalogue",
        ),
        (
            "training",
            "Online courses (open everywhere)",
            float(courses_online),
            float(courses_online),
            "",
            "count",
            "observed: the course catalogue",
        ),
    ]
    columns = ["topic", "metric", "state_value", "us_value", "note", "unit", "basis"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def revenue_anchors(statistics: pl.DataFrame) -> pl.DataFrame:
    """Top-down anchors: manufacturers' reported toxin revenue by year (known values only), newest first."""
    return (
        statistics.filter(pl.col("statistic").is_in(list(ANCHORS)) & pl.col("value").is_not_null())
        .select(
            pl.col("statistic").replace_strict(ANCHORS).alias("anchor"),
            pl.col("year").cast(pl.Int32),
            pl.col("value").alias("value_usd"),
            "notes",
            "source",
        )
        .sort("year", descending=True)
    )


STATISTIC_LABELS = {
    PROCEDURES: "ASPS neuromodulator procedures (US)",
    AVERAGE_FEE: "ASPS average surgeon fee, neuromodulator (USD)",
    **ANCHORS,
}


def statistics_sources(statistics: pl.DataFrame) -> pl.DataFrame:
    """The published statistics the report uses, named in words, with year, source and reliability."""
    used = statistics.filter(
        pl.col("statistic").is_in([PROCEDURES, AVERAGE_FEE, *ANCHORS]) & pl.col("value").is_not_null()
    )
    return (
        used.sort("statistic", "year")
        .with_columns(pl.col("statistic").replace_strict(STATISTIC_LABELS, default=pl.col("statistic")))
        .select("statistic", "year", "source", "reliability")
    )


def headline_numbers(
    numbers: pl.DataFrame, estimates: pl.DataFrame, *, state: str, synthetic: bool
) -> dict[str, object]:
    rows = {r["metric"]: r for r in numbers.iter_rows(named=True)}
    est = latest_estimate(estimates)
    return {
        "state": state,
        "synthetic": synthetic,
        "median_price_per_unit_usd": rows["Median price per Botox-equivalent unit"]["state_value"],
        "eligible_pool_per_100k": rows["Eligible injectors per 100,000 residents"]["state_value"],
        "in_person_courses": rows["In-person courses held here"]["state_value"],
        "market_estimate_usd": est["estimate_usd"] if est else None,
        "market_estimate_year": est["year"] if est else None,
    }
