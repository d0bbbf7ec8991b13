"""Who may inject cosmetic botulinum toxin in each state, from the state rules alone.

The state rules (``data/reference/state_rules.csv``, see :func:`analysis.reference.state_rules`) say,
per state and provider type, whether the type may inject (``may_inject``: yes / conditional / no /
unknown), under which supervision, and whether it may buy the product. Every (state, provider type)
cell falls in exactly one **rule class** (:data:`RULE_CLASSES`):

``independent``
    may inject (``yes``) with supervision ``independent``: no supervising physician (physicians; NPs with full
    practice authority).
``supervised``
    may inject (``yes`` or ``conditional``) under a stated physician supervision or delegation level:
    ``physician_on_site``, ``physician_available`` or ``delegation_after_exam``.
``conditional``
    may inject only under conditions the table cannot count: ``conditional`` without supervision (dentists within
    a dental treatment plan, not purely cosmetic), or a ``yes``/``conditional`` whose source states no supervision
    level (the conditions are only in ``notes``: an agreement, a permit, a protocol). **Not counted in the
    eligible pool** (:data:`POOL_CLASSES`); reported beside it.
``unknown_rule``
    ``may_inject`` is ``unknown``: no usable source. These people are **never** counted as eligible;
    they are reported separately so the reader sees how many people the unknowns cover.
``not_allowed``
    ``may_inject`` is ``no``.

How many people each class holds is :mod:`analysis.providers`' business.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from analysis.schemas import PROVIDER_TYPES

Frame = pl.DataFrame | pl.LazyFrame


ELIGIBLE_CLASSES: tuple[str, ...] = ("independent", "supervised", "conditional")  # may inject, in some way
POOL_CLASSES: tuple[str, ...] = ("independent", "supervised")  # counted in the eligible pool


RULE_CLASSES: tuple[str, ...] = (*ELIGIBLE_CLASSES, "unknown_rule", "not_allowed")


SUPERVISED_LEVELS: tuple[str, ...] = ("physician_on_site", "physician_available", "delegation_after_exam")


# The delegates whose eligibility marks a state as "nurses or aestheticians may inject"; medical
# assistants are checked too, so that "physicians and APPs only" means nobody else may inject.
NURSE_AESTHETICIAN_TYPES: tuple[str, ...] = ("registered_nurse", "licensed_practical_nurse", "aesthetician")


OTHER_DELEGATE_TYPES: tuple[str, ...] = ("medical_assistant",)


KEY = ["state", "provider_type"]


RULE_COLUMNS = ("may_inject", "supervision", "may_purchase", "notes", "source", "as_of", "reliability")


def types_where(condition: pl.Expr) -> pl.Expr:
    """Aggregation: the provider types of the cells matching ``condition``."""
    return pl.col("provider_type").filter(condition)


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
        .when((may == "yes") & (sup == "independent"))
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
    lf = rules.lazy()
    present = lf.collect_schema().names()
    lf = lf.with_columns(pl.lit(None, pl.String).alias(c) for c in RULE_COLUMNS if c not in present)
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
        grid.join(lf.select(*KEY, *RULE_COLUMNS).with_columns(pl.lit(True).alias("__has_rule")), on=KEY, how="left")
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
        .select(*KEY, *RULE_COLUMNS, "rule_class", "eligible")
        .collect()
    )


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


def state_answer(rules: Frame, *, state: str) -> pl.DataFrame:
    """One row per provider type for one state: may inject, supervision, prior exam, may buy product, the first
    source and its reliability — the providers report's answer box. The prior exam is known only where the
    supervision level is ``delegation_after_exam`` (a physician, NP or PA examines first); elsewhere it is not in
    the rules table, and the row says so rather than guessing."""
    order = {t: i for i, t in enumerate(PROVIDER_TYPES)}
    return (
        rules.lazy()
        .filter(pl.col("state") == state)
        .select(
            "provider_type",
            "may_inject",
            "supervision",
            pl.when(pl.col("supervision") == "delegation_after_exam")
            .then(pl.lit("required: a physician, NP or PA examines the patient first"))
            .when(pl.col("may_inject") == "no")
            .then(pl.lit("—"))
            .otherwise(pl.lit("not stated in the rules table"))
            .alias("prior_exam"),
            pl.col("may_purchase").fill_null("unknown"),
            pl.col("source").str.split(";").list.first().str.strip_chars().alias("first_source"),
            "reliability",
        )
        .collect()
        .sort(pl.col("provider_type").replace_strict(order, default=len(order)))
    )


def national_answer(rules: Frame) -> pl.DataFrame:
    """Per provider type, in how many states it may inject (yes / conditional / no / unknown)."""
    order = {t: i for i, t in enumerate(PROVIDER_TYPES)}
    return (
        rules.lazy()
        .group_by("provider_type")
        .agg(*(((pl.col("may_inject") == v).sum()).alias(v) for v in ("yes", "conditional", "no", "unknown")))
        .collect()
        .sort(pl.col("provider_type").replace_strict(order, default=len(order)))
    )
