"""Where a report's rules and counts come from: one row per cited source, most-cited first."""

from __future__ import annotations

import polars as pl

from analysis.providers import NATIONAL, SOURCE_SEP, Frame, lazy


def split_sources(source: pl.Expr | str = "source") -> pl.Expr:
    """Expression: a ``source`` cell's URLs/citations as a list (the rules separate them with ``" ; "``)."""
    expr = pl.col(source) if isinstance(source, str) else source
    return (
        expr.str.split(SOURCE_SEP)
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def rule_sources(rules: Frame, *, state: str, limit: int | None = None) -> pl.DataFrame:
    """The sources behind one state's rules (or all states' for ``"US"``), most-cited first.

    Returns
    -------
    pl.DataFrame
        ``source`` (one URL or citation), ``provider_types`` (the types whose rows cite it),
        ``rows`` (how many rule rows cite it), ``as_of`` (latest date of those rows), sorted by
        ``rows`` descending then ``source``; at most ``limit`` rows.
    """
    lf = lazy(rules)
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


def count_sources(counts: Frame, *, state: str) -> pl.DataFrame:
    """Where one state's counts (or all counts, for ``"US"``) come from: ``source, provider_types, rows, as_of``."""
    lf = lazy(counts)
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


def synthetic_rows(frame: pl.DataFrame) -> int:
    """How many rows cite a synthetic source (the shipped generators write "synthetic" into ``source``)."""
    return int(frame["source"].str.contains("(?i)synthetic").sum()) if "source" in frame.columns else 0


def is_synthetic(*frames: pl.DataFrame) -> bool:
    """True when any row of any frame is synthetic: its report must then show the synthetic-data banner."""
    return any(synthetic_rows(f) for f in frames)
