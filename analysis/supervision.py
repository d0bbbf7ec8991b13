"""Supervision burden: how many people the state rules put under physician supervision, per physician.

A ratio of head counts from :func:`analysis.providers.pool_by_type` — **not a legal limit** on how many
people one physician may supervise, and not a count of physicians who actually supervise injectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from analysis.providers import (
    NATIONAL,
    SUPERVISED_LEVELS,
    Frame,
    lazy,
    people,
    pool_by_type,
    state_row,
    types_where,
    union_lists,
)


def supervision_burden(
    counts: Frame,
    rules: Frame,
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
            people(supervised).alias("supervised"),
            *(people(supervised & (pl.col("supervision") == lvl)).alias(lvl) for lvl in SUPERVISED_LEVELS),
            pl.when((is_sup & pl.col("count").is_not_null()).any())
            .then(pl.col("count").filter(is_sup).sum())
            .otherwise(None)
            .alias("supervisors"),
            types_where(supervised & pl.col("count").is_null()).alias("uncounted_supervised_types"),
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


def national_burden(burden: Frame) -> pl.DataFrame:
    """One ``"US"`` row from :func:`supervision_burden`: sums over the states where both sides are counted."""
    lf = lazy(burden)
    both = pl.col("supervised").is_not_null() & pl.col("supervisors").is_not_null()
    return (
        lf.select(
            pl.lit(NATIONAL).alias("state"),
            pl.col("supervised").filter(both).sum(),
            *(pl.col(lvl).filter(both).sum() for lvl in SUPERVISED_LEVELS),
            pl.col("supervisors").filter(both).sum(),
            union_lists("uncounted_supervised_types"),
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


def burden_row(burden: Frame, *, state: str) -> dict[str, object]:
    """The supervision burden of one state as a dict, or the national aggregate for ``"US"``."""
    return state_row(burden, national_burden, state=state, what="supervision-burden")
