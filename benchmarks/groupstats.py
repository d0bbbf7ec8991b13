"""Count, mean and quantiles of a money column for many groups at once: the pricing benchmark's polars side.

Kept in ``benchmarks/``, not in the package: the reports group a few thousand quotes at most, where
:func:`analysis.pricing.price_stats` (one ``group_by``) is instant; this is what the same statistics
take on a 10-million-row file (``make bench``).


A quantile needs each group's values in order. A hash ``group_by`` with ``quantile`` aggregations orders
every group separately, once per quantile; here one sort does it for all groups and all quantiles:

* each group key (categorical columns) is already a small integer, its physical code;
* each price is quoted in cents (a range's midpoint adds a half cent), so ``round(price * 10_000)`` is an
  exact integer "tick" count;
* codes and ticks packed into one unsigned 64-bit integer (codes in the high bits) sort into group order
  and, within a group, price order. A group's k-th smallest price is then one positional lookup, and
  its count and sum come from the run lengths of the sorted integers.

When the input does not fit that shape (a non-categorical key, a price with a fraction of a tick,
a negative price, more than 64 bits), the same statistics come from an ordinary ``group_by``. Both
paths give the same numbers (``tests/test_groupstats.py`` checks them against each other and against
hand-computed values); quantiles interpolate linearly, as numpy's and pandas' defaults do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from analysis.pricing import DEFAULT_QUANTILES, finite_values, summary_exprs

TICKS_PER_USD = 10_000  # a hundredth of a cent: whole cents and half-cent range midpoints are exact
_TICK_TOLERANCE = 1e-6  # |price * TICKS_PER_USD - ticks| above this: the price is not a whole tick


def group_stats_by_hash(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    by: Sequence[str],
    value: str,
    quantiles: Mapping[str, float] = DEFAULT_QUANTILES,
) -> pl.DataFrame:
    """n, mean and the named quantiles of the finite ``value`` per group, with one ``group_by``."""
    return finite_values(frame, value).group_by(list(by)).agg(summary_exprs(value, quantiles)).collect()


def group_stats(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    by: Sequence[str],
    value: str,
    quantiles: Mapping[str, float] = DEFAULT_QUANTILES,
) -> pl.DataFrame:
    """n, mean and the named quantiles of the finite ``value`` per group; row order is unspecified.

    One sort of packed integers when the keys are categorical and the values whole ticks (see the
    module docstring); otherwise :func:`group_stats_by_hash`. Keys keep their dtype; n is UInt32.
    """
    by = list(by)
    if not by:
        raise ValueError("group_stats needs at least one key column")
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    packed = _packed_values(lazy, schema, by, value)
    if packed is None:
        return group_stats_by_hash(lazy, by=by, value=value, quantiles=quantiles)

    ordered = packed.sort(in_place=True)
    groups = _group_runs(ordered)
    key_width = _KEY_WIDTH[len(by)]
    n = groups["n"]
    out = {c: _decode_key(groups["_key"], schema[c], key_width, len(by) - 1 - i, c) for i, c in enumerate(by)}
    out["n"] = n.cast(pl.UInt32)
    out["mean"] = _ticks_to_usd(groups["_tick_sum"]) / n
    for name, q in quantiles.items():
        out[name] = _quantile(ordered, groups["_start"], n, q)
    return pl.DataFrame(out)


# Bits per key code by number of keys: the ticks take the low 32 bits, the keys share the high 32.
# A tick count that does not fit in 32 bits fails the strict cast to UInt32; a key code that does not
# fit its width is caught after the read by the number of categories, which bounds every code.
_KEY_WIDTH = {1: 32, 2: 16, 3: 10, 4: 8}
_TICK_WIDTH = 32


def _packed_values(lazy: pl.LazyFrame, schema: pl.Schema, by: list[str], value: str) -> pl.Series | None:
    """The finite rows as packed UInt64 (key codes high, price ticks low), or None if they do not fit.

    Read, filter and pack are one lazy query, so the input is never held as separate columns.
    """
    if len(by) not in _KEY_WIDTH or not schema[value].is_numeric():
        return None
    if not all(isinstance(schema[c], pl.Categorical | pl.Enum) for c in by):
        return None
    width = _KEY_WIDTH[len(by)]
    scaled = pl.col(value).cast(pl.Float64) * TICKS_PER_USD
    ticks = scaled.round()
    packed = pl.lit(0, pl.UInt64)
    for column in by:
        packed = packed * (1 << width) + pl.col(column).to_physical().cast(pl.UInt64)
    packed = packed * (1 << _TICK_WIDTH) + ticks.cast(pl.UInt32).cast(pl.UInt64)
    try:
        # the largest distance from a whole tick rides along as a scalar column (broadcast, not stored)
        columns = (
            finite_values(lazy, value)
            .select(packed.alias("_packed"), (scaled - ticks).abs().max().alias("_off"))
            .collect()
        )
    except pl.exceptions.InvalidOperationError:  # a negative price, or one above 2**32 ticks
        return None
    # first(), not columns["_off"][0]: indexing would materialise the broadcast scalar, row by row
    if columns.height == 0 or columns.select(pl.col("_off").first()).item() > _TICK_TOLERANCE:
        return None
    # read after the collect: reading the file is what adds a Categorical's new categories
    if any(_category_count(schema[c]) > 1 << width for c in by):
        return None
    return columns["_packed"]


def _category_names(dtype: pl.DataType) -> pl.Series:
    """Every category of an Enum or Categorical dtype, indexed by physical code."""
    categories = dtype.categories
    return categories if isinstance(categories, pl.Series) else categories.to_series()


def _category_count(dtype: pl.DataType) -> int:
    return len(_category_names(dtype))


def _group_runs(ordered: pl.Series) -> pl.DataFrame:
    """Per group (in key order): its packed key, its row count, where it starts, and its sum of ticks.

    Equal packed integers are neighbours after the sort, so the run-length encoding of the sorted
    column is every (group, price) pair with its multiplicity: far fewer rows than the input.
    """
    runs = ordered.rle().struct.unnest()  # columns: len, value
    return (
        runs.lazy()
        .select(
            (pl.col("value") // (1 << _TICK_WIDTH)).alias("_key"),
            pl.col("len").cast(pl.UInt64).alias("len"),
            (pl.col("value") % (1 << _TICK_WIDTH)).alias("_ticks"),
        )
        .group_by("_key")
        .agg(pl.col("len").sum().alias("n"), (pl.col("len") * pl.col("_ticks")).sum().alias("_tick_sum"))
        .sort("_key")
        .with_columns((pl.col("n").cum_sum() - pl.col("n")).alias("_start"))
        .collect()
    )


def _ticks_to_usd(ticks: pl.Series) -> pl.Series:
    # divide by a column, not a scalar: polars turns ``series / 10_000`` into a multiplication by
    # 0.0001, which is not exact (147_700 * 0.0001 = 14.770000000000001, not 14.77)
    return ticks.cast(pl.Float64) / pl.repeat(float(TICKS_PER_USD), len(ticks), eager=True)


def _order_statistic(ordered: pl.Series, starts: pl.Series, ranks: pl.Series) -> pl.Series:
    """The ``ranks``-th smallest price (0-based) of each group, in USD."""
    return _ticks_to_usd(ordered.gather(starts + ranks) % (1 << _TICK_WIDTH))


def _quantile(ordered: pl.Series, starts: pl.Series, n: pl.Series, q: float) -> pl.Series:
    """Linear interpolation between the order statistics around (n - 1) * q, as numpy's default."""
    position = (n - 1).cast(pl.Float64) * q
    below = position.floor()
    low = _order_statistic(ordered, starts, below.cast(pl.UInt64))
    high = _order_statistic(ordered, starts, position.ceil().cast(pl.UInt64))
    return low + (position - below) * (high - low)


def _decode_key(keys: pl.Series, dtype: pl.DataType, width: int, position: int, name: str) -> pl.Series:
    """The key code ``position`` fields from the right of the packed group keys, as its categorical value."""
    codes = (keys // (1 << (width * position))) % (1 << width)
    return _category_names(dtype).gather(codes).cast(dtype).alias(name)
