"""Market size by state, bottom-up: the national procedure count × the state's share × its price per visit.

Every input is cited elsewhere and every assumption is a parameter with its reason:

* **Procedures**: the latest ASPS count of neuromodulator procedures in the US (``published_statistics.csv``).
* **The state's share**, two explicit allocations: by **population** (Census 2020) and by **injector supply**
  (the eligible pool of :func:`analysis.providers.eligible_pool`). The estimate is their mean; the range spans both.
* **Price per visit**: the state's partially pooled price per Botox-equivalent unit (:mod:`analysis.pooling`;
  the national median where the state has no quotes, said so) × the units of one visit. A visit treats from one
  area (glabella, 20 units, the FDA label dose) to the full upper face (64 units, the sum of the label doses of
  glabella, forehead and crow's feet); the point estimate takes the middle, 42 units (``units_per_area.csv``).

The range multiplies the low ends together and the high ends together (share × price interval × units): wide on
purpose, it shows how little the inputs pin down. It is an estimate of what patients pay clinics, not a measured
market.
"""

from __future__ import annotations

import polars as pl

VISIT_UNITS = {"low": 20.0, "typical": 42.0, "high": 64.0}


def visit_units(units_per_area: pl.DataFrame) -> dict[str, float]:
    """Units per visit from the cited label doses: glabella (one area) to the full upper face (three)."""
    defaults = units_per_area.filter(pl.col("default"))
    low = defaults.filter(pl.col("area") == "glabella")["units_typical"]
    high = defaults.filter(pl.col("area") == "full_upper_face")["units_typical"]
    if low.is_empty() or high.is_empty():
        return dict(VISIT_UNITS)
    return {"low": float(low[0]), "typical": (float(low[0]) + float(high[0])) / 2, "high": float(high[0])}


def state_market_size(
    *,
    procedures: float,
    states: pl.DataFrame,
    pool: pl.DataFrame,
    pooled: pl.DataFrame,
    national_price: tuple[float, float, float],
    units: dict[str, float] | None = None,
) -> pl.DataFrame:
    """One row per state: its share of procedures (by population, by injector supply), procedures, price per
    visit and patient spending, each as an estimate with a low and a high end, and where its price comes from.

    ``states``: ``state, name, population_2020``; ``pool``: ``state, eligible_pool``; ``pooled``: ``state,
    pooled_usd, pooled_low_usd, pooled_high_usd`` (null without quotes); ``national_price``: (median, low, high)
    per Botox-equivalent unit.
    """
    units = units or dict(VISIT_UNITS)
    median, low, high = national_price
    frame = (
        states.select("state", "name", pl.col("population_2020").cast(pl.Float64))
        .join(pool.select("state", pl.col("eligible_pool").cast(pl.Float64)), on="state", how="left")
        .join(pooled.select("state", "pooled_usd", "pooled_low_usd", "pooled_high_usd"), on="state", how="left")
    )
    share_pop = pl.col("population_2020") / pl.col("population_2020").sum()
    share_supply = pl.col("eligible_pool") / pl.col("eligible_pool").sum()
    has_quotes = pl.col("pooled_usd").is_not_null()
    return (
        frame.with_columns(share_pop.alias("share_population"), share_supply.alias("share_supply"))
        .with_columns(
            pl.mean_horizontal("share_population", "share_supply").alias("share"),
            pl.min_horizontal("share_population", "share_supply").alias("share_low"),
            pl.max_horizontal("share_population", "share_supply").alias("share_high"),
            pl.when(has_quotes).then(pl.col("pooled_usd")).otherwise(pl.lit(median)).alias("price_unit_usd"),
            pl.when(has_quotes).then(pl.col("pooled_low_usd")).otherwise(pl.lit(low)).alias("price_unit_low_usd"),
            pl.when(has_quotes).then(pl.col("pooled_high_usd")).otherwise(pl.lit(high)).alias("price_unit_high_usd"),
            pl.when(has_quotes)
            .then(pl.lit("the state's quotes (pooled)"))
            .otherwise(pl.lit("national median: no quotes here"))
            .alias("price_basis"),
        )
        .with_columns(
            (pl.col("share") * procedures).alias("procedures"),
            (pl.col("share_low") * procedures).alias("procedures_low"),
            (pl.col("share_high") * procedures).alias("procedures_high"),
            (pl.col("price_unit_usd") * units["typical"]).alias("visit_usd"),
            (pl.col("price_unit_low_usd") * units["low"]).alias("visit_low_usd"),
            (pl.col("price_unit_high_usd") * units["high"]).alias("visit_high_usd"),
        )
        .with_columns(
            (pl.col("procedures") * pl.col("visit_usd")).alias("spend_usd"),
            (pl.col("procedures_low") * pl.col("visit_low_usd")).alias("spend_low_usd"),
            (pl.col("procedures_high") * pl.col("visit_high_usd")).alias("spend_high_usd"),
        )
        .drop("pooled_usd", "pooled_low_usd", "pooled_high_usd")
        .sort("state")
    )


# --- the training market per state ------------------------------------------------------------------------------

# An assumption, not a measured rate: the share of the eligible people who take an injection course in a year.
# No published figure was found; the report says so and shows the count it implies, so a reader can scale it.
DEFAULT_TRAINING_UPTAKE = 0.01


def training_market(
    pool: pl.DataFrame, availability: pl.DataFrame, *, uptake: float = DEFAULT_TRAINING_UPTAKE
) -> pl.DataFrame:
    """Per state: eligible people, the trainees a year they imply at ``uptake`` (a stated assumption), current
    in-person courses held there and eligible people per course — ranked for a training company: states without
    an in-person course first (largest pool first), then by people per course.

    ``pool``: ``state, name, eligible_pool`` (:func:`analysis.providers.eligible_pool`); ``availability``: ``state,
    in_person_courses, nearest_in_person_state, distance_km`` (:func:`analysis.training.availability_by_state`).
    """
    if not 0 <= uptake <= 1:
        raise ValueError(f"uptake must be a share between 0 and 1, got {uptake!r}")
    frame = pool.select("state", "name", "eligible_pool").join(
        availability.select("state", "in_person_courses", "nearest_in_person_state", "distance_km"),
        on="state",
        how="left",
    )
    courses = pl.col("in_person_courses").fill_null(0)
    return (
        frame.with_columns(
            (pl.col("eligible_pool") * uptake).alias("trainees_per_year"),
            pl.when(courses > 0).then(pl.col("eligible_pool") / courses).alias("people_per_course"),
        )
        .filter(pl.col("eligible_pool").is_not_null())
        .sort(courses > 0, pl.col("people_per_course"), -pl.col("eligible_pool"), descending=[False, True, False])
    )
