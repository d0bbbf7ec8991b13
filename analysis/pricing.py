"""Treatment pricing: normalise quoted prices, then describe, compare and index them.

Every function takes a polars frame (lazy or eager) of validated price observations — the output of
``analysis.io.load_table(path, "prices").accepted`` — and returns a frame. Reference tables (unit
conversions, units per area) come in as frames too, from :mod:`analysis.reference`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import polars as pl

from analysis.price_text import parse_price  # noqa: F401  (re-exported: the price parser has its own module)

DEFAULT_PRICE_CAP_USD = 500.0  # the seed's "treatments cost up to about $500"
GROUPABLE = ("state", "region", "division", "city", "provider_type", "product", "pricing_model")
OUTLIER_Z = 3.5  # Iglewicz & Hoaglin's cut-off for the modified z-score

Frame = pl.DataFrame | pl.LazyFrame


def _lazy(frame: Frame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


# --- normalisation ---------------------------------------------------------------------------------


def add_botox_equivalent_price(prices: Frame, conversions: Frame) -> pl.LazyFrame:
    """Add ``botox_units_factor`` and ``price_per_botox_unit_usd``.

    ``conversions`` has ``product`` and ``botox_units_per_product_unit_mid`` (e.g. Dysport ≈ 0.36: one
    Dysport unit does what about a third of a Botox unit does). The price per unit in the product's own units
    (``price_per_unit_usd``, set by the loader: quoted, derived from a total and a unit count, or inferred) is
    divided by the factor; frames without that column get it here from the model and units (a per-unit quote
    as it is, a session, package, vial or area quote with a unit count divided by the units).
    Unspecified and unknown products and quotes without units stay null — they are not guessed.
    """
    factors = _lazy(conversions).select(
        "product", pl.col("botox_units_per_product_unit_mid").alias("botox_units_factor")
    )
    lf = _lazy(prices)
    if "price_per_unit_usd" not in lf.collect_schema().names():
        lf = lf.with_columns(
            pl.when(pl.col("pricing_model") == "per_unit")
            .then(pl.col("price_usd"))
            .when(
                pl.col("pricing_model").is_in(["per_session", "package", "per_area", "per_vial"])
                & (pl.col("units") > 0)
            )
            .then(pl.col("price_usd") / pl.col("units"))
            .otherwise(None)
            .alias("price_per_unit_usd")
        )
    return lf.join(factors, on="product", how="left").with_columns(
        (pl.col("price_per_unit_usd") / pl.col("botox_units_factor")).alias("price_per_botox_unit_usd")
    )


def default_units_per_area(units_per_area: Frame) -> pl.LazyFrame:
    """One row per area (the reference's ``default`` row) with typical, low and high Botox units."""
    return (
        _lazy(units_per_area)
        .filter(pl.col("default"))
        .select("area", "label", "units_low", "units_high", "units_typical")
    )


def estimate_area_prices(prices: Frame, units_per_area: Frame) -> pl.LazyFrame:
    """Price per treatment area: quoted per-area prices as they are, per-unit quotes × typical units.

    Returns a tidy frame: one row per (observation, area) with ``area``, ``area_price_usd`` and ``basis``
    (``quoted`` or ``from per-unit price``). Needs ``price_per_botox_unit_usd`` (see
    :func:`add_botox_equivalent_price`).
    """
    areas = default_units_per_area(units_per_area)
    keep = ["state", "provider_type", "product", "source"]
    lf = _lazy(prices)
    # A quote for several areas at once ("$450 (3 areas)") is split evenly over them (the loader's
    # price_per_area_usd); frames without that column take each per-area quote as it is.
    per_area = (
        pl.col("price_per_area_usd") if "price_per_area_usd" in lf.collect_schema().names() else pl.col("price_usd")
    )
    quoted = (
        lf.filter((pl.col("pricing_model") == "per_area") & pl.col("treatment_area").is_not_null())
        .with_columns(pl.col("treatment_area").str.split(";").alias("area"))
        .explode("area")
        .with_columns(pl.col("area").str.strip_chars().str.to_lowercase())
        .join(areas.select("area", "label"), on="area", how="inner")
        .select(*keep, "area", "label", per_area.alias("area_price_usd"), pl.lit("quoted").alias("basis"))
    )
    estimated = (
        _lazy(prices)
        .filter((pl.col("pricing_model") == "per_unit") & pl.col("price_per_botox_unit_usd").is_not_null())
        .join(areas, how="cross")
        .select(
            *keep,
            "area",
            "label",
            (pl.col("price_per_botox_unit_usd") * pl.col("units_typical")).alias("area_price_usd"),
            pl.lit("from per-unit price").alias("basis"),
        )
    )
    return pl.concat([quoted, estimated], how="vertical_relaxed")


def add_treatment_price(prices: Frame) -> pl.LazyFrame:
    """``treatment_price_usd``: what one visit costs — the quote itself unless it is per unit, else price × units."""
    return _lazy(prices).with_columns(
        pl.when(pl.col("pricing_model") != "per_unit")
        .then(pl.col("price_usd"))
        .when(pl.col("units") > 0)
        .then(pl.col("price_usd") * pl.col("units"))
        .otherwise(None)
        .alias("treatment_price_usd")
    )


def flag_above_cap(prices: Frame, cap_usd: float = DEFAULT_PRICE_CAP_USD) -> pl.LazyFrame:
    """Add ``above_cap``: the treatment price exceeds ``cap_usd``. Rows are flagged, never dropped."""
    if not (cap_usd >= 0 and math.isfinite(cap_usd)):
        raise ValueError(f"price cap must be a finite number >= 0, got {cap_usd!r}")
    priced = prices if "treatment_price_usd" in _lazy(prices).collect_schema() else add_treatment_price(prices)
    return _lazy(priced).with_columns((pl.col("treatment_price_usd") > cap_usd).alias("above_cap"))


def share_above_cap(prices: Frame, *, by: Sequence[str] = ()) -> pl.LazyFrame:
    """Count and share of quotes with a known treatment price above the cap (needs ``above_cap``)."""
    known = _lazy(prices).filter(pl.col("above_cap").is_not_null())
    aggs = [
        pl.len().alias("n_with_treatment_price"),
        pl.col("above_cap").sum().alias("n_above_cap"),
        pl.col("above_cap").mean().alias("share_above_cap"),
    ]
    return known.group_by(list(by), maintain_order=True).agg(aggs) if by else known.select(aggs)


def flag_outliers(
    prices: Frame, *, value: str = "price_usd", within: Sequence[str] = ("product", "pricing_model")
) -> pl.LazyFrame:
    """Add ``outlier``: the modified z-score of log(price) within each group exceeds 3.5.

    Log scale because prices are right-skewed; median and MAD because a few wild quotes must not move
    the yardstick that finds them (Iglewicz & Hoaglin 1993). A group whose MAD is 0 flags nothing.
    """
    logged = pl.col(value).log()
    median = logged.median().over(list(within))
    mad = (logged - median).abs().median().over(list(within))
    z = 0.6745 * (logged - median) / mad
    return _lazy(prices).with_columns(
        pl.when((pl.col(value) > 0) & (mad > 0)).then(z.abs() > OUTLIER_Z).otherwise(False).alias("outlier")
    )


def prepare_prices(
    prices: Frame, *, conversions: Frame, states: Frame, cap_usd: float = DEFAULT_PRICE_CAP_USD
) -> pl.LazyFrame:
    """Everything the pricing report needs per observation, in one lazy pipeline.

    Adds ``region`` and ``division`` (Census), ``botox_units_factor``, ``price_per_botox_unit_usd``,
    ``treatment_price_usd``, ``above_cap`` and ``outlier`` (on the Botox-equivalent unit price).
    """
    return (
        _lazy(prices)
        .join(_lazy(states).select("state", "region", "division"), on="state", how="left")
        .pipe(add_botox_equivalent_price, conversions)
        .pipe(add_treatment_price)
        .pipe(flag_above_cap, cap_usd)
        .pipe(flag_outliers, value="price_per_botox_unit_usd", within=("pricing_model",))
        .pipe(flag_set_aside)
    )


# Quotes kept, counted and listed, but left out of the statistics: not what most patients pay for a cosmetic
# treatment (a promotional, member or first-visit price; a therapeutic rate such as TMJ or sweating).
SET_ASIDE_QUALIFIERS = ("promotional", "member", "new_patient", "therapeutic")


def flag_set_aside(prices: Frame) -> pl.LazyFrame:
    """Add ``set_aside``: the quote's ``qualifiers`` name one of :data:`SET_ASIDE_QUALIFIERS`."""
    lf = _lazy(prices)
    if "qualifiers" not in lf.collect_schema().names():
        return lf.with_columns(pl.lit(False).alias("set_aside"))
    words = pl.col("qualifiers").str.to_lowercase().str.split(";").list.eval(pl.element().str.strip_chars())
    hit = pl.any_horizontal(words.list.contains(w) for w in SET_ASIDE_QUALIFIERS)
    return lf.with_columns(hit.fill_null(False).alias("set_aside"))


def select_scope(prices: Frame, *, state: str = "US", product: str = "all", regular_only: bool = True) -> pl.LazyFrame:
    """Rows for one state (``US``: all) and one product (``all``: every product); with ``regular_only``
    (the default) without the quotes set aside (:func:`flag_set_aside`)."""
    scoped = _lazy(prices)
    if regular_only and "set_aside" in scoped.collect_schema().names():
        scoped = scoped.filter(~pl.col("set_aside"))
    if state != "US":
        scoped = scoped.filter(pl.col("state") == state)
    if product != "all":
        scoped = scoped.filter(pl.col("product") == product)
    return scoped


# --- which figures each quote feeds -------------------------------------------------------------------

FIGURES = ("per_unit", "per_area", "per_session")


def figure_use(prices: Frame, conversions: Frame) -> pl.LazyFrame:
    """Which of the report's figures each accepted quote counts toward, and why a quote counts toward none.

    Adds ``counts_per_unit`` (a price per Botox-equivalent unit), ``counts_per_area`` (a per-area price) and
    ``counts_per_session`` (what one visit costs) and ``left_out`` (null when the quote counts somewhere, else the
    reason in words). Set-aside quotes (promotional, member, new-patient, therapeutic) count toward none.
    """
    lf = _lazy(prices)
    names = lf.collect_schema().names()
    if "price_per_botox_unit_usd" not in names:
        lf = add_botox_equivalent_price(lf, conversions)
    if "treatment_price_usd" not in names:
        lf = add_treatment_price(lf)
    if "set_aside" not in names:
        lf = flag_set_aside(lf)
    regular = ~pl.col("set_aside")
    counts = {
        "counts_per_unit": regular & pl.col("price_per_botox_unit_usd").is_not_null(),
        "counts_per_area": regular & (pl.col("pricing_model") == "per_area"),
        "counts_per_session": regular & pl.col("treatment_price_usd").is_not_null(),
    }
    lf = lf.with_columns(**{name: expr.fill_null(False) for name, expr in counts.items()})
    anywhere = pl.any_horizontal(*counts)
    left_out = (
        pl.when(anywhere)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("set_aside"))
        .then(pl.lit("set aside: promotional, member, new-patient or therapeutic price"))
        .when(pl.col("pricing_model").is_null())
        .then(pl.lit("no pricing model (the text says neither per unit, per area nor per session)"))
        .when(pl.col("product") == "unspecified")
        .then(pl.lit("brand not named: a per-unit price cannot be converted to Botox units"))
        .when(pl.col("price_per_unit_usd").is_not_null() & pl.col("botox_units_factor").is_null())
        .then(pl.format("no Botox-unit conversion for {}", pl.col("product")))
        .otherwise(pl.lit("per-unit price without a unit count or conversion"))
    )
    return lf.with_columns(left_out.alias("left_out"))


def figure_use_summary(used: pl.DataFrame) -> dict[str, object]:
    """Counts for ``validate``: quotes per figure (per-unit split by basis) and left-out reasons, most first."""
    per_unit = used.filter(pl.col("counts_per_unit"))
    basis = per_unit["per_unit_basis"] if "per_unit_basis" in used.columns else pl.Series([], dtype=pl.String)
    return {
        "per_unit": per_unit.height,
        "per_unit_basis": dict(basis.fill_null("quoted").value_counts(sort=True).iter_rows()),
        "per_area": int(used["counts_per_area"].sum()),
        "per_session": int(used["counts_per_session"].sum()),
        "none": dict(used["left_out"].drop_nulls().value_counts(sort=True).iter_rows()),
    }


# --- statistics ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def median_ci_ranks(n: int, level: float = 0.95) -> tuple[int, int]:
    """0-based order-statistic ranks of the percentile bootstrap CI of the median, computed exactly.

    The bootstrap median of a resample of size n is the order statistic x_(j) (lower median for even n)
    with P(median* <= x_(j)) = P(Binomial(n, j/n) >= m), m = ceil(n/2) — Efron (1979), "Bootstrap
    methods: another look at the jackknife", Ann. Statist. 7(1), §3. That is the limit of infinitely
    many resamples, with no random noise and no resampling cost, and it depends on n alone.
    """
    if n < 1:
        raise ValueError("need at least one observation")
    from scipy.stats import binom  # imported here: scipy.stats costs seconds at kernel start-up

    m = (n + 1) // 2  # the lower median is the m-th smallest value
    alpha = (1 - level) / 2

    def cdf(j: int) -> float:  # P(resampled median <= x_(j)), j = 1..n
        return float(binom.sf(m - 1, n, j / n))

    def first_rank_reaching(target: float) -> int:
        lo, hi = 1, n
        while lo < hi:
            mid = (lo + hi) // 2
            if cdf(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        return lo

    return first_rank_reaching(alpha) - 1, first_rank_reaching(1 - alpha) - 1


DEFAULT_QUANTILES: Mapping[str, float] = {"median": 0.5, "p10": 0.10, "p90": 0.90}


def finite_values(frame: pl.DataFrame | pl.LazyFrame, value: str) -> pl.LazyFrame:
    """Rows whose ``value`` is a real number: null, NaN and infinite values describe nothing."""
    return frame.lazy().filter(pl.col(value).is_finite())  # null is not finite: the filter drops it too


def summary_exprs(value: str, quantiles: Mapping[str, float] = DEFAULT_QUANTILES) -> list[pl.Expr]:
    """n, mean and the named quantiles of ``value`` as aggregations (run them on finite values).

    Quantiles interpolate linearly, as numpy's and pandas' defaults; the median is the 0.5 quantile.
    """
    v = pl.col(value)
    return [
        pl.len().alias("n"),
        v.mean().alias("mean"),
        *[v.quantile(q, interpolation="linear").alias(name) for name, q in quantiles.items()],
    ]


def price_stats(
    prices: Frame,
    *,
    by: Sequence[str] = (),
    value: str = "price_per_botox_unit_usd",
    level: float = 0.95,
) -> pl.LazyFrame:
    """Describe ``value`` per group: n, mean, median, P10, Q1, Q3, P90 and a bootstrap CI of the median.

    One pass over the data: every statistic is an aggregation of the same group_by; the CI's
    order-statistic ranks depend only on n (:func:`median_ci_ranks`), so they are joined back as
    integers and gathered from the sorted group.
    """
    unknown = [c for c in by if c not in GROUPABLE]
    if unknown:
        raise ValueError(f"cannot group by {', '.join(unknown)}; expected some of {', '.join(GROUPABLE)}")
    present = finite_values(prices, value)
    quantiles = {"median": 0.5, "p10": 0.10, "q1": 0.25, "q3": 0.75, "p90": 0.90}
    aggs = [*summary_exprs(value, quantiles), pl.col(value).sort().alias("_sorted")]
    keys = list(by) or [pl.lit("all").alias("_all")]  # one group when no keys, so the aggregations are lists alike
    stats = present.group_by(keys).agg(aggs).collect()
    ranks = [median_ci_ranks(n, level) if n else (None, None) for n in stats["n"].to_list()]
    stats = (
        stats.with_columns(
            pl.Series("_lo", [r[0] for r in ranks], dtype=pl.UInt32),
            pl.Series("_hi", [r[1] for r in ranks], dtype=pl.UInt32),
        )
        .with_columns(
            pl.col("_sorted").list.get(pl.col("_lo")).alias("median_ci_low"),
            pl.col("_sorted").list.get(pl.col("_hi")).alias("median_ci_high"),
        )
        .drop("_sorted", "_lo", "_hi", *([] if by else ["_all"]))
    )
    return (stats.sort(list(by)) if by else stats).lazy()


def price_index(prices: Frame, *, value: str = "price_per_botox_unit_usd", by: str = "state") -> pl.LazyFrame:
    """Median ``value`` per ``by`` as an index: 100 = the national median of all observations."""
    national = _lazy(prices).select(pl.col(value).drop_nulls().median()).collect().item()
    stats = price_stats(prices, by=[by], value=value)
    if national is None:
        return stats.with_columns(pl.lit(None, pl.Float64).alias("price_index"))
    return stats.with_columns(
        (pl.col("median") / national * 100).alias("price_index"), pl.lit(national).alias("national_median")
    )


# Groups with fewer per-unit quotes than this are not ranked: their medians move by dollars with one quote.
MIN_COMPARE_N = 10
NOT_COMPARED = ("unknown", "unspecified")  # groups that are not a provider type or a product


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979), in the input order; each at most 1.

    Sorted ascending, the i-th smallest (0-based) is multiplied by (m - i); the adjusted values are made
    non-decreasing with a running maximum, so the family-wise error rate is controlled at any level.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def compare_groups(
    prices: Frame,
    *,
    by: Sequence[str],
    value: str = "price_per_botox_unit_usd",
    min_n: int = MIN_COMPARE_N,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Every pair of groups within each grouping in ``by`` (e.g. provider types, then products), compared with a
    two-sided Mann–Whitney rank test, p-values Holm-adjusted over **all** pairs in the call (one report's family).

    Groups with fewer than ``min_n`` values, and the groups :data:`NOT_COMPARED`, take no part. Returns one row
    per pair: ``grouping, a, b, n_a, n_b, median_a, median_b, difference, p, p_holm, differs`` (a has the
    higher median); empty when no grouping has two groups with ``min_n`` values.
    """
    from scipy.stats import mannwhitneyu  # imported here: scipy.stats costs seconds at kernel start-up

    frame = _lazy(prices).filter(pl.col(value).is_not_null() & pl.col(value).is_finite()).collect()
    rows = []
    for grouping in by:
        groups = {
            key: values.sort()
            for (key,), values in (
                (k, f[value]) for k, f in frame.filter(~pl.col(grouping).is_in(NOT_COMPARED)).group_by(grouping)
            )
            if key is not None and values.len() >= min_n
        }
        names = sorted(groups, key=lambda g: (-float(groups[g].median()), str(g)))
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                xa, xb = groups[a], groups[b]
                test = mannwhitneyu(xa.to_numpy(), xb.to_numpy(), alternative="two-sided", method="auto")
                rows.append(
                    {
                        "grouping": grouping,
                        "a": a,
                        "b": b,
                        "n_a": xa.len(),
                        "n_b": xb.len(),
                        "median_a": float(xa.median()),
                        "median_b": float(xb.median()),
                        "p": float(test.pvalue),
                    }
                )
    schema = {
        "grouping": pl.String,
        "a": pl.String,
        "b": pl.String,
        "n_a": pl.Int64,
        "n_b": pl.Int64,
        "median_a": pl.Float64,
        "median_b": pl.Float64,
        "p": pl.Float64,
    }
    table = pl.DataFrame(rows, schema=schema)
    return table.with_columns(
        (pl.col("median_a") - pl.col("median_b")).alias("difference"),
        pl.Series("p_holm", holm(table["p"].to_list()), dtype=pl.Float64),
    ).with_columns((pl.col("p_holm") < alpha).alias("differs"))


def treatment_costs(
    stats_per_unit: pl.DataFrame, units_per_area: Frame, *, cap_usd: float = DEFAULT_PRICE_CAP_USD
) -> pl.DataFrame:
    """Cost of common treatments: typical Botox units per area × the median (and P10/P90) per-unit price.

    ``stats_per_unit`` is a one-row :func:`price_stats` result. Returns one row per area with low/typical/high
    cost and whether the typical cost is above ``cap_usd``.
    """
    row = stats_per_unit.row(0, named=True)
    return (
        default_units_per_area(units_per_area)
        .with_columns(
            (pl.col("units_typical") * row["median"]).alias("cost_typical_usd"),
            (pl.col("units_low") * row["p10"]).alias("cost_low_usd"),
            (pl.col("units_high") * row["p90"]).alias("cost_high_usd"),
        )
        .with_columns((pl.col("cost_typical_usd") > cap_usd).alias("typical_above_cap"))
        .sort("cost_typical_usd")
        .collect()
    )


# --- report text: numbers from the data, in words ---------------------------------------------------


def sources_used(prices: pl.DataFrame) -> pl.DataFrame:
    """Observations per source, most first (the report's source list)."""
    if prices.is_empty():
        return pl.DataFrame({"source": [], "n": []}, schema={"source": pl.String, "n": pl.UInt32})
    return prices.group_by("source").agg(pl.len().alias("n")).sort("n", descending=True)


def headline_numbers(
    scope: pl.DataFrame,
    unit_stats: pl.DataFrame,
    cap_share: pl.DataFrame,
    *,
    state: str,
    product: str,
    synthetic: bool,
    cap_usd: float = DEFAULT_PRICE_CAP_USD,
) -> dict[str, object]:
    """The numbers the report index shows for this report."""
    row = unit_stats.row(0, named=True)
    cap = cap_share.row(0, named=True) if cap_share.height else {}
    return {
        "state": state,
        "product": product,
        "synthetic": synthetic,
        "observations": scope.height,
        "per_unit_quotes": row["n"],
        "median_price_per_unit_usd": row["median"],
        "median_ci_low_usd": row["median_ci_low"],
        "median_ci_high_usd": row["median_ci_high"],
        "share_above_cap": cap.get("share_above_cap"),
        "price_cap_usd": cap_usd,
    }


# --- a user's own prices beside the published quotes ------------------------------------------------------------


def compare_with_published(yours: Frame, published: Frame, *, state: str = "US", product: str = "all") -> pl.DataFrame:
    """Price per Botox-equivalent unit, the user's quotes beside the shipped published clinic quotes.

    Both frames as :func:`prepare_prices` returns them. One row per (scope, data): the state (when not US) and
    the nation, each with n, median, Q1 and Q3 — n = 0 where a side has no per-unit quotes.
    """
    scopes = ["US"] if state == "US" else [state, "US"]
    rows = []
    for scope in scopes:
        for label, frame in (("Your prices", yours), ("Published clinic quotes", published)):
            stats = price_stats(select_scope(frame, state=scope, product=product)).collect()
            row = stats.row(0, named=True) if stats.height else {}
            rows.append(
                {
                    "scope": scope,
                    "data": label,
                    "n": int(row.get("n") or 0),
                    "median": row.get("median"),
                    "q1": row.get("q1"),
                    "q3": row.get("q3"),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "scope": pl.String,
            "data": pl.String,
            "n": pl.Int64,
            **dict.fromkeys(("median", "q1", "q3"), pl.Float64),
        },
    )


# --- the answer box: what a price-setter needs first ------------------------------------------------------------

ANSWER_AREAS = ("glabella", "forehead", "crows_feet")  # the three most common cosmetic areas
MIN_BAND_N = 5  # a P25-P75 band from fewer quotes than this is not shown (the pooled estimate stands in)


def _band(values: pl.Series) -> dict[str, float | int | None]:
    v = values.drop_nulls()
    if v.len() == 0:
        return {"n": 0, "p25": None, "p75": None, "median": None}
    return {"n": v.len(), "p25": v.quantile(0.25), "p75": v.quantile(0.75), "median": v.median()}


def price_answer(scope: pl.DataFrame, units_per_area: Frame, *, min_n: int = MIN_BAND_N) -> dict[str, object]:
    """The typical price band of one scope (a state or the US, regular quotes): per Botox-equivalent unit, per
    common area and per city, each as P25–P75 with its n.

    ``unit``: the band of ``price_per_botox_unit_usd`` with counts by ``per_unit_basis`` (quoted, derived,
    inferred). ``areas``: per area, quoted per-area prices when at least ``min_n`` name that area (``basis`` =
    "quoted"), else the unit band × the area's typical units ("per-unit band × typical units"). ``cities``: each
    city with at least ``min_n`` per-unit quotes, most quotes first.
    """
    per_unit = scope.filter(pl.col("price_per_botox_unit_usd").is_not_null())
    unit = _band(per_unit["price_per_botox_unit_usd"])
    if "per_unit_basis" in per_unit.columns:
        unit["basis"] = dict(per_unit["per_unit_basis"].fill_null("quoted").value_counts().iter_rows())
    else:
        unit["basis"] = {"quoted": per_unit.height}
    areas = default_units_per_area(units_per_area).collect()
    area_rows = []
    quoted_area = (
        estimate_area_prices(scope, units_per_area).filter(pl.col("basis") == "quoted").collect()
        if "treatment_area" in scope.columns
        else pl.DataFrame(schema={"area": pl.String, "area_price_usd": pl.Float64})
    )
    for area in ANSWER_AREAS:
        info = areas.filter(pl.col("area") == area)
        if info.is_empty():
            continue
        label, units = info["label"][0], info["units_typical"][0]
        quoted = _band(quoted_area.filter(pl.col("area") == area)["area_price_usd"])
        if quoted["n"] >= min_n:
            area_rows.append({"area": area, "label": label, **quoted, "basis": "quoted", "units": units})
        elif unit["n"] >= min_n:
            area_rows.append(
                {
                    "area": area,
                    "label": label,
                    "n": unit["n"],
                    "p25": unit["p25"] * units,
                    "p75": unit["p75"] * units,
                    "median": unit["median"] * units,
                    "basis": "per-unit band × typical units",
                    "units": units,
                }
            )
    cities, few_cities = [], []
    if "city" in per_unit.columns:
        named = per_unit.filter(pl.col("city").is_not_null()).with_columns(
            pl.col("city").str.strip_chars().str.to_titlecase().alias("city")
        )
        for (city,), group in named.group_by("city"):
            band = _band(group["price_per_botox_unit_usd"])
            (cities if band["n"] >= min_n else few_cities).append({"city": city, **band})
        cities.sort(key=lambda c: (-c["n"], c["city"]))
        few_cities.sort(key=lambda c: (-c["n"], c["city"]))
    no_city = per_unit.height - sum(c["n"] for c in cities + few_cities)
    return {
        "unit": unit,
        "areas": area_rows,
        "cities": cities,
        "few_cities": few_cities,
        "no_city": no_city,
        "min_n": min_n,
    }


# --- place and time ---------------------------------------------------------------------------------------------


def price_by_year(scope: Frame) -> pl.DataFrame:
    """Per-unit price by the year the quote is dated (``page_date``, else ``observed_date``): year, n, median."""
    lf = _lazy(scope)
    names = lf.collect_schema().names()
    dates = [pl.col(c).cast(pl.String).str.slice(0, 4) for c in ("page_date", "observed_date") if c in names]
    if not dates:
        return pl.DataFrame(schema={"year": pl.Int32, "n": pl.UInt32, "median": pl.Float64})
    return (
        lf.filter(pl.col("price_per_botox_unit_usd").is_not_null())
        .with_columns(pl.coalesce(dates).cast(pl.Int32, strict=False).alias("year"))
        .filter(pl.col("year").is_not_null())
        .group_by("year")
        .agg(pl.len().alias("n"), pl.col("price_per_botox_unit_usd").median().alias("median"))
        .sort("year")
        .collect()
    )
