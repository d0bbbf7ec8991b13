"""Who may inject cosmetic botulinum toxin, and how many such people there are, per state.

The state rules (``data/reference/state_rules.csv``, see :func:`analysis.reference.state_rules`) say,
per state and provider type, whether the type may inject (``may_inject``: yes / conditional / no /
unknown), under which supervision, and whether it may buy the product. Provider counts (a
``provider_counts`` table: published counts, an NPPES count from :mod:`analysis.nppes`, or the shipped
sample) say how many people of each type there are. This module combines the two.

Every (state, provider type) cell falls in exactly one **rule class** (:data:`RULE_CLASSES`):

``independent``
    may inject (``yes`` or ``conditional``) with supervision ``independent``: no supervising physician
    (physicians; NPs with full practice authority; dentists within their dental scope).
``supervised``
    may inject (``yes`` or ``conditional``) under a stated physician supervision or delegation level:
    ``physician_on_site``, ``physician_available`` or ``delegation_after_exam``.
``conditional``
    may inject, but the source states no supervision level (supervision ``unknown``): the conditions
    are only in ``notes`` (an agreement, a permit, a protocol).
``unknown_rule``
    ``may_inject`` is ``unknown``: no usable source. These people are **never** counted as eligible;
    they are reported separately so the reader sees how many people the unknowns cover.
``not_allowed``
    ``may_inject`` is ``no``.

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
ELIGIBLE_CLASSES: tuple[str, ...] = ("independent", "supervised", "conditional")
RULE_CLASSES: tuple[str, ...] = (*ELIGIBLE_CLASSES, "unknown_rule", "not_allowed")
SUPERVISED_LEVELS: tuple[str, ...] = ("physician_on_site", "physician_available", "delegation_after_exam")
# The delegates whose eligibility marks a state as "nurses or aestheticians may inject"; medical
# assistants are checked too, so that "physicians and APPs only" means nobody else may inject.
NURSE_AESTHETICIAN_TYPES: tuple[str, ...] = ("registered_nurse", "licensed_practical_nurse", "aesthetician")
OTHER_DELEGATE_TYPES: tuple[str, ...] = ("medical_assistant",)

_KEY = ["state", "provider_type"]
_RULE_COLUMNS = ("may_inject", "supervision", "may_purchase", "notes", "source", "as_of", "reliability")
SOURCE_SEP = " ; "  # between the citations of one ``source`` cell
Frame = pl.DataFrame | pl.LazyFrame


def lazy(frame: Frame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def rule_class() -> pl.Expr:
    """Expression: the rule class (see the module docstring) from ``may_inject`` and ``supervision``."""
    may = pl.col("may_inject")
    allowed = may.is_in(["yes", "conditional"])
    sup = pl.col("supervision")
    return (
        pl.when(may == "unknown")
        .then(pl.lit("unknown_rule"))
        .when(may == "no")
        .then(pl.lit("not_allowed"))
        .when(allowed & (sup == "independent"))
        .then(pl.lit("independent"))
        .when(allowed & sup.is_in(list(SUPERVISED_LEVELS)))
        .then(pl.lit("supervised"))
        .when(allowed)
        .then(pl.lit("conditional"))
        .otherwise(pl.lit("unknown_rule"))
        .alias("rule_class")
    )


def eligibility_matrix(
    rules: Frame,
    *,
    states: Sequence[str] | None = None,
    provider_types: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The full state × provider-type grid of the rules, with each cell's rule class.

    Parameters
    ----------
    rules
        ``state_rules`` rows: ``state, provider_type, may_inject, supervision`` and optionally
        ``may_purchase, notes, source, as_of, reliability``.
    states
        The grid's states; default: the states present in ``rules``.
    provider_types
        The grid's provider types; default: the types present in ``rules`` (in the order of
        :data:`analysis.schemas.PROVIDER_TYPES`). The shipped rules have all eight.

    Returns
    -------
    pl.DataFrame
        One row per (state, provider type), sorted by state then the order of ``provider_types``.
        Columns kept from ``rules``; a cell with no rule row becomes ``may_inject``, ``supervision``
        and ``may_purchase`` = ``"unknown"`` with the note ``"no rule row"``. Added: ``rule_class``
        (see the module docstring) and ``eligible`` (true for yes/conditional, false for no, **null**
        for unknown — unknown is never read as allowed).

    Examples
    --------
    >>> rules = pl.DataFrame({"state": ["TX"], "provider_type": ["registered_nurse"],
    ...                       "may_inject": ["conditional"], "supervision": ["delegation_after_exam"]})
    >>> m = eligibility_matrix(rules, provider_types=["registered_nurse", "aesthetician"])
    >>> m.select("provider_type", "rule_class", "eligible").rows()
    [('registered_nurse', 'supervised', True), ('aesthetician', 'unknown_rule', None)]
    """
    lf = lazy(rules)
    present = lf.collect_schema().names()
    lf = lf.with_columns(pl.lit(None, pl.String).alias(c) for c in _RULE_COLUMNS if c not in present)
    if states is None:
        states = lf.select(pl.col("state").unique()).collect()["state"].to_list()
    if provider_types is None:
        present = set(lf.select(pl.col("provider_type").unique()).collect()["provider_type"].to_list())
        provider_types = [t for t in PROVIDER_TYPES if t in present] + sorted(present - set(PROVIDER_TYPES))
    order = {t: i for i, t in enumerate(provider_types)}
    grid = pl.LazyFrame(
        [(s, t) for s in sorted(set(states)) for t in provider_types],
        schema={"state": pl.String, "provider_type": pl.String},
        orient="row",
    )
    filled = {
        "may_inject": pl.col("may_inject").fill_null("unknown"),
        "supervision": pl.col("supervision").fill_null("unknown"),
        "may_purchase": pl.col("may_purchase").fill_null("unknown"),
    }
    missing_row = pl.col("__has_rule").is_null()
    return (
        grid.join(lf.select(*_KEY, *_RULE_COLUMNS).with_columns(pl.lit(True).alias("__has_rule")), on=_KEY, how="left")
        .with_columns(
            **filled,
            notes=pl.when(missing_row).then(pl.lit("no rule row")).otherwise(pl.col("notes")),
        )
        .with_columns(
            rule_class(),
            pl.when(pl.col("may_inject") == "unknown")
            .then(pl.lit(None, pl.Boolean))
            .otherwise(pl.col("may_inject").is_in(["yes", "conditional"]))
            .alias("eligible"),
            pl.col("provider_type").replace_strict(order, return_dtype=pl.Int64).alias("__order"),
        )
        .sort("state", "__order")
        .select(*_KEY, *_RULE_COLUMNS, "rule_class", "eligible")
        .collect()
    )


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
    c = c.select(*_KEY, pl.col("count").cast(pl.Int64), source.alias("count_source"))
    return (
        matrix.select(*_KEY, "may_inject", "supervision", "may_purchase", "rule_class", "eligible")
        .join(c, on=_KEY, how="left", maintain_order="left")
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


def types_where(condition: pl.Expr) -> pl.Expr:
    return pl.col("provider_type").filter(condition)


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
        ``{"supervised": 0.5}`` to count a supervised injector as half; classes not named weigh 1.
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
        _class_total(ELIGIBLE_CLASSES).alias("eligible_pool"),
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
        weighted = pl.sum_horizontal(pl.col(c) * weights.get(c, 1.0) for c in ELIGIBLE_CLASSES)
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
    eligible = pl.col("rule_class").is_in(list(ELIGIBLE_CLASSES))
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


def nurse_or_aesthetician_states(rules: Frame) -> pl.DataFrame:
    """Which states let nurses or aestheticians inject, and which leave it to physicians and APPs.

    Physicians and the advanced practice providers (NPs, PAs) are not looked at; dentists are not
    either (their rules concern their own dental scope).

    Parameters
    ----------
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).

    Returns
    -------
    pl.DataFrame
        One row per state: ``state``, ``group`` and three lists of provider types among registered
        nurses, LPNs, aestheticians and medical assistants — ``delegates_may_inject`` (yes or
        conditional), ``delegates_may_not`` and ``delegates_unknown``. ``group`` is

        - ``nurses_or_aestheticians``: an RN, LPN or aesthetician may inject;
        - ``medical_assistants_only``: of these four, only medical assistants may inject;
        - ``physicians_and_apps_only``: all four are ``no``;
        - ``unknown``: none of the four is allowed, but at least one rule is unknown.
    """
    delegates = [*NURSE_AESTHETICIAN_TYPES, *OTHER_DELEGATE_TYPES]
    matrix = eligibility_matrix(rules, provider_types=delegates).lazy()
    allowed = pl.col("eligible").fill_null(False)
    nurse_aesth = pl.col("provider_type").is_in(list(NURSE_AESTHETICIAN_TYPES))
    return (
        matrix.group_by("state")
        .agg(
            types_where(allowed).alias("delegates_may_inject"),
            types_where(pl.col("eligible").not_()).alias("delegates_may_not"),
            types_where(pl.col("eligible").is_null()).alias("delegates_unknown"),
            (allowed & nurse_aesth).any().alias("__nurse"),
            allowed.any().alias("__any"),
            pl.col("eligible").is_null().any().alias("__unknown"),
        )
        .with_columns(
            pl.when("__nurse")
            .then(pl.lit("nurses_or_aestheticians"))
            .when("__any")
            .then(pl.lit("medical_assistants_only"))
            .when("__unknown")
            .then(pl.lit("unknown"))
            .otherwise(pl.lit("physicians_and_apps_only"))
            .alias("group")
        )
        .select("state", "group", "delegates_may_inject", "delegates_may_not", "delegates_unknown")
        .sort("state")
        .collect()
    )


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
