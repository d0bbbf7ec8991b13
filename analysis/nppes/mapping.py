"""The NUCC taxonomy code → provider type table: loading it and checking it into a dict."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from analysis.config import REFERENCE_FILES
from analysis.nppes.rules import _blank_to_null
from analysis.schemas import PROVIDER_TYPES


def load_taxonomy_mapping(path: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Read the NUCC taxonomy → provider type table.

    Parameters
    ----------
    path
        CSV with at least ``taxonomy_code, provider_type``; defaults to
        ``data/reference/nucc_taxonomy_provider_types.csv``.

    Returns
    -------
    pl.DataFrame
        The file, all columns as String.

    Raises
    ------
    FileNotFoundError
        The file does not exist (yet).
    ValueError
        The required columns are missing.
    """
    path = Path(path) if path is not None else REFERENCE_FILES["taxonomy"]
    if not path.exists():
        raise FileNotFoundError(f"taxonomy mapping not found: {path} (columns taxonomy_code, provider_type)")
    frame = pl.read_csv(path, infer_schema=False)
    missing = [c for c in ("taxonomy_code", "provider_type") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name}: taxonomy mapping lacks column(s) {', '.join(missing)}")
    return frame


def mapping_dict(mapping: pl.DataFrame | pl.LazyFrame) -> dict[str, str]:
    """Turn a ``taxonomy_code, provider_type`` frame into a checked dict.

    Codes are trimmed and upper-cased; rows with an empty provider type mean "not mapped" and are
    dropped. Raises ``ValueError`` for a missing column, a provider type outside
    :data:`analysis.schemas.PROVIDER_TYPES`, or a code mapped to two types.
    """
    if isinstance(mapping, pl.LazyFrame):
        mapping = mapping.collect()
    missing = [c for c in ("taxonomy_code", "provider_type") if c not in mapping.columns]
    if missing:
        raise ValueError(f"taxonomy mapping lacks column(s) {', '.join(missing)}")
    pairs = (
        mapping.select(
            _blank_to_null(pl.col("taxonomy_code").cast(pl.String)).str.to_uppercase().alias("code"),
            _blank_to_null(pl.col("provider_type").cast(pl.String)).alias("type"),
        )
        .drop_nulls()
        .unique()
    )
    unknown = sorted(set(pairs["type"]) - set(PROVIDER_TYPES))
    if unknown:
        raise ValueError(f"taxonomy mapping has provider types outside PROVIDER_TYPES: {', '.join(unknown)}")
    conflicts = pairs.filter(pl.col("code").is_duplicated())["code"].unique().sort().to_list()
    if conflicts:
        raise ValueError(f"taxonomy mapping gives several provider types to: {', '.join(conflicts[:10])}")
    return dict(zip(pairs["code"], pairs["type"], strict=True))
