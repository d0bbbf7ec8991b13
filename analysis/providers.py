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

from analysis.schemas import PROVIDER_TYPE_LABELS, PROVIDER_TYPES, SUPERVISION_TEXT

__all__ = [
    "ELIGIBLE_CLASSES",
    "NATIONAL",
    "RULE_CLASSES",
    "SUPERVISED_LEVELS",
    "burden_row",
    "count_notes",
    "count_sources",
    "describe_burden",
    "describe_groups",
    "describe_pool",
    "eligibility_matrix",
    "eligible_pool",
    "headline_numbers",
    "national_burden",
    "national_pool",
    "nurse_or_aesthetician_states",
    "pool_by_type",
    "pool_row",
    "pool_shares",
    "rule_class",
    "rule_sources",
    "split_sources",
    "state_summary",
    "supervision_burden",
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
_SOURCE_SEP = " ; "

PURCHASE_PHRASES: dict[str, str] = {
    "yes": "{who} may buy the product on their own account",
    "conditional": "{who} may buy it only under conditions (prescriptive authority, a collaborative agreement or dental scope)",
    "no": "{who} may not buy it on their own account (it is ordered by a prescriber or medical director)",
    "unknown": "Whether {who} may buy it is unknown",
}
RELIABILITY_PHRASES: dict[str, str] = {
    "high": "a statute, rule or board text (high)",
    "med": "a health-law firm or trade association (med)",
    "low": "vendor, aggregator or national-summary pages (low)",
}
PROSE_LABELS: dict[str, str] = {  # plural, sentence-case names for narration
    "physician": "physicians (MD/DO)",
    "physician_assistant": "physician assistants",
    "nurse_practitioner": "nurse practitioners",
    "registered_nurse": "registered nurses",
    "licensed_practical_nurse": "LPNs/LVNs",
    "dentist": "dentists",
    "aesthetician": "aestheticians",
    "medical_assistant": "medical assistants",
}


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _label(provider_type: str) -> str:
    """The plural prose name of a provider type (``registered nurses``)."""
    return PROSE_LABELS.get(provider_type, PROVIDER_TYPE_LABELS.get(provider_type, provider_type))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


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
    rules: pl.DataFrame | pl.LazyFrame,
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
    lf = _lazy(rules)
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
    counts: pl.DataFrame | pl.LazyFrame,
    rules: pl.DataFrame | pl.LazyFrame,
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
    c = _lazy(counts)
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


def _people(condition: pl.Expr) -> pl.Expr:
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
    return _people(pl.col("rule_class").is_in([cls] if isinstance(cls, str) else list(cls)))


def _types_where(condition: pl.Expr) -> pl.Expr:
    return pl.col("provider_type").filter(condition)


def eligible_pool(
    counts: pl.DataFrame | pl.LazyFrame,
    rules: pl.DataFrame | pl.LazyFrame,
    states: pl.DataFrame | pl.LazyFrame,
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
    st = _lazy(states).select("state", "name", pl.col("population_2020").cast(pl.Int64))
    state_list = st.select("state").collect()["state"].to_list()
    cells = pool_by_type(counts, rules, states=state_list).lazy()
    eligible = pl.col("rule_class").is_in(list(ELIGIBLE_CLASSES))
    per_state = cells.group_by("state").agg(
        *(_class_total(c).alias(c) for c in ELIGIBLE_CLASSES),
        _class_total(ELIGIBLE_CLASSES).alias("eligible_pool"),
        _class_total("unknown_rule").alias("unknown_rule"),
        _class_total("not_allowed").alias("not_allowed"),
        _types_where(eligible).alias("types_may_inject"),
        _types_where(pl.col("rule_class") == "unknown_rule").alias("unknown_rule_types"),
        _types_where(eligible & pl.col("count").is_null()).alias("uncounted_eligible_types"),
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


def _union_lists(col: str) -> pl.Expr:
    return pl.col(col).explode().drop_nulls().unique().sort().implode().alias(col)


def national_pool(pool: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
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
    lf = _lazy(pool)
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
            *(_union_lists(c) for c in ("types_may_inject", "unknown_rule_types", "uncounted_eligible_types")),
            pl.col("pool_complete").all(),
            *(rate(c) for c in rate_cols),
        )
        .select(names)
        .collect()
    )


def _state_row(frame: pl.DataFrame | pl.LazyFrame, national: Any, *, state: str, what: str) -> dict[str, object]:
    """One state's row of a per-state frame as a dict, or ``national(frame)``'s single row for ``"US"``."""
    if state == NATIONAL:
        return national(frame).row(0, named=True)
    row = _lazy(frame).filter(pl.col("state") == state).collect()
    if row.is_empty():
        raise ValueError(f"no {what} row for state {state!r}")
    return row.row(0, named=True)


def pool_row(pool: pl.DataFrame | pl.LazyFrame, *, state: str) -> dict[str, object]:
    """The pool of one state as a dict, or the national aggregate for ``state == "US"``."""
    return _state_row(pool, national_pool, state=state, what="pool")


def pool_shares(by_type: pl.DataFrame | pl.LazyFrame, *, state: str) -> pl.DataFrame:
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
    lf = _lazy(by_type)
    if state != NATIONAL:
        lf = lf.filter(pl.col("state") == state)
    eligible = pl.col("rule_class").is_in(list(ELIGIBLE_CLASSES))
    counted = pl.col("count").is_not_null()

    def people(condition: pl.Expr) -> pl.Expr:
        return pl.when(counted.any()).then(pl.col("count").filter(condition).sum()).otherwise(None)

    order = {t: i for i, t in enumerate(PROVIDER_TYPES)}
    shares = (
        lf.group_by("provider_type")
        .agg(
            *(people(pl.col("rule_class") == c).alias(c) for c in RULE_CLASSES),
            people(eligible).alias("eligible"),
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


def nurse_or_aesthetician_states(rules: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
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
            _types_where(allowed).alias("delegates_may_inject"),
            _types_where(pl.col("eligible").not_()).alias("delegates_may_not"),
            _types_where(pl.col("eligible").is_null()).alias("delegates_unknown"),
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


def supervision_burden(
    counts: pl.DataFrame | pl.LazyFrame,
    rules: pl.DataFrame | pl.LazyFrame,
    *,
    supervisors: Sequence[str] = ("physician",),
) -> pl.DataFrame:
    """Supervised injectors per supervising physician, as implied by the counts.

    This is a ratio of head counts — how many people the rules put under supervision or delegation
    for each physician in the state — **not a legal limit** on how many people one physician may
    supervise (a few states set such limits for some arrangements; the rules table does not record
    them), and not a measure of how many physicians actually supervise injectors.

    Parameters
    ----------
    counts
        ``provider_counts`` rows: ``state, provider_type, count``.
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).
    supervisors
        Provider types counted as supervisors (default physicians only; some delegation rules also
        accept an NP or PA exam, pass ``("physician", "nurse_practitioner")`` to count NPs too).

    Returns
    -------
    pl.DataFrame
        One row per state in ``rules``: ``supervised`` (people in the ``supervised`` rule class; null
        when none of those types is counted), one column per level in :data:`SUPERVISED_LEVELS`,
        ``supervisors`` (null when no supervisor type is counted), ``supervised_per_supervisor``
        (``supervised / supervisors``; null when either is unknown or there are no supervisors) and
        ``uncounted_supervised_types`` (supervised types without a count: the ratio is then a lower bound).
    """
    cells = pool_by_type(counts, rules).lazy()
    supervised = pl.col("rule_class") == "supervised"
    is_sup = pl.col("provider_type").is_in(list(supervisors))

    return (
        cells.group_by("state")
        .agg(
            _people(supervised).alias("supervised"),
            *(_people(supervised & (pl.col("supervision") == lvl)).alias(lvl) for lvl in SUPERVISED_LEVELS),
            pl.when((is_sup & pl.col("count").is_not_null()).any())
            .then(pl.col("count").filter(is_sup).sum())
            .otherwise(None)
            .alias("supervisors"),
            _types_where(supervised & pl.col("count").is_null()).alias("uncounted_supervised_types"),
        )
        .with_columns(
            pl.when(pl.col("supervisors") > 0)
            .then(pl.col("supervised") / pl.col("supervisors"))
            .otherwise(None)
            .alias("supervised_per_supervisor")
        )
        .sort("state")
        .collect()
    )


def national_burden(burden: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One ``"US"`` row from :func:`supervision_burden`: sums over the states where both sides are counted."""
    lf = _lazy(burden)
    both = pl.col("supervised").is_not_null() & pl.col("supervisors").is_not_null()
    return (
        lf.select(
            pl.lit(NATIONAL).alias("state"),
            pl.col("supervised").filter(both).sum(),
            *(pl.col(lvl).filter(both).sum() for lvl in SUPERVISED_LEVELS),
            pl.col("supervisors").filter(both).sum(),
            _union_lists("uncounted_supervised_types"),
            both.sum().cast(pl.Int64).alias("states_counted"),
        )
        .with_columns(
            pl.when(pl.col("supervisors") > 0)
            .then(pl.col("supervised") / pl.col("supervisors"))
            .otherwise(None)
            .alias("supervised_per_supervisor")
        )
        .collect()
    )


def synthetic_count_rows(counts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Which count rows are synthetic: ``provider_type, rows, states`` for rows whose ``source`` says synthetic."""
    lf = _lazy(counts)
    if "source" not in lf.collect_schema().names():
        return pl.DataFrame(schema={"provider_type": pl.String, "rows": pl.Int64, "states": pl.Int64})
    return (
        lf.filter(pl.col("source").str.contains("(?i)synthetic"))
        .group_by("provider_type")
        .agg(pl.len().cast(pl.Int64).alias("rows"), pl.col("state").n_unique().cast(pl.Int64).alias("states"))
        .sort("provider_type")
        .collect()
    )


def split_sources(source: pl.Expr | str = "source") -> pl.Expr:
    """Expression: a ``source`` cell's URLs/citations as a list (the rules separate them with ``" ; "``)."""
    expr = pl.col(source) if isinstance(source, str) else source
    return (
        expr.str.split(_SOURCE_SEP)
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def rule_sources(rules: pl.DataFrame | pl.LazyFrame, *, state: str, limit: int | None = None) -> pl.DataFrame:
    """The sources behind one state's rules (or all states' for ``"US"``), most-cited first.

    Returns
    -------
    pl.DataFrame
        ``source`` (one URL or citation), ``provider_types`` (the types whose rows cite it),
        ``rows`` (how many rule rows cite it), ``as_of`` (latest date of those rows), sorted by
        ``rows`` descending then ``source``; at most ``limit`` rows.
    """
    lf = _lazy(rules)
    if state != NATIONAL:
        lf = lf.filter(pl.col("state") == state)
    out = (
        lf.select("provider_type", "as_of", split_sources().alias("source"))
        .explode("source")
        .drop_nulls("source")
        .group_by("source")
        .agg(
            pl.col("provider_type").unique().sort().alias("provider_types"),
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("as_of").max(),
        )
        .sort(["rows", "source"], descending=[True, False])
    )
    if limit is not None:
        out = out.head(limit)
    return out.collect()


# --- plain-English summary ---------------------------------------------------------------------------


def _state_sentences(m: pl.DataFrame, name: str) -> list[tuple[str, str, list[str]]]:
    rows = m.to_dicts()
    by_class: dict[str, list[dict]] = {c: [r for r in rows if r["rule_class"] == c] for c in RULE_CLASSES}
    sentences: list[tuple[str, str, list[str]]] = []

    def src(items: list[dict]) -> list[str]:
        return sorted({s.strip() for r in items for s in (r["source"] or "").split(_SOURCE_SEP) if s.strip()})

    def names(items: list[dict], *, cond: bool = False) -> str:
        return _join_words(
            [
                _label(r["provider_type"])
                + (" (conditions apply; see the notes)" if cond and r["may_inject"] == "conditional" else "")
                for r in items
            ]
        )

    eligible = [r for r in rows if r["rule_class"] in ELIGIBLE_CLASSES]
    sentences.append(
        (
            "who_may_inject",
            f"In {name}, {len(eligible)} of the {len(rows)} provider types checked may inject cosmetic botulinum toxin"
            + (f": {names(eligible)}." if eligible else "."),
            src(eligible),
        )
    )
    if by_class["independent"]:
        sentences.append(
            (
                "who_may_inject",
                f"Without a supervising physician: {names(by_class['independent'], cond=True)}.",
                src(by_class["independent"]),
            )
        )
    if by_class["supervised"]:
        sentences.append(
            (
                "who_may_inject",
                f"Only under physician supervision or delegation: {names(by_class['supervised'])}.",
                src(by_class["supervised"]),
            )
        )
    if by_class["conditional"]:
        sentences.append(
            (
                "who_may_inject",
                f"Allowed, but the source states no supervision level (conditions are in the notes): {names(by_class['conditional'])}.",
                src(by_class["conditional"]),
            )
        )
    if by_class["not_allowed"]:
        sentences.append(
            ("who_may_inject", f"May not inject: {names(by_class['not_allowed'])}.", src(by_class["not_allowed"]))
        )
    unknown = by_class["unknown_rule"]
    sentences.append(
        (
            "who_may_inject",
            f"Unknown (no usable source; shown as unknown and never counted as allowed): {names(unknown)}."
            if unknown
            else "No provider type has an unknown rule here.",
            src(unknown),
        )
    )
    sup_rows = by_class["supervised"] + by_class["conditional"]
    if sup_rows:
        levels = list(dict.fromkeys(r["supervision"] for r in sup_rows))
        parts = [
            f"{names([r for r in sup_rows if r['supervision'] == lvl])}: {SUPERVISION_TEXT.get(lvl, lvl)}"
            for lvl in levels
        ]
        sentences.append(("who_must_supervise", "Who must supervise — " + "; ".join(parts) + ".", src(sup_rows)))
    else:
        sentences.append(
            ("who_must_supervise", "No provider type that may inject here needs a supervising physician.", [])
        )
    for value in PURCHASE_PHRASES:
        items = [r for r in rows if r["may_purchase"] == value]
        if items:
            sentences.append(("who_may_buy", _cap(PURCHASE_PHRASES[value].format(who=names(items))) + ".", src(items)))
    rel = {v: sum(1 for r in rows if r["reliability"] == v) for v in RELIABILITY_PHRASES}
    rel_text = _join_words(
        [f"{n} rest{'s' if n == 1 else ''} on {RELIABILITY_PHRASES[v]}" for v, n in rel.items() if n]
    )
    if rel_text:
        sentences.append(("source_strength", f"Of the {len(rows)} rules, {rel_text}.", []))
    return sentences


def _national_sentences(m: pl.DataFrame, n_states: int) -> list[tuple[str, str, list[str]]]:
    sentences: list[tuple[str, str, list[str]]] = []
    per_type = (
        m.group_by("provider_type")
        .agg(
            *((pl.col("rule_class") == c).sum().alias(c) for c in RULE_CLASSES),
            *((pl.col("supervision") == lvl).sum().alias(lvl) for lvl in SUPERVISED_LEVELS),
            *((pl.col("may_purchase") == v).sum().alias(f"buy_{v}") for v in PURCHASE_PHRASES),
        )
        .with_columns(
            pl.col("provider_type")
            .replace_strict({t: i for i, t in enumerate(PROVIDER_TYPES)}, default=99, return_dtype=pl.Int64)
            .alias("__o")
        )
        .sort("__o")
    )
    where = f"the {n_states} jurisdictions"
    parts = []
    for r in per_type.iter_rows(named=True):
        allowed = r["independent"] + r["supervised"] + r["conditional"]
        bits = [f"may inject in {allowed}"]
        if r["independent"]:
            bits.append(f"{r['independent']} of them without supervision")
        if r["not_allowed"]:
            bits.append(f"not in {r['not_allowed']}")
        if r["unknown_rule"]:
            bits.append(f"unknown in {r['unknown_rule']}")
        parts.append(f"{_label(r['provider_type'])} {', '.join(bits)}")
    sentences.append(("who_may_inject", f"Across {where}: " + "; ".join(parts) + ".", []))
    n_unknown = int(m["rule_class"].eq("unknown_rule").sum())
    sentences.append(
        (
            "who_may_inject",
            f"{n_unknown} of the {m.height} state × type rules are unknown (no usable source); they are shown as unknown and never counted as allowed.",
            [],
        )
    )
    sup_parts = []
    for r in per_type.iter_rows(named=True):
        levels = [(lvl, r[lvl]) for lvl in SUPERVISED_LEVELS if r[lvl]]
        unstated = r["conditional"]
        if not levels and not unstated:
            continue
        desc = [f"{n} {lvl.replace('_', ' ')}" for lvl, n in levels]
        if unstated:
            desc.append(f"{unstated} with no stated level")
        sup_parts.append(f"{_label(r['provider_type'])}: {', '.join(desc)}")
    sentences.append(
        (
            "who_must_supervise",
            "Supervision required where the type may inject (number of states; 'no stated level' means the source names none) — "
            + "; ".join(sup_parts)
            + "."
            if sup_parts
            else "No type needs a supervising physician anywhere.",
            [],
        )
    )
    buy_parts = []
    for r in per_type.iter_rows(named=True):
        desc = [f"{r[f'buy_{v}']} {v}" for v in PURCHASE_PHRASES if r[f"buy_{v}"]]
        buy_parts.append(f"{_label(r['provider_type'])}: {', '.join(desc)}")
    sentences.append(
        (
            "who_may_buy",
            "Who may buy the product on their own account (number of states yes / conditional / no / unknown) — "
            + "; ".join(buy_parts)
            + ".",
            [],
        )
    )
    rel = m.group_by("reliability").len()
    rel_n = dict(rel.iter_rows())
    rel_text = _join_words(
        [
            f"{rel_n[v]} rest{'s' if rel_n[v] == 1 else ''} on {RELIABILITY_PHRASES[v]}"
            for v in RELIABILITY_PHRASES
            if rel_n.get(v)
        ]
    )
    if rel_text:
        sentences.append(("source_strength", f"Of the {m.height} rules, {rel_text}.", []))
    return sentences


def state_summary(
    rules: pl.DataFrame | pl.LazyFrame,
    *,
    state: str,
    states: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """Plain-English sentences on who may inject, who must supervise and who may buy, with sources.

    Parameters
    ----------
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).
    state
        A state code, or ``"US"`` for counts over all states.
    states
        ``state, name`` to name the state (default: the code).

    Returns
    -------
    pl.DataFrame
        ``topic`` (``who_may_inject``, ``who_must_supervise``, ``who_may_buy``, ``source_strength``),
        ``text`` (one sentence, built only from the rules' values — not legal advice) and ``sources``
        (the URLs behind the sentence; empty for the national sentences, see :func:`rule_sources`).
        Text comes from data: escape it before rendering as Markdown or HTML.
    """
    m = eligibility_matrix(rules)
    if state == NATIONAL:
        sentences = _national_sentences(m, m["state"].n_unique())
    else:
        one = m.filter(pl.col("state") == state)
        if one.is_empty():
            raise ValueError(f"no rules for state {state!r}")
        name = state
        if states is not None:
            hit = _lazy(states).filter(pl.col("state") == state).select("name").collect()
            if hit.height:
                name = f"{hit.item()} ({state})"
        sentences = _state_sentences(one, name)
    return pl.DataFrame(
        sentences,
        schema={"topic": pl.String, "text": pl.String, "sources": pl.List(pl.String)},
        orient="row",
    )


def count_sources(counts: pl.DataFrame | pl.LazyFrame, *, state: str) -> pl.DataFrame:
    """Where one state's counts (or all counts, for ``"US"``) come from: ``source, provider_types, rows, as_of``."""
    lf = _lazy(counts)
    if state != NATIONAL:
        lf = lf.filter(pl.col("state") == state)
    return (
        lf.group_by("source")
        .agg(
            pl.col("provider_type").unique().sort().alias("provider_types"),
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("as_of").max(),
        )
        .sort(["rows", "source"], descending=[True, False])
        .collect()
    )


# --- narration: sentences built from the frames above (plain text; escape before rendering) ----------


def _fmt(value: float | None, spec: str | None = None) -> str:
    """A number for prose: whole numbers from 100 up, one or two decimals below (small NPPES extracts)."""
    if value is None:
        return "unknown"
    if spec is None:
        spec = ",.0f" if abs(value) >= 100 or value == 0 else (".1f" if abs(value) >= 1 else ".2f")
    return format(value, spec)


def _labels(types: Sequence[str] | None) -> str:
    return _join_words([_label(t) for t in types or []])


def count_notes(result: Any) -> list[tuple[str, str]]:
    """Notes on a loaded counts file (an :class:`analysis.io.LoadResult`): ``[(kind, text)]``, kind ``note``/``warning``."""
    notes: list[tuple[str, str]] = [("note", result.summary() + ".")]
    if result.n_rejected:
        first = result.rejects.row(0, named=True)
        notes.append(
            (
                "warning",
                f"{result.n_rejected:,} rows were rejected and left out; the first, row {first.get('source_row')}: {first.get('reason')}.",
            )
        )
    accepted = result.accepted
    if accepted.is_empty():
        notes.append(
            (
                "warning",
                f"No provider counts in {result.path.name}: the rules below are complete, but every pool, share and "
                "supervision ratio is unknown (not zero).",
            )
        )
        return notes
    missing = [t for t in PROVIDER_TYPES if t not in set(accepted["provider_type"].to_list())]
    if missing:
        notes.append(("note", f"No counts at all for {_labels(missing)}: they are shown as unknown, never as zero."))
    return notes


def describe_groups(groups: pl.DataFrame, *, state: str, states: pl.DataFrame) -> str:
    """Where nurses or aestheticians may inject vs only physicians and APPs (from :func:`nurse_or_aesthetician_states`)."""
    names = dict(states.select("state", "name").iter_rows())
    by_group = {g: sorted(frame["state"].to_list()) for (g,), frame in groups.group_by("group")}
    total = groups.height

    def listed(codes: list[str]) -> str:
        return _join_words([names.get(c, c) for c in codes])

    if state != NATIONAL:
        row = groups.filter(pl.col("state") == state).row(0, named=True)
        name = names.get(state, state)
        text = {
            "nurses_or_aestheticians": f"In {name}, besides physicians and APPs, {_labels(row['delegates_may_inject'])} may inject (under the conditions above).",
            "medical_assistants_only": f"In {name}, no nurse or aesthetician may inject, but {_labels(row['delegates_may_inject'])} may.",
            "physicians_and_apps_only": f"In {name}, only physicians and advanced practice providers (NPs, PAs) may inject: {_labels(row['delegates_may_not'])} may not.",
            "unknown": f"In {name}, no nurse, aesthetician or medical assistant is known to be allowed, but the rules for {_labels(row['delegates_unknown'])} are unknown.",
        }[row["group"]]
        if row["group"] != "unknown" and row["delegates_unknown"]:
            text += f" The rules for {_labels(row['delegates_unknown'])} are unknown."
        return text
    parts = [
        f"In {len(by_group.get('nurses_or_aestheticians', []))} of the {total} jurisdictions a registered nurse, LPN or aesthetician may inject."
    ]
    only = by_group.get("physicians_and_apps_only", [])
    if only:
        parts.append(
            f"In {len(only)} ({listed(only)}) only physicians and advanced practice providers (NPs, PAs) may; dentists are left aside, as their rules concern dental scope."
        )
    if by_group.get("medical_assistants_only"):
        codes = by_group["medical_assistants_only"]
        parts.append(f"In {len(codes)} ({listed(codes)}) only medical assistants may, of these delegates.")
    if by_group.get("unknown"):
        codes = by_group["unknown"]
        parts.append(
            f"In {len(codes)} ({listed(codes)}) no such delegate is known to be allowed and some rules are unknown."
        )
    return " ".join(parts)


def describe_pool(pool: pl.DataFrame, *, state: str) -> str:
    """The eligible pool of ``state`` (or the US) in words, with its rank among the states."""
    row = pool_row(pool, state=state)
    name = "the United States" if state == NATIONAL else row["name"]
    if row["eligible_pool"] is None:
        text = f"For {name} the eligible pool is unknown: none of the types that may inject has a count in this file."
    else:
        text = (
            f"In {name}, {row['eligible_pool']:,} counted people may inject: {_fmt(row['eligible_pool_per_100k'])} per 100,000 residents — "
            f"{_fmt(row['independent_per_100k'])} per 100k without a supervising physician, {_fmt(row['supervised_per_100k'])} "
            f"under physician supervision or delegation and {_fmt(row['conditional_per_100k'])} where the source states no supervision level."
        )
    if row["uncounted_eligible_types"] and row["eligible_pool"] is not None:
        where = " in some states" if state == NATIONAL else " here"
        text += f" {_cap(_labels(row['uncounted_eligible_types']))} may also inject{where} but have no count, so the pool is a lower bound."
    if row["unknown_rule_types"]:
        if row["unknown_rule"]:
            text += f" A further {row['unknown_rule']:,} counted people work under unknown rules ({_labels(row['unknown_rule_types'])}) and are not in the pool."
        else:
            text += f" The rules for {_labels(row['unknown_rule_types'])} are unknown; they are not in the pool."
    known = pool.filter(pl.col("eligible_pool_per_100k").is_not_null()).sort("eligible_pool_per_100k", descending=True)
    if known.height and row["eligible_pool"] is not None:
        if state == NATIONAL:
            hi, lo = known.row(0, named=True), known.row(-1, named=True)
            text += (
                f" Across the {known.height} states with counts it ranges from {_fmt(lo['eligible_pool_per_100k'])} per 100k ({lo['name']}) "
                f"to {_fmt(hi['eligible_pool_per_100k'])} ({hi['name']})."
            )
        elif state in known["state"].to_list():
            rank = known["state"].to_list().index(state) + 1
            text += f" That ranks {rank} of {known.height} (1 = most per resident)."
    return text


def burden_row(burden: pl.DataFrame | pl.LazyFrame, *, state: str) -> dict[str, object]:
    """The supervision burden of one state as a dict, or the national aggregate for ``"US"``."""
    return _state_row(burden, national_burden, state=state, what="supervision-burden")


def describe_burden(row: Mapping[str, Any], *, name: str, synthetic_supervisors: bool = False) -> str:
    """The supervision burden (a row of :func:`supervision_burden` / :func:`national_burden`) in words."""
    caveat = (
        " This is a ratio implied by head counts, not a legal limit on how many people one physician may supervise, "
        "and not everyone counted injects."
    )
    if row["supervised"] == 0 and not row["uncounted_supervised_types"]:
        return f"In {name} no type needs a supervising physician to inject, so the rules imply no supervision burden."
    if row["supervised"] is None or row["supervisors"] is None or row["supervised_per_supervisor"] is None:
        missing = "supervised injectors" if row["supervised"] is None else "physicians"
        return f"In {name} the supervision burden is unknown: the {missing} are not counted in this file."
    levels = _join_words([f"{row[lvl]:,} {lvl.replace('_', ' ')}" for lvl in SUPERVISED_LEVELS if row.get(lvl)])
    text = (
        f"In {name} the rules put {row['supervised']:,} counted people under physician supervision or delegation ({levels}) "
        f"against {row['supervisors']:,} physicians: {row['supervised_per_supervisor']:.1f} supervised injectors per physician."
        + caveat
    )
    if row["uncounted_supervised_types"]:
        text += f" {_cap(_labels(row['uncounted_supervised_types']))} may also inject under supervision but are not counted, so the ratio is a lower bound."
    if synthetic_supervisors:
        text += " The physician counts are synthetic in this data, so the ratio is an illustration."
    return text


def headline_numbers(
    pool: pl.DataFrame,
    burden: pl.DataFrame,
    *,
    state: str,
    synthetic: bool,
    counts_rows: int,
) -> dict[str, Any]:
    """The report's headline numbers for :func:`analysis.report.summary.publish` (JSON-friendly)."""
    p = pool_row(pool, state=state)
    b = burden_row(burden, state=state)
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
