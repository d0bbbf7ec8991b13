"""Count active individual providers per state and provider type from the CMS NPPES NPI file.

The NPPES dissemination file (``npidata_pfile_YYYYMMDD-YYYYMMDD.csv``) has about 9 million rows,
330 columns and weighs about 10 GB; every field is double-quoted, empty ones as ``""``. Only 36 of
those columns matter here, so the file is read with column projection, in byte-range chunks (64 MB,
cut on a record boundary, read with one ``os.pread`` each): each chunk is parsed by polars and
reduced to row counts per distinct combination of six raw values (entity type, practice state and
country, deactivated yes/no, primary code, lone code) before the next one is parsed. Cleaning,
taxonomy mapping and classification then run once on those few thousand combinations instead of on
9 million rows. Memory stays bounded by the chunk size (peak RSS ~450 MiB, whatever the file
size), the caller gets byte-accurate progress, and the SHA-256 of the file is computed in a
reader thread from the very bytes that were counted (no second pass over 10 GB).

Rules (see :func:`classify`):

* individuals only: ``Entity Type Code == "1"`` (``"2"`` is an organisation; in the real file a
  deactivated NPI has a blank entity type, so it lands in ``entity_other``);
* active only: an ``NPI Deactivation Date`` means deactivated unless an ``NPI Reactivation Date``
  on or after it exists (dates are ``MM/DD/YYYY``);
* provider type from the taxonomy slot whose ``Healthcare Provider Primary Taxonomy Switch_n`` is
  ``Y`` (first such slot, n = 1..15); when no slot says ``Y`` but exactly one taxonomy code is
  present, that code is used (NPPES requires a primary, so a lone code is the primary in all but
  name); the code is mapped through a ``taxonomy_code → provider_type`` frame;
* state from the *practice location* address (not the mailing address), trimmed and upper-cased,
  full state names turned into their USPS code; only the 50 states and DC are counted, a practice
  country other than ``US`` is outside too.

Every row read ends up in exactly one reason, so :attr:`NppesCounts.tally` reconciles::

    rows_read   = organisations + entity_other + individuals
    individuals = deactivated + no_primary_taxonomy + unmapped_taxonomy + outside_states + counted
    counted     = counts["count"].sum()
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from analysis.config import REFERENCE_FILES
from analysis.schemas import PROVIDER_TYPES

# --- the columns used ----------------------------------------------------------------------------

N_TAXONOMY_SLOTS = 15

COL_NPI = "NPI"
COL_ENTITY = "Entity Type Code"
COL_PRACTICE_STATE = "Provider Business Practice Location Address State Name"
COL_PRACTICE_COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
COL_DEACTIVATION = "NPI Deactivation Date"
COL_REACTIVATION = "NPI Reactivation Date"
COL_MAILING_STATE = "Provider Business Mailing Address State Name"  # named only to say it is NOT used


def taxonomy_code_column(n: int) -> str:
    """Name of the taxonomy code column of slot ``n`` (1..15)."""
    return f"Healthcare Provider Taxonomy Code_{n}"


def primary_switch_column(n: int) -> str:
    """Name of the primary-taxonomy switch column of slot ``n`` (1..15)."""
    return f"Healthcare Provider Primary Taxonomy Switch_{n}"


SLOTS = range(1, N_TAXONOMY_SLOTS + 1)

# File column -> short name used inside the query. Order is the order of scan_nppes' raw projection.
RENAME: dict[str, str] = {
    COL_NPI: "npi",
    COL_ENTITY: "entity_type",
    COL_PRACTICE_STATE: "practice_state_raw",
    COL_PRACTICE_COUNTRY: "practice_country_raw",
    COL_DEACTIVATION: "deactivation_raw",
    COL_REACTIVATION: "reactivation_raw",
    **{taxonomy_code_column(n): f"taxonomy_code_{n}" for n in SLOTS},
    **{primary_switch_column(n): f"primary_switch_{n}" for n in SLOTS},
}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(RENAME)

# --- states ----------------------------------------------------------------------------------------

STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
}  # fmt: skip
STATE_CODES: tuple[str, ...] = tuple(sorted(STATE_NAMES.values()))  # 50 states + DC

# --- reasons and tally -----------------------------------------------------------------------------

REASONS: tuple[str, ...] = (
    "organisation",
    "entity_other",
    "deactivated",
    "no_primary_taxonomy",
    "unmapped_taxonomy",
    "outside_states",
    "counted",
)
TALLY_KEYS: tuple[str, ...] = (
    "rows_read",
    "organisations",
    "entity_other",
    "individuals",
    "deactivated",
    "no_primary_taxonomy",
    "unmapped_taxonomy",
    "outside_states",
    "counted",
    "counted_via_single_code",  # informational: part of ``counted``, primary taken from a lone code
)

CHUNK_BYTES = 64 << 20  # per parse; peak memory is a small multiple of this (prefetch + parse)
_HEADER_PROBE_BYTES = 1 << 20  # the real header is ~12 KB
_BOUNDARY_WINDOW = 256 << 10  # a record is ~1.2 KB, so a chunk end is found in the last 256 KB
_PFILE_DATE = re.compile(r"npidata_pfile_(\d{8})-(\d{8})", re.IGNORECASE)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class NppesCounts:
    """Result of :func:`count_providers`.

    Attributes
    ----------
    counts
        ``state, provider_type, count, source, as_of`` and the fingerprint column
        (``source_sha256`` or ``source_fingerprint``) for the 50 states + DC, one row per
        combination that has at least one provider, sorted.
    tally
        Reconciliation numbers (see :data:`TALLY_KEYS` and the module docstring).
    excluded
        ``reason, state, provider_type, count`` for individuals that were not counted (e.g. the
        practice states outside the 50 + DC), so every exclusion can be inspected.
    source, as_of
        The file name and its date (ISO).
    fingerprint_column, fingerprint
        ``"source_sha256"`` and the SHA-256 of every byte of the file, or ``"source_fingerprint"``
        and the fast fingerprint (see :func:`fast_fingerprint`).
    """

    counts: pl.DataFrame
    tally: dict[str, int]
    excluded: pl.DataFrame
    source: str
    as_of: str
    fingerprint_column: str
    fingerprint: str

    @property
    def source_sha256(self) -> str | None:
        """The file's SHA-256, or None when only the fast fingerprint was computed."""
        return self.fingerprint if self.fingerprint_column == "source_sha256" else None

    def reconciles(self) -> bool:
        """True when the tally adds up (see the module docstring)."""
        return reconciliation_errors(self.tally, self.counts) == []


def reconciliation_errors(tally: dict[str, int], counts: pl.DataFrame) -> list[str]:
    """List the identities that do not hold; empty when the tally reconciles."""
    t = tally
    errors = []
    if t["rows_read"] != t["organisations"] + t["entity_other"] + t["individuals"]:
        errors.append("rows_read != organisations + entity_other + individuals")
    parts = ("deactivated", "no_primary_taxonomy", "unmapped_taxonomy", "outside_states", "counted")
    if t["individuals"] != sum(t[k] for k in parts):
        errors.append("individuals != " + " + ".join(parts))
    if t["counted"] != int(counts["count"].sum()):
        errors.append("counted != sum(counts.count)")
    if t["counted_via_single_code"] > t["counted"]:
        errors.append("counted_via_single_code > counted")
    return errors


# --- header checks -----------------------------------------------------------------------------------


def read_header(path: str | os.PathLike[str]) -> list[str]:
    """Read and check the header line of an NPPES file.

    Parameters
    ----------
    path
        The ``npidata_pfile_*.csv`` file.

    Returns
    -------
    list of str
        The column names, in file order.

    Raises
    ------
    ValueError
        One line saying why this is not an NPPES file: empty, compressed, not UTF-8, no header
        line, duplicate column names, or which required columns are missing.
    """
    path = Path(path)
    with path.open("rb") as f:
        probe = f.read(_HEADER_PROBE_BYTES)
    return _parse_header(probe, path.name)


def _header_end(probe: bytes) -> int:
    """Offset just past the header line (a file that is only a header may lack the newline); 0 if none."""
    end = probe.find(b"\n")
    if end == -1:
        return len(probe) + 1 if 0 < len(probe) < _HEADER_PROBE_BYTES else 0
    return end + 1


def _parse_header(probe: bytes, name: str) -> list[str]:
    if not probe:
        raise ValueError(f"{name}: the file is empty (expected the NPPES npidata_pfile CSV)")
    if probe[:2] == b"PK":
        raise ValueError(f"{name}: this is a ZIP archive; unzip it and pass the npidata_pfile_*.csv inside")
    if probe[:2] == b"\x1f\x8b":
        raise ValueError(f"{name}: this is a gzip file; decompress it first")
    end = _header_end(probe) - 1
    if end < 0:
        raise ValueError(f"{name}: no header line in the first {len(probe):,} bytes; not an NPPES CSV")
    try:
        line = probe[:end].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: the header is not UTF-8 (byte {exc.start}); not an NPPES CSV") from None
    if "\x00" in line:
        raise ValueError(f"{name}: the header holds NUL bytes; this is a binary file, not an NPPES CSV")
    columns = next(csv.reader(io.StringIO(line.rstrip("\r"))), [])
    columns = [c.strip() for c in columns]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ValueError(f"{name}: duplicate column names in the header: {', '.join(dupes)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in set(columns)]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:8]) + (f" … (+{len(missing) - 8} more)" if len(missing) > 8 else "")
        raise ValueError(
            f"{name}: not an NPPES npidata file: {len(missing)} of {len(REQUIRED_COLUMNS)} required columns missing: {shown}"
        )
    return columns


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


# --- taxonomy mapping ----------------------------------------------------------------------------------


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


# --- reading the file in chunks --------------------------------------------------------------------


def _last_record_end(data: bytes, start: int = 0) -> int:
    """Offset just past the last newline in ``data[start:]`` that is outside quotes, or 0.

    ``data`` begins on a record boundary, so a newline ends a record exactly when the number of
    quote characters before it is even (an escaped ``""`` adds two). Counting is done once and then
    adjusted while stepping back, so this is linear even for a chunk full of quoted newlines.
    """
    end = data.rfind(b"\n", start)
    if end == -1:
        return 0
    quotes = data.count(b'"', 0, end)
    while quotes % 2:
        prev = data.rfind(b"\n", start, end)
        if prev == -1:
            return 0
        quotes -= data.count(b'"', prev, end)
        end = prev
    return end + 1


def _last_record_start(probe: bytes) -> int:
    """Offset of the last ``\n"<digit>`` in ``probe`` (the newline's offset), or -1.

    In a file where every field is quoted and the first field is the NPI, ``\n"`` followed by a
    digit can only be a record start: inside a quoted field a quote is doubled (``\n""…``) and a
    closing quote is followed by a comma or a line end. This lets a chunk end be found from a small
    window at its end, without scanning (or copying) the whole chunk.
    """
    i = probe.rfind(b'\n"')
    while i != -1:
        if i + 2 < len(probe) and 48 <= probe[i + 2] <= 57:
            return i
        i = probe.rfind(b'\n"', 0, i)
    return -1


def _chunk_end(fd: int, start: int, target: int, size: int, name: str, chunk_bytes: int) -> int:
    """File offset of a record boundary in ``(start, target]`` (or later if a record is huge)."""
    window = _BOUNDARY_WINDOW
    while True:
        if target >= size:
            return size
        lo = max(start, target - window)
        probe = os.pread(fd, target - lo, lo)
        i = _last_record_start(probe)
        if i >= 0:
            return lo + i + 1
        if lo == start:
            break
        window *= 8
    # Not every field is quoted (a re-saved file?): fall back to quote parity over the whole span.
    limit = start + 8 * chunk_bytes
    while target < min(size, limit):
        cut = _last_record_end(os.pread(fd, target - start, start))
        if cut:
            return start + cut
        target += chunk_bytes
    if target >= size:
        return size
    raise ValueError(
        f"{name}: no record boundary within {target - start:,} bytes from byte {start:,}; unbalanced quotes, not a well-formed CSV"
    )


def _read_chunks(
    path: Path, start: int, chunk_bytes: int, hasher: hashlib._Hash | None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, bytes)`` of whole records from ``start`` to the end, hashing each in order.

    Each chunk is read once with ``os.pread`` at its exact length, so the bytes handed to polars
    are the only copy (no concatenation of a carried-over tail, no slicing).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        pos = start
        while pos < size:
            end = _chunk_end(fd, pos, pos + chunk_bytes, size, path.name, chunk_bytes)
            data = os.pread(fd, end - pos, pos)
            if len(data) != end - pos:
                raise ValueError(f"{path.name}: the file changed while it was being read (short read at byte {pos:,})")
            if hasher is not None:
                hasher.update(data)
            yield pos, data
            pos = end
    finally:
        os.close(fd)


def _prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Run ``items`` in a background thread, ``depth`` items ahead.

    Reading and hashing happen in Python (the GIL is released for file I/O and hashlib) while
    polars parses the previous chunk on its own threads.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def worker() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put((True, item))
            q.put((True, done))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer thread
            q.put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # release the file at once when the consumer stopped early
                close()

    thread = threading.Thread(target=worker, name="nppes-reader", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = q.get()
            if not ok:
                raise item
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a worker waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


def _polars_error(exc: Exception, name: str, start: int, end: int, encoding: str) -> ValueError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "utf-8" in message.lower() or "utf8" in message.lower():
        hint = "" if encoding != "utf8" else "; pass encoding='utf8-lossy' to replace invalid bytes"
        return ValueError(f"{name}: not valid UTF-8 within bytes {start:,}-{end:,}{hint}")
    return ValueError(f"{name}: could not parse bytes {start:,}-{end:,} as NPPES CSV: {message}")


def _chunk_keys(
    chunk: bytes, schema: dict[str, pl.DataType], *, encoding: str, single_code_fallback: bool
) -> pl.DataFrame:
    """Parse one chunk (36 columns projected) and count its rows per distinct :data:`KEY_COLUMNS`."""
    lf = pl.scan_csv(chunk, has_header=False, schema=schema, encoding=encoding, raise_if_empty=False)
    keys = row_keys(project(lf), single_code_fallback=single_code_fallback)
    # The streaming engine parses the chunk in morsels, so only the chunk's bytes are held whole.
    # (Measured on 64 MB chunks: same CPU time as the in-memory engine, same peak RSS.)
    return keys.group_by(KEY_COLUMNS).agg(pl.len().cast(pl.Int64).alias("n")).collect(engine="streaming")


def _merge_keys(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Sum per-chunk key counts into one frame (pure)."""
    empty = pl.DataFrame(
        schema={**{c: pl.String for c in KEY_COLUMNS}, "deactivated": pl.Boolean, "n": pl.Int64}
    ).select(*KEY_COLUMNS, "n")
    return pl.concat([empty, *parts]).group_by(KEY_COLUMNS).agg(pl.col("n").sum())


def fast_fingerprint(path: str | os.PathLike[str]) -> str:
    """A cheap identity for a big file: size, mtime and the SHA-256 of its first and last MiB.

    Returns ``"size=<bytes>;mtime_ns=<ns>;sha256_head_tail=<hex>"``. It tells two downloads apart
    in practice but, unlike the full SHA-256, does not prove the middle of the file is unchanged.
    """
    path = Path(path)
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        digest.update(f.read(1 << 20))
        if stat.st_size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
        digest.update(f.read(1 << 20))
    return f"size={stat.st_size};mtime_ns={stat.st_mtime_ns};sha256_head_tail={digest.hexdigest()}"


def file_as_of(path: Path) -> str:
    """The file's date: the end date in ``npidata_pfile_YYYYMMDD-YYYYMMDD``, else its mtime (UTC)."""
    m = _PFILE_DATE.search(path.name)
    if m:
        try:
            return datetime.strptime(m.group(2), "%Y%m%d").date().isoformat()
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def count_providers(
    path: str | os.PathLike[str],
    mapping: pl.DataFrame | pl.LazyFrame,
    *,
    progress: Progress | None = None,
    encoding: str = "utf8",
    single_code_fallback: bool = True,
    chunk_bytes: int = CHUNK_BYTES,
    fingerprint: str = "sha256",
) -> NppesCounts:
    """Count active individual providers per practice state and provider type.

    Parameters
    ----------
    path
        The ``npidata_pfile_*.csv`` file.
    mapping
        Frame with ``taxonomy_code, provider_type`` (see :func:`load_taxonomy_mapping`).
    progress
        Called as ``progress(bytes_done, bytes_total)`` at the start (0), after each chunk and at
        the end (``bytes_total``), from the calling thread.
    encoding
        ``"utf8"`` (strict: invalid bytes raise ``ValueError``) or ``"utf8-lossy"``.
    single_code_fallback
        Use a lone taxonomy code when no slot is flagged primary.
    chunk_bytes
        Bytes parsed per step; memory use is a small multiple of this.
    fingerprint
        ``"sha256"``: SHA-256 of every byte, computed from the chunks as they are read (about a
        quarter of the CPU time); column ``source_sha256``. ``"fast"``: :func:`fast_fingerprint`;
        column ``source_fingerprint``.

    Returns
    -------
    NppesCounts
        Counts for the 50 states + DC, the reconciliation tally, the excluded rows' breakdown and
        the file's name, date and fingerprint.

    Raises
    ------
    ValueError
        The file is empty, not UTF-8, not a CSV, or lacks NPPES columns (one-line message).

    Examples
    --------
    With a rich progress bar (what the CLI does)::

        from rich.progress import Progress, DownloadColumn, TransferSpeedColumn

        with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn()) as bar:
            task = bar.add_task("NPPES", total=None)
            result = count_providers(path, load_taxonomy_mapping(),
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
        write_counts(result, "provider_counts.parquet")
    """
    path = Path(path)
    name = path.name
    total = path.stat().st_size
    table = mapping_dict(mapping)
    if fingerprint not in ("sha256", "fast"):
        raise ValueError(f"fingerprint must be 'sha256' or 'fast', not {fingerprint!r}")
    hasher = hashlib.sha256() if fingerprint == "sha256" else None
    with path.open("rb") as f:
        first = f.read(_HEADER_PROBE_BYTES)
    header = _parse_header(first, name)
    header_end = min(_header_end(first), len(first))
    if hasher is not None:
        hasher.update(first[:header_end])
    schema = {column: pl.String for column in header}

    if progress:
        progress(0, total)
    parts: list[pl.DataFrame] = []
    for start, chunk in _prefetch(_read_chunks(path, header_end, chunk_bytes, hasher)):
        end = start + len(chunk)
        try:
            parts.append(_chunk_keys(chunk, schema, encoding=encoding, single_code_fallback=single_code_fallback))
        except pl.exceptions.PolarsError as exc:
            raise _polars_error(exc, name, start, end, encoding) from exc
        if len(parts) >= 16:  # keep the running totals small on a 150-chunk file
            parts = [_merge_keys(parts)]
        if progress:
            progress(end, total)
    if progress:
        progress(total, total)
    if hasher is not None:
        column, value = "source_sha256", hasher.hexdigest()
    else:
        column, value = "source_fingerprint", fast_fingerprint(path)
    return _assemble(_merge_keys(parts), table, name, file_as_of(path), column, value)


def _assemble(
    keys: pl.DataFrame, mapping: dict[str, str], source: str, as_of: str, fingerprint_column: str, fingerprint: str
) -> NppesCounts:
    """Classify the summed key counts and build counts, tally and excluded (pure)."""
    groups = summarise(classify(normalise(keys.lazy()), mapping), weight="n").collect()
    by_reason = dict(groups.group_by("reason").agg(pl.col("n").sum()).iter_rows())
    n = {r: int(by_reason.get(r, 0)) for r in REASONS}
    individual_reasons = REASONS[2:]
    tally = {
        "rows_read": sum(n.values()),
        "organisations": n["organisation"],
        "entity_other": n["entity_other"],
        "individuals": sum(n[r] for r in individual_reasons),
        "deactivated": n["deactivated"],
        "no_primary_taxonomy": n["no_primary_taxonomy"],
        "unmapped_taxonomy": n["unmapped_taxonomy"],
        "outside_states": n["outside_states"],
        "counted": n["counted"],
        "counted_via_single_code": int(groups.filter(pl.col("reason") == "counted", pl.col("single_code"))["n"].sum()),
    }
    counts = (
        groups.filter(pl.col("reason") == "counted")
        .group_by("state", "provider_type")
        .agg(pl.col("n").sum().alias("count"))
        .sort("state", "provider_type")
        .with_columns(
            pl.lit(source).alias("source"),
            pl.lit(as_of).alias("as_of"),
            pl.lit(fingerprint).alias(fingerprint_column),
        )
    )
    excluded = (
        groups.filter(pl.col("reason").is_in(individual_reasons[:-1]))
        .group_by("reason", "state", "provider_type")
        .agg(pl.col("n").sum().alias("count"))
        .sort("reason", "state", "provider_type", nulls_last=True)
    )
    result = NppesCounts(
        counts=counts,
        tally=tally,
        excluded=excluded,
        source=source,
        as_of=as_of,
        fingerprint_column=fingerprint_column,
        fingerprint=fingerprint,
    )
    errors = reconciliation_errors(tally, counts)
    if errors:  # cannot happen unless the query above is broken; fail loudly rather than mislead
        raise RuntimeError(f"NPPES tally does not reconcile: {'; '.join(errors)}")
    return result


# --- output ------------------------------------------------------------------------------------------


def write_counts(result: NppesCounts, out_path: str | os.PathLike[str]) -> Path:
    """Write ``result.counts`` to Parquet atomically (temp file in the same folder, then rename).

    The tally and the source's name, date and fingerprint go into the Parquet key-value metadata
    (``nppes_tally`` as JSON, ``source``, ``as_of`` and ``source_sha256`` or ``source_fingerprint``).

    Returns
    -------
    Path
        The written file.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "nppes_tally": json.dumps(result.tally),
        "source": result.source,
        "as_of": result.as_of,
        result.fingerprint_column: result.fingerprint,
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            result.counts.write_parquet(f, metadata=metadata)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)  # atomic on POSIX: readers see the old file or the new one, never half
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
