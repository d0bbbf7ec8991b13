"""Sentences every report shares: the synthetic-data notice."""

from __future__ import annotations

import polars as pl

from analysis.narrate.text import md
from analysis.sources import synthetic_rows


def synthetic_notice(*frames: pl.DataFrame, what: str = "data") -> str:
    """Markdown for the synthetic banner when any row of ``frames`` is synthetic; ``""`` otherwise."""
    synthetic = sum(synthetic_rows(f) for f in frames)
    if not synthetic:
        return ""
    total = sum(f.height for f in frames)
    return (
        f"**Synthetic sample data.** {synthetic:,} of {total:,} rows of the {md(what)} are generated, not observed: "
        "the numbers show how the analysis works, not what the market charges. "
        "Bring your own file to analyse real observations."
    )
