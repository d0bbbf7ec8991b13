"""Who may inject cosmetic botulinum toxin, and how many such people there are, per state.

The state rules (``data/reference/state_rules.csv``, see :func:`analysis.reference.state_rules`) say,
per state and provider type, whether the type may inject (``may_inject``: yes / conditional / no /
unknown), under which supervision, and whether it may buy the product. Provider counts (a
``provider_counts`` table: published counts, an NPPES count from :mod:`analysis.nppes`, or the shipped
sample) say how many people of each type there are. This module combines the two.

Each (state, provider type) cell's **rule class** comes from :mod:`analysis.eligibility`.

The **eligible pool** of a state is the people in the first three classes. A type with no count (the
shipped counts have none for aestheticians and medical assistants) is *unknown*, never zero: it is
listed in ``uncounted_eligible_types`` and the pool is then a lower bound (``pool_complete`` is false).

Functions take polars frames (eager or lazy) and return eager ``pl.DataFrame``s: the frames here are a
few hundred rows, so each function collects once, at its end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from analysis.eligibility import (
    ELIGIBLE_CLASSES,
    KEY,
    POOL_CLASSES,
    RULE_CLASSES,
    SUPERVISED_LEVELS,
    eligibility_matrix,
    nurse_or_aesthetician_states,
    rule_class,
    types_where,
)
from analysis.schemas import PROVIDER_TYPE_LABELS, PROVIDER_TYPES

__all__ = [
    "ELIGIBLE_CLASSES",
    "NATIONAL",
    "RULE_CLASSES",
    "SUPERVISED_LEVELS",
    "eligibility_matrix",
    "eligible_pool",
    "headline_numbers",
    "national_pool",
    "nurse_or_aesthetician_states",
    "pool_by_type",
    "pool_row",
    "pool_shares",
    "rule_class",
    "synthetic_count_rows",
]

NATIONAL = "US"

SOURCE_SEP = " ; "  # between the citations of one ``source`` cell
Frame = pl.DataFrame | pl.LazyFrame


def lazy(frame: Frame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def pool_by_type(
    counts: Frame,
    rules: Frame,
    *,
    states: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Each (state, provider type) cell with its rule class and its count (null when not counted).

    Parameters
    ----------
    counts
        ``provider_counts`` rows: ``state, provider_type, count`` and optionally ``source``.
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).
    states
        The states to cover; default: those in ``rules``.

    Returns
    -------
    pl.DataFrame
        The :func:`eligibility_matrix` columns ``state, provider_type, may_inject, supervision,
        may_purchase, rule_class, eligible`` plus ``count`` (null: no count, i.e. unknown — never 0),
        ``counted`` (bool), ``count_source`` and ``synthetic`` (the count's source says synthetic).
    """
    matrix = eligibility_matrix(rules, states=states).lazy()
    c = lazy(counts)
    names = c.collect_schema().names()
    source = pl.col("source") if "source" in names else pl.lit(None, pl.String)
    c = c.select(*KEY, pl.col("count").cast(pl.Int64), source.alias("count_source"))
    return (
        matrix.select(*KEY, "may_inject", "supervision", "may_purchase", "rule_class", "eligible")
        .join(c, on=KEY, how="left", maintain_order="left")
        .with_columns(
            pl.col("count").is_not_null().alias("counted"),
            pl.col("count_source").str.contains("(?i)synthetic").fill_null(False).alias("synthetic"),
        )
        .collect()
    )


def people(condition: pl.Expr) -> pl.Expr:
    """Aggregation: the counted people in the cells matching ``condition``.

    0 when no cell matches (a true zero); null when cells match but none of them has a count
    (unknown, never zero). With some counted, it is the sum of those (a lower bound).
    """
    n_cells = condition.sum()
    n_counted = (condition & pl.col("count").is_not_null()).sum()
    return (
        pl.when((n_cells > 0) & (n_counted == 0))
        .then(pl.lit(None, pl.Int64))
        .otherwise(pl.col("count").filter(condition).sum())
    )


def _class_total(cls: str | Sequence[str]) -> pl.Expr:
    """Aggregation: the people in rule class(es) ``cls`` (see :func:`_people`)."""
    return people(pl.col("rule_class").is_in([cls] if isinstance(cls, str) else list(cls)))


def eligible_pool(
    counts: Frame,
    rules: Frame,
    states: Frame,
    *,
    weights: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """The eligible injector pool per state, split by rule class, and per 100,000 residents.

    Parameters
    ----------
    counts
        ``provider_counts`` rows: ``state, provider_type, count``.
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).
    states
        ``state, name, population_2020`` (e.g. :func:`analysis.reference.states`); one output row per state.
    weights
        Optional weight per eligible class (``independent``, ``supervised``, ``conditional``), e.g.
        ``{"supervised": 0.5}`` to count a supervised injector as half, ``{"conditional": 1}`` to bring the
        conditional class in; classes not named weigh 1, except ``conditional`` (0: outside the pool).
        ``unknown_rule`` and ``not_allowed`` cannot be weighted in: unknown is never eligible.

    Returns
    -------
    pl.DataFrame
        One row per state of ``states``, sorted by state, with ``state, name, population_2020`` and:

        - ``independent``, ``supervised``, ``conditional``: people per class (null: the class has
          types but none is counted);
        - ``eligible_pool``: their sum (null when no eligible type is counted) and
          ``eligible_pool_per_100k``; ``<class>_per_100k`` for each class;
        - ``weighted_pool`` and ``weighted_pool_per_100k`` (only with ``weights``);
        - ``unknown_rule``: people whose type's rule is unknown (not in the pool); ``not_allowed``;
        - ``types_may_inject``, ``unknown_rule_types``, ``uncounted_eligible_types`` (lists);
        - ``pool_complete``: every eligible type is counted (otherwise the pool is a lower bound).

    Raises
    ------
    ValueError
        ``weights`` names something other than an eligible class, or a negative weight.

    Examples
    --------
    >>> rules = pl.DataFrame({"state": ["AA", "AA"], "provider_type": ["physician", "aesthetician"],
    ...                       "may_inject": ["yes", "unknown"], "supervision": ["independent", "unknown"]})
    >>> counts = pl.DataFrame({"state": ["AA", "AA"], "provider_type": ["physician", "aesthetician"],
    ...                        "count": [30, 50]})
    >>> states = pl.DataFrame({"state": ["AA"], "name": ["A"], "population_2020": [10_000]})
    >>> eligible_pool(counts, rules, states).select("eligible_pool", "eligible_pool_per_100k", "unknown_rule").row(0)
    (30, 300.0, 50)
    """
    weights = dict(weights or {})
    bad = sorted(set(weights) - set(ELIGIBLE_CLASSES))
    if bad:
        raise ValueError(f"weights for {', '.join(bad)} are not allowed; weight only {', '.join(ELIGIBLE_CLASSES)}")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative")
    st = lazy(states).select("state", "name", pl.col("population_2020").cast(pl.Int64))
    state_list = st.select("state").collect()["state"].to_list()
    cells = pool_by_type(counts, rules, states=state_list).lazy()
    eligible = pl.col("rule_class").is_in(list(ELIGIBLE_CLASSES))
    per_state = cells.group_by("state").agg(
        *(_class_total(c).alias(c) for c in ELIGIBLE_CLASSES),
        _class_total(POOL_CLASSES).alias("eligible_pool"),
        _class_total("unknown_rule").alias("unknown_rule"),
        _class_total("not_allowed").alias("not_allowed"),
        types_where(eligible).alias("types_may_inject"),
        types_where(pl.col("rule_class") == "unknown_rule").alias("unknown_rule_types"),
        types_where(eligible & pl.col("count").is_null()).alias("uncounted_eligible_types"),
    )

    def per_100k(col: str) -> pl.Expr:
        return (pl.col(col) * 100_000 / pl.col("population_2020")).alias(f"{col}_per_100k")

    out = (
        st.join(per_state, on="state", how="left")
        .with_columns(pl.col("uncounted_eligible_types").list.len().eq(0).alias("pool_complete"))
        .with_columns(per_100k(c) for c in (*ELIGIBLE_CLASSES, "eligible_pool"))
    )
    if weights:
        # the conditional class is outside the pool unless a weight brings it in
        default = {c: (1.0 if c in POOL_CLASSES else 0.0) for c in ELIGIBLE_CLASSES}
        weighted = pl.sum_horizontal(pl.col(c) * weights.get(c, default[c]) for c in ELIGIBLE_CLASSES)
        out = out.with_columns(
            pl.when(pl.col("eligible_pool").is_null()).then(None).otherwise(weighted).alias("weighted_pool")
        ).with_columns(per_100k("weighted_pool"))
    return out.sort("state").collect()


def union_lists(col: str) -> pl.Expr:
    return pl.col(col).explode().drop_nulls().unique().sort().implode().alias(col)


def national_pool(pool: Frame) -> pl.DataFrame:
    """One ``"US"`` row from :func:`eligible_pool`: sums over the states, per 100k over their population.

    Parameters
    ----------
    pool
        The output of :func:`eligible_pool`.

    Returns
    -------
    pl.DataFrame
        The same columns, one row: counts are summed over states (null when null in every state); each
        per-100k figure divides by the population of the states where that figure is known; list
        columns are the union over states; ``pool_complete`` is true only if true in every state.
    """
    lf = lazy(pool)
    names = lf.collect_schema().names()
    count_cols = [
        c for c in (*ELIGIBLE_CLASSES, "eligible_pool", "weighted_pool", "unknown_rule", "not_allowed") if c in names
    ]
    rate_cols = [c for c in (*ELIGIBLE_CLASSES, "eligible_pool", "weighted_pool") if c in names]

    def total(col: str) -> pl.Expr:
        # null when the only states with people in this class are states where it is unknown
        unknown_only = pl.col(col).is_null().any() & (pl.col(col).fill_null(0) == 0).all()
        return pl.when(unknown_only).then(None).otherwise(pl.col(col).sum()).alias(col)

    def rate(col: str) -> pl.Expr:
        known_pop = pl.col("population_2020").filter(pl.col(col).is_not_null()).sum()
        unknown_only = pl.col(col).is_null().any() & (pl.col(col).fill_null(0) == 0).all()
        return (
            pl.when(unknown_only | (known_pop == 0))
            .then(None)
            .otherwise(pl.col(col).sum() * 100_000 / known_pop)
            .alias(f"{col}_per_100k")
        )

    return (
        lf.select(
            pl.lit(NATIONAL).alias("state"),
            pl.lit("United States").alias("name"),
            pl.col("population_2020").sum(),
            *(total(c) for c in count_cols),
            *(union_lists(c) for c in ("types_may_inject", "unknown_rule_types", "uncounted_eligible_types")),
            pl.col("pool_complete").all(),
            *(rate(c) for c in rate_cols),
        )
        .select(names)
        .collect()
    )


def state_row(frame: Frame, national: Any, *, state: str, what: str) -> dict[str, object]:
    """One state's row of a per-state frame as a dict, or ``national(frame)``'s single row for ``"US"``."""
    if state == NATIONAL:
        return national(frame).row(0, named=True)
    row = lazy(frame).filter(pl.col("state") == state).collect()
    if row.is_empty():
        raise ValueError(f"no {what} row for state {state!r}")
    return row.row(0, named=True)


def pool_row(pool: Frame, *, state: str) -> dict[str, object]:
    """The pool of one state as a dict, or the national aggregate for ``state == "US"``."""
    return state_row(pool, national_pool, state=state, what="pool")


def pool_shares(by_type: Frame, *, state: str) -> pl.DataFrame:
    """People per provider type and rule class, and each type's share of the eligible pool.

    Parameters
    ----------
    by_type
        The output of :func:`pool_by_type`.
    state
        A state code, or ``"US"`` to add up all states.

    Returns
    -------
    pl.DataFrame
        One row per provider type (in :data:`PROVIDER_TYPES` order): ``provider_type, label``, one
        column of people per rule class (0 where the type is not in that class; **null** when the type
        has no count), ``eligible`` (people in the eligible classes), ``counted`` (any count),
        ``states_eligible``, ``states_unknown`` (how many states put the type in an eligible class /
        under an unknown rule) and ``share_of_pool`` (``eligible`` / all counted eligible people; null
        when the type is not counted or the pool is empty).
    """
    lf = lazy(by_type)
    if state != NATIONAL:
        lf = lf.filter(pl.col("state") == state)
    eligible = pl.col("rule_class").is_in(list(POOL_CLASSES))
    counted = pl.col("count").is_not_null()

    def counted_people(condition: pl.Expr) -> pl.Expr:
        return pl.when(counted.any()).then(pl.col("count").filter(condition).sum()).otherwise(None)

    order = {t: i for i, t in enumerate(PROVIDER_TYPES)}
    shares = (
        lf.group_by("provider_type")
        .agg(
            *(counted_people(pl.col("rule_class") == c).alias(c) for c in RULE_CLASSES),
            counted_people(eligible).alias("eligible"),
            counted.any().alias("counted"),
            eligible.sum().cast(pl.Int64).alias("states_eligible"),
            (pl.col("rule_class") == "unknown_rule").sum().cast(pl.Int64).alias("states_unknown"),
        )
        .with_columns(
            (pl.col("eligible") / pl.col("eligible").sum()).alias("share_of_pool"),
            pl.col("provider_type")
            .replace_strict(PROVIDER_TYPE_LABELS, default=pl.col("provider_type"))
            .alias("label"),
            pl.col("provider_type").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("__order"),
        )
        .with_columns(
            pl.when(pl.col("share_of_pool").is_nan())
            .then(None)
            .otherwise(pl.col("share_of_pool"))
            .alias("share_of_pool")
        )
        .sort("__order")
        .drop("__order")
    )
    return shares.select(
        "provider_type",
        "label",
        *RULE_CLASSES,
        "eligible",
        "counted",
        "states_eligible",
        "states_unknown",
        "share_of_pool",
    ).collect()


def synthetic_count_rows(counts: Frame) -> pl.DataFrame:
    """Which count rows are synthetic: ``provider_type, rows, states`` for rows whose ``source`` says synthetic."""
    lf = lazy(counts)
    if "source" not in lf.collect_schema().names():
        return pl.DataFrame(schema={"provider_type": pl.String, "rows": pl.Int64, "states": pl.Int64})
    return (
        lf.filter(pl.col("source").str.contains("(?i)synthetic"))
        .group_by("provider_type")
        .agg(pl.len().cast(pl.Int64).alias("rows"), pl.col("state").n_unique().cast(pl.Int64).alias("states"))
        .sort("provider_type")
        .collect()
    )


# --- plain-English summary ---------------------------------------------------------------------------


def headline_numbers(
    pool: pl.DataFrame,
    burden: Mapping[str, Any],
    *,
    state: str,
    synthetic: bool,
    counts_rows: int,
) -> dict[str, Any]:
    """The report's headline numbers for :func:`analysis.report.summary.publish` (JSON-friendly).

    ``burden`` is the state's row of the supervision burden (:func:`analysis.supervision.burden_row`).
    """
    p = pool_row(pool, state=state)
    b = burden
    return {
        "state": state,
        "synthetic": synthetic,
        "eligible_pool_per_100k": p["eligible_pool_per_100k"],
        "eligible_pool": p["eligible_pool"],
        "pool_complete": p["pool_complete"],
        "types_may_inject": list(p["types_may_inject"] or []),
        "n_types_may_inject": len(p["types_may_inject"] or []),
        "types_unknown_rule": list(p["unknown_rule_types"] or []),
        "people_under_unknown_rules": p["unknown_rule"],
        "uncounted_eligible_types": list(p["uncounted_eligible_types"] or []),
        "supervised_per_physician": b["supervised_per_supervisor"],
        "counts_rows": counts_rows,
    }
