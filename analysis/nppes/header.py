"""Read and check the header line of an NPPES file (one-line ``ValueError`` when it is not one)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from analysis.nppes.columns import REQUIRED_COLUMNS

_HEADER_PROBE_BYTES = 1 << 20  # the real header is ~12 KB


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
            f"{name}: not an NPPES npidata file: "
            f"{len(missing)} of {len(REQUIRED_COLUMNS)} required columns missing: {shown}"
        )
    return columns
