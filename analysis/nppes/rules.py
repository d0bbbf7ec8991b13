"""The counting rules as pure polars expressions on LazyFrames: projection, row keys, cleaning, classification.

Nothing here reads a file except :func:`scan_nppes`, which builds a lazy scan; :mod:`analysis.nppes.counts`
applies the same functions to chunks.
"""

from __future__ import annotations

import os

import polars as pl

from analysis import states
from analysis.nppes.columns import RENAME, SLOTS
from analysis.nppes.header import read_header

# --- states ----------------------------------------------------------------------------------------
# From the one list (analysis.states, data/reference/states.csv). NPPES writes the practice state as a
# USPS code almost always, sometimes as the full name: :func:`normalise` trims and upper-cases it and
# turns an exact full name into its code. Other spellings ("N.Y.", "Calif.", "New  York") are left as
# written, so they fall outside the 50 states + DC; the wider alias lookup of analysis.states is not used.

STATE_NAMES: dict[str, str] = {name.upper(): code for code, name in states.state_names().items()}
STATE_CODES: tuple[str, ...] = states.state_codes()  # 50 states + DC, sorted

# --- the lazy query (pure functions of LazyFrames) ------------------------------------------------
#
# The work is split so that the per-row part is as cheap as possible: ``row_keys`` reduces each row
# to six raw values (no trimming, upper-casing or mapping), the counter groups rows by them, and
# ``normalise`` + ``classify`` then run on a few thousand distinct key combinations instead of
# millions of rows. ``prepare`` applies the same two steps per row for ``scan_nppes``; a test checks
# both paths agree. (Measured: 3x less CPU for the query than cleaning every row.)

KEY_COLUMNS: tuple[str, ...] = (
    "entity_type_raw",
    "practice_state_raw",
    "practice_country_raw",
    "deactivated",
    "switch_code_raw",
    "lone_code_raw",
)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    # NPPES quotes empty fields as "", which polars reads as an empty string, not null.
    stripped = expr.str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def project(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Keep the 36 required columns and give them short names (``npi``, ``taxonomy_code_3``, …)."""
    return lf.select([pl.col(src).alias(dst) for src, dst in RENAME.items()])


def _dates() -> tuple[pl.Expr, pl.Expr]:
    fmt = "%m/%d/%Y"
    return (
        pl.col("deactivation_raw").str.strip_chars().str.to_date(fmt, strict=False),
        pl.col("reactivation_raw").str.strip_chars().str.to_date(fmt, strict=False),
    )


def _deactivated() -> pl.Expr:
    deact, react = _dates()
    # Any non-empty deactivation date deactivates (even an unparsable one); a reactivation on or
    # after it undoes that. A reactivation *before* the deactivation means deactivated again.
    has_deact = pl.col("deactivation_raw").str.strip_chars().str.len_bytes() > 0
    return has_deact & ~(react >= deact).fill_null(False)


def _row_key_exprs(single_code_fallback: bool) -> list[pl.Expr]:
    codes = [pl.col(f"taxonomy_code_{n}") for n in SLOTS]
    present = [code.str.len_bytes() > 0 for code in codes]
    switches = [pl.col(f"primary_switch_{n}").is_in(["Y", "y"]) for n in SLOTS]
    by_switch = pl.coalesce(
        [pl.when(sw & ok).then(code) for sw, ok, code in zip(switches, present, codes, strict=True)]
    )
    if single_code_fallback:
        only = pl.coalesce([pl.when(ok).then(code) for ok, code in zip(present, codes, strict=True)])
        lone = pl.when(pl.sum_horizontal(present) == 1).then(only)
    else:
        lone = pl.lit(None, pl.String)
    return [
        pl.col("entity_type").alias("entity_type_raw"),
        pl.col("practice_state_raw"),
        pl.col("practice_country_raw"),
        _deactivated().alias("deactivated"),
        by_switch.alias("switch_code_raw"),
        lone.alias("lone_code_raw"),
    ]


def row_keys(lf: pl.LazyFrame, *, single_code_fallback: bool = True) -> pl.LazyFrame:
    """Reduce each projected row to the raw values its count depends on (:data:`KEY_COLUMNS`).

    ``switch_code_raw`` is the code of the first slot (1..15) whose primary switch is ``Y``;
    NPPES allows one primary, so a second ``Y`` would be a data error. ``lone_code_raw`` is the
    only code present when exactly one slot has a code (null when ``single_code_fallback`` is
    off). Values are left as written; :func:`normalise` cleans them.
    """
    return lf.select(_row_key_exprs(single_code_fallback))


def normalise(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Clean the raw key columns (per row or per distinct key; the frame may carry other columns).

    Adds ``entity_type``, ``practice_state`` (trimmed, upper-case, full names → USPS code),
    ``practice_country``, ``primary_taxonomy`` (upper-case) and ``taxonomy_rule``
    (``primary_switch`` / ``single_code`` / null) and drops the raw columns.
    """
    switch_code = _blank_to_null(pl.col("switch_code_raw"))
    lone_code = _blank_to_null(pl.col("lone_code_raw"))
    return lf.with_columns(
        _blank_to_null(pl.col("entity_type_raw")).alias("entity_type"),
        _blank_to_null(pl.col("practice_state_raw")).str.to_uppercase().replace(STATE_NAMES).alias("practice_state"),
        _blank_to_null(pl.col("practice_country_raw")).str.to_uppercase().alias("practice_country"),
        pl.coalesce(switch_code, lone_code).str.to_uppercase().alias("primary_taxonomy"),
        pl.when(switch_code.is_not_null())
        .then(pl.lit("primary_switch"))
        .when(lone_code.is_not_null())
        .then(pl.lit("single_code"))
        .alias("taxonomy_rule"),
    ).drop("entity_type_raw", "practice_state_raw", "practice_country_raw", "switch_code_raw", "lone_code_raw")


def prepare(lf: pl.LazyFrame, *, single_code_fallback: bool = True) -> pl.LazyFrame:
    """Per row: the cleaned, typed columns that :func:`classify` needs, plus NPI and dates.

    Parameters
    ----------
    lf
        Output of :func:`project` (all String).
    single_code_fallback
        When no slot has switch ``Y`` and exactly one code is present, use that code.

    Returns
    -------
    pl.LazyFrame
        ``npi, deactivation_date, reactivation_date, deactivated, entity_type, practice_state,
        practice_country, primary_taxonomy, taxonomy_rule``.
    """
    deact, react = _dates()
    typed = lf.select(
        pl.col("npi"),
        deact.alias("deactivation_date"),
        react.alias("reactivation_date"),
        *_row_key_exprs(single_code_fallback),
    )
    return normalise(typed)


def classify(lf: pl.LazyFrame, mapping: dict[str, str]) -> pl.LazyFrame:
    """Add ``provider_type``, ``in_states`` and ``reason`` (one of :data:`REASONS`) to :func:`normalise` output."""
    provider_type = pl.col("primary_taxonomy").replace_strict(mapping, default=None, return_dtype=pl.String)
    entity = pl.col("entity_type").fill_null("")
    country = pl.col("practice_country")
    # fill_null: a blank practice state must count as outside, not fall through to "counted"
    in_states = (pl.col("practice_state").is_in(STATE_CODES) & (country.is_null() | (country == "US"))).fill_null(False)
    reason = (
        pl.when(entity == "2")
        .then(pl.lit("organisation"))
        .when(entity != "1")
        .then(pl.lit("entity_other"))
        .when(pl.col("deactivated"))
        .then(pl.lit("deactivated"))
        .when(pl.col("primary_taxonomy").is_null())
        .then(pl.lit("no_primary_taxonomy"))
        .when(pl.col("provider_type").is_null())
        .then(pl.lit("unmapped_taxonomy"))
        .when(~pl.col("in_states"))
        .then(pl.lit("outside_states"))
        .otherwise(pl.lit("counted"))
    )
    return lf.with_columns(provider_type.alias("provider_type"), in_states.alias("in_states")).with_columns(
        reason.alias("reason")
    )


def summarise(lf: pl.LazyFrame, *, weight: str | None = None) -> pl.LazyFrame:
    """Reduce classified rows to ``reason, state, provider_type, single_code, n``.

    ``weight`` names a column of row counts (for input that is already grouped); without it each
    row counts once. State and provider type are dropped for non-individuals: they are not part
    of any count and keeping them would only multiply groups.
    """
    individual = ~pl.col("reason").is_in(["organisation", "entity_other"])
    n = pl.col(weight).sum() if weight else pl.len()
    return lf.group_by(
        "reason",
        pl.when(individual).then(pl.col("practice_state")).alias("state"),
        pl.when(individual).then(pl.col("provider_type")).alias("provider_type"),
        (pl.col("taxonomy_rule") == "single_code").fill_null(False).alias("single_code"),
    ).agg(n.cast(pl.Int64).alias("n"))


def scan_nppes(
    path: str | os.PathLike[str], *, encoding: str = "utf8", single_code_fallback: bool = True
) -> pl.LazyFrame:
    """Lazily scan an NPPES file: 36 columns projected, typed, primary taxonomy picked.

    The header is checked now (``ValueError`` if it is not an NPPES file); the body is read when
    the frame is collected. Collect with ``engine="streaming"`` to keep memory bounded, e.g.
    ``classify(scan_nppes(p), mapping).group_by(...).agg(...).collect(engine="streaming")``.

    Parameters
    ----------
    path
        The ``npidata_pfile_*.csv`` file.
    encoding
        ``"utf8"`` (strict) or ``"utf8-lossy"``.
    single_code_fallback
        See :func:`prepare`.

    Returns
    -------
    pl.LazyFrame
        See :func:`prepare` for the columns.
    """
    read_header(path)
    lf = pl.scan_csv(
        path,
        infer_schema=False,
        encoding=encoding,
        raise_if_empty=False,
        with_column_names=lambda names: [n.strip() for n in names],  # as read_header compares them
    )
    return prepare(project(lf), single_code_fallback=single_code_fallback)
