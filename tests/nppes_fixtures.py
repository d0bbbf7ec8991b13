"""Synthetic NPPES NPI files for tests and benchmarks — never real data.

:func:`write_synthetic_nppes` writes a file in the exact layout of the CMS ``npidata_pfile_*.csv``
(the real 330-column header, every field double-quoted, empty ones as ``""``) with a fixed seed and
any size, by rows or by target bytes (2 GB in well under a minute: each batch's row choices are
numpy arrays and the lines are assembled by one polars ``concat_str`` per batch, not Python loops
over fields). Every individual's last name is ``SYNTHETIC`` and every organisation's legal name
starts with ``SYNTHETIC``, so a stray copy can never pass for the real file.

The rows mix what the counter must handle: individuals and organisations; NPIs deactivated the way
the real file shows them (blank entity type, everything but the NPI and dates empty); individuals
that are deactivated, reactivated later, reactivated on the same day or "reactivated" before their
(later) deactivation; 0 to 15 taxonomy codes with the primary switch ``Y`` in a random slot, no
``Y`` at all, or a lone code without a switch; codes the mapping does not know; practice locations
in the 50 states + DC (some lower-case, padded or spelled out), in territories (PR, GU, VI, …), abroad
(including ``WA`` in Australia) or blank; a mailing state that differs from the practice state;
organisation names with embedded quotes and commas.

The expected result is computed from the generator's own numpy choices (not by reading the file
back), in the same shape as :class:`analysis.nppes.NppesCounts`: ``expected_counts``
(``state, provider_type, count``) and ``expected_tally``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

# --- the real header, rebuilt from its documented layout --------------------------------------------
# (tests/test_nppes.py checks it against a verbatim copy of the CMS header.)

_LEADING = (
    "NPI", "Entity Type Code", "Replacement NPI", "Employer Identification Number (EIN)",
    "Provider Organization Name (Legal Business Name)", "Provider Last Name (Legal Name)",
    "Provider First Name", "Provider Middle Name", "Provider Name Prefix Text",
    "Provider Name Suffix Text", "Provider Credential Text", "Provider Other Organization Name",
    "Provider Other Organization Name Type Code", "Provider Other Last Name",
    "Provider Other First Name", "Provider Other Middle Name", "Provider Other Name Prefix Text",
    "Provider Other Name Suffix Text", "Provider Other Credential Text",
    "Provider Other Last Name Type Code",
    "Provider First Line Business Mailing Address", "Provider Second Line Business Mailing Address",
    "Provider Business Mailing Address City Name", "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Country Code (If outside U.S.)",
    "Provider Business Mailing Address Telephone Number", "Provider Business Mailing Address Fax Number",
    "Provider First Line Business Practice Location Address",
    "Provider Second Line Business Practice Location Address",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Country Code (If outside U.S.)",
    "Provider Business Practice Location Address Telephone Number",
    "Provider Business Practice Location Address Fax Number",
    "Provider Enumeration Date", "Last Update Date", "NPI Deactivation Reason Code",
    "NPI Deactivation Date", "NPI Reactivation Date", "Provider Sex Code",
    "Authorized Official Last Name", "Authorized Official First Name",
    "Authorized Official Middle Name", "Authorized Official Title or Position",
    "Authorized Official Telephone Number",
)  # fmt: skip
_TRAILING = (
    "Is Sole Proprietor", "Is Organization Subpart", "Parent Organization LBN",
    "Parent Organization TIN", "Authorized Official Name Prefix Text",
    "Authorized Official Name Suffix Text", "Authorized Official Credential Text",
)  # fmt: skip


def nppes_header() -> list[str]:
    """The 330 column names of the NPPES NPI file, in order."""
    taxonomy = _numbered(
        15,
        "Healthcare Provider Taxonomy Code",
        "Provider License Number",
        "Provider License Number State Code",
        "Healthcare Provider Primary Taxonomy Switch",
    )
    other_ids = _numbered(
        50,
        "Other Provider Identifier",
        "Other Provider Identifier Type Code",
        "Other Provider Identifier State",
        "Other Provider Identifier Issuer",
    )
    groups = _numbered(15, "Healthcare Provider Taxonomy Group")
    return [*_LEADING, *taxonomy, *other_ids, *_TRAILING, *groups, "Certification Date"]


def _numbered(count: int, *fields: str) -> list[str]:
    """``field_1`` for every field, then ``field_2`` …: how the NPI file numbers its repeated columns."""
    return [f"{field}_{n}" for n in range(1, count + 1) for field in fields]


def header_line(columns: list[str] | None = None) -> str:
    """The header as the real file writes it: every name double-quoted, no trailing newline."""
    return ",".join(f'"{c}"' for c in (columns or nppes_header()))


# --- the generator's own vocabulary ----------------------------------------------------------------

# taxonomy codes the default mapping knows (NUCC 25.1 codes; provider type per analysis.schemas)
FIXTURE_MAPPING = pl.DataFrame(
    {
        "taxonomy_code": [
            "207N00000X", "208200000X", "207Q00000X", "207R00000X", "363L00000X", "363LF0000X",
            "363A00000X", "163W00000X", "164W00000X", "122300000X", "1223S0112X",
        ],
        "provider_type": [
            "physician", "physician", "physician", "physician", "nurse_practitioner", "nurse_practitioner",
            "physician_assistant", "registered_nurse", "licensed_practical_nurse", "dentist", "dentist",
        ],
    }
)  # fmt: skip
# real codes the default mapping leaves out (chiropractor, physical therapist, pharmacist, counselor)
UNMAPPED_CODES = ("111N00000X", "225100000X", "183500000X", "101YM0800X")

_US_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
)  # fmt: skip
# (written state, written country, state it must count under or None when outside the 50 + DC, weight)
_OUTSIDE = (
    ("PR", "US", 0.006), ("GU", "US", 0.001), ("VI", "US", 0.001), ("AS", "", 0.0005),
    ("MP", "US", 0.0005), ("AE", "US", 0.001), ("AP", "", 0.0005), ("", "", 0.004),
    ("ONTARIO", "CA", 0.001), ("WA", "AU", 0.0005), ("BAYERN", "DE", 0.0005), ("", "GB", 0.0005),
)  # fmt: skip
_VARIANTS = (("ca", "CA"), (" tx ", "TX"), ("California", "CA"), ("District of Columbia", "DC"), ("ny", "NY"))


def _state_pool() -> tuple[list[str], list[str], list[str | None], np.ndarray]:
    written, country, expected, weight = [], [], [], []
    us_weights = np.linspace(1.0, 3.0, len(_US_CODES))  # unequal so a state mix-up changes counts
    us_share = 0.96
    for code, w in zip(_US_CODES, us_weights, strict=True):
        written.append(code)
        country.append("US" if len(written) % 3 else "")  # country is often blank for US rows
        expected.append(code)
        weight.append(us_share * w / us_weights.sum())
    for text, code in _VARIANTS:
        written.append(text)
        country.append("US")
        expected.append(code)
        weight.append(0.002)
    for text, ctry, w in _OUTSIDE:
        written.append(text)
        country.append(ctry)
        expected.append(None)
        weight.append(w)
    p = np.asarray(weight)
    return written, country, expected, p / p.sum()


_FIRST = ("ALEX", "SAM", "JORDAN", "TAYLOR", "MORGAN", "CASEY", "RILEY", "JAMIE", "AVERY", "QUINN")
_CITY = ("SPRINGFIELD", "RIVERSIDE", "FRANKLIN", "GREENVILLE", "BRISTOL", "CLINTON", "FAIRVIEW")
_STREET = ("100 MAIN ST", "2500 OAK AVE STE 300", "17 ELM ST", "4 PARK PLZ", "PO BOX 1234")
_ORG = ("SYNTHETIC CLINIC LLC #", 'SYNTHETIC "QUOTED", MEDICAL GROUP #', "SYNTHETIC MED SPA, PC #")
_CRED = ("MD", "DO", "NP", "PA-C", "RN", "LPN", "DDS", "")

_EPOCH_2005 = 12_784  # 2005-01-01 as days since 1970-01-01
_DAYS = 7_200


@dataclass(frozen=True)
class SyntheticNppes:
    """A written synthetic NPPES file and what counting it must give."""

    path: Path
    rows: int
    bytes: int
    seed: int
    expected_counts: pl.DataFrame  # state, provider_type, count (counted rows only, sorted)
    expected_tally: dict[str, int]


@dataclass
class _Batch:
    columns: dict[str, pl.Series]
    reason: np.ndarray  # index into _REASONS
    state: np.ndarray  # index into _US_CODES, -1 when outside
    ptype: np.ndarray  # index into provider types, -1 when unmapped / no code
    single_code: np.ndarray  # bool: primary came from a lone code without a switch


_REASONS = (
    "organisation",
    "entity_other",
    "deactivated",
    "no_primary_taxonomy",
    "unmapped_taxonomy",
    "outside_states",
    "counted",
)


def _dates(days: np.ndarray, present: np.ndarray) -> pl.Series:
    series = pl.Series(days.astype(np.int32)).cast(pl.Date).dt.strftime("%m/%d/%Y")
    return pl.select(pl.when(pl.Series(present)).then(series).otherwise(pl.lit(""))).to_series()


def _pick(pool: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(pool), dtype=pl.String).gather(pl.Series(idx.astype(np.int64)))


def _blank_unless(series: pl.Series, keep: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(keep)).then(series).otherwise(pl.lit(""))).to_series()


def _make_batch(
    rng: np.random.Generator, first_npi: int, n: int, codes: list[str], code_type: np.ndarray, pool
) -> _Batch:
    """Draw one batch of rows: choices in numpy, strings in polars, expectations from the choices."""
    written, country, expected, p_state = pool
    state_to_idx = {c: i for i, c in enumerate(_US_CODES)}
    exp_state_of_pool = np.array([state_to_idx[e] if e is not None else -1 for e in expected])

    kind = rng.choice(3, size=n, p=[0.74, 0.20, 0.06])  # 0 individual, 1 organisation, 2 blanked deactivated
    indiv, org, blanked = kind == 0, kind == 1, kind == 2
    full = ~blanked

    # --- deactivation: 0 active, 1 deactivated, 2 reactivated later, 3 reactivated before (re-deactivated), 4 same day
    status = rng.choice(5, size=n, p=[0.90, 0.04, 0.03, 0.02, 0.01])
    status[blanked] = 1
    deact_day = _EPOCH_2005 + rng.integers(0, _DAYS, size=n)
    gap = rng.integers(1, 900, size=n)
    react_day = np.select([status == 2, status == 3, status == 4], [deact_day + gap, deact_day - gap, deact_day], 0)
    has_deact = status != 0
    has_react = np.isin(status, (2, 3, 4))
    still_deactivated = (status == 1) | (status == 3)

    # --- taxonomy slots: k codes, contiguous from slot 1 (as NPPES fills them) or scattered
    k = rng.choice(16, size=n, p=np.array([3, 55, 22, 9, 4, 2, 1, 1, 0.6, 0.5, 0.4, 0.4, 0.3, 0.3, 0.25, 0.25]) / 100)
    k[blanked] = 0
    scattered = rng.random(n) < 0.2
    order = np.where(scattered[:, None], np.argsort(rng.random((n, 15)), axis=1), np.arange(15)[None, :])
    rank_of_slot = np.empty_like(order)
    np.put_along_axis(rank_of_slot, order, np.arange(15)[None, :].repeat(n, axis=0), axis=1)
    filled = rank_of_slot < k[:, None]
    code_idx = rng.integers(0, len(codes), size=(n, 15))
    # primary: a random filled slot gets Y; 6% of rows with codes have no Y at all
    no_switch = (rng.random(n) < 0.06) | (k == 0)
    primary_rank = (rng.random(n) * np.maximum(k, 1)).astype(np.int64)
    primary_slot = np.take_along_axis(order, primary_rank[:, None], axis=1)[:, 0]
    has_y = ~no_switch
    lone = no_switch & (k == 1)
    lone_slot = np.argmax(filled, axis=1)
    chosen_slot = np.where(has_y, primary_slot, np.where(lone, lone_slot, -1))
    chosen_code = np.where(chosen_slot >= 0, code_idx[np.arange(n), np.maximum(chosen_slot, 0)], -1)
    ptype = np.where(chosen_code >= 0, code_type[np.maximum(chosen_code, 0)], -1)

    # --- locations: practice state from the pool, mailing state independent of it
    s_idx = rng.choice(len(written), size=n, p=p_state)
    state = exp_state_of_pool[s_idx]
    mail_idx = rng.integers(0, len(_US_CODES), size=n)

    # --- expected reason, same precedence as the counter's documented rules
    reason = np.full(n, 6)
    reason[(state < 0) & indiv] = 5
    reason[(ptype < 0) & indiv] = 4
    reason[(chosen_code < 0) & indiv] = 3
    reason[still_deactivated & indiv] = 2
    reason[blanked] = 1
    reason[org] = 0

    # --- strings
    npi = pl.Series(np.arange(first_npi, first_npi + n, dtype=np.int64)).cast(pl.String)
    # CSV-escape embedded quotes the way the real file must: " becomes ""
    org_name = (_pick(_ORG, rng.integers(0, len(_ORG), size=n)) + npi.str.slice(6)).str.replace_all(
        '"', '""', literal=True
    )
    cols: dict[str, pl.Series] = {
        "NPI": npi,
        "Entity Type Code": _pick(("1", "2", ""), kind),
        "Provider Organization Name (Legal Business Name)": _blank_unless(org_name, org),
        "Provider Last Name (Legal Name)": _blank_unless(_pick(("SYNTHETIC",), np.zeros(n, int)), indiv),
        "Provider First Name": _blank_unless(_pick(_FIRST, rng.integers(0, len(_FIRST), size=n)), indiv),
        "Provider Credential Text": _blank_unless(_pick(_CRED, rng.integers(0, len(_CRED), size=n)), indiv),
        "Provider First Line Business Mailing Address": _blank_unless(
            _pick(_STREET, rng.integers(0, len(_STREET), size=n)), full
        ),
        "Provider Business Mailing Address City Name": _blank_unless(
            _pick(_CITY, rng.integers(0, len(_CITY), size=n)), full
        ),
        "Provider Business Mailing Address State Name": _blank_unless(_pick(_US_CODES, mail_idx), full),
        "Provider Business Mailing Address Postal Code": _blank_unless(
            pl.Series(rng.integers(10_000, 99_999, size=n)).cast(pl.String) + "0000", full
        ),
        "Provider Business Mailing Address Country Code (If outside U.S.)": _blank_unless(
            _pick(("US",), np.zeros(n, int)), full
        ),
        "Provider Business Mailing Address Telephone Number": _blank_unless(
            pl.Series(rng.integers(2_000_000_000, 9_999_999_999, size=n)).cast(pl.String), full
        ),
        "Provider First Line Business Practice Location Address": _blank_unless(
            _pick(_STREET, rng.integers(0, len(_STREET), size=n)), full
        ),
        "Provider Business Practice Location Address City Name": _blank_unless(
            _pick(_CITY, rng.integers(0, len(_CITY), size=n)), full
        ),
        "Provider Business Practice Location Address State Name": _blank_unless(_pick(written, s_idx), full),
        "Provider Business Practice Location Address Postal Code": _blank_unless(
            pl.Series(rng.integers(10_000, 99_999, size=n)).cast(pl.String), full
        ),
        "Provider Business Practice Location Address Country Code (If outside U.S.)": _blank_unless(
            _pick(country, s_idx), full
        ),
        "Provider Business Practice Location Address Telephone Number": _blank_unless(
            pl.Series(rng.integers(2_000_000_000, 9_999_999_999, size=n)).cast(pl.String), full
        ),
        "Provider Enumeration Date": _dates(_EPOCH_2005 + rng.integers(0, 300, size=n), full),
        "Last Update Date": _dates(_EPOCH_2005 + rng.integers(300, _DAYS, size=n), full),
        "NPI Deactivation Reason Code": _blank_unless(
            _pick(("DT", "DB", "OT", "FR"), rng.integers(0, 4, size=n)), has_deact & ~blanked
        ),
        "NPI Deactivation Date": _dates(deact_day, has_deact),
        "NPI Reactivation Date": _dates(react_day, has_react),
        "Provider Sex Code": _blank_unless(_pick(("F", "M"), rng.integers(0, 2, size=n)), indiv),
        "Authorized Official Last Name": _blank_unless(_pick(("SYNTHETIC",), np.zeros(n, int)), org),
        "Is Sole Proprietor": _blank_unless(_pick(("N", "Y", "X"), rng.integers(0, 3, size=n)), indiv),
        "Certification Date": _dates(_EPOCH_2005 + rng.integers(3000, _DAYS, size=n), full),
    }
    switch_text = np.where(rng.random((n, 15)) < 0.9, 1, 2)  # non-primary filled slots: N (or X)
    for slot in range(15):
        is_primary = has_y & (primary_slot == slot)
        sw = np.where(~filled[:, slot], 0, np.where(is_primary, 3, switch_text[:, slot]))
        cols[f"Healthcare Provider Taxonomy Code_{slot + 1}"] = _blank_unless(
            _pick(codes, code_idx[:, slot]), filled[:, slot]
        )
        cols[f"Provider License Number_{slot + 1}"] = _blank_unless(
            pl.Series(rng.integers(10_000, 999_999, size=n)).cast(pl.String), filled[:, slot]
        )
        cols[f"Provider License Number State Code_{slot + 1}"] = _blank_unless(
            _pick(_US_CODES, mail_idx), filled[:, slot]
        )
        cols[f"Healthcare Provider Primary Taxonomy Switch_{slot + 1}"] = _pick(("", "N", "X", "Y"), sw)
    state_out = np.where(reason == 6, state, -1)
    return _Batch(cols, reason, state_out, ptype, lone)


def _line_pieces(header: list[str], varying: set[str]) -> list[pl.Expr]:
    """The row as literal runs between value columns: ``"v1","","",...,"v2"`` → lit, col, lit, col …"""
    pieces: list[pl.Expr] = []
    text = '"'
    for i, name in enumerate(header):
        if i:
            text += '","'
        if name in varying:
            pieces.append(pl.lit(text))
            pieces.append(pl.col(name))
            text = ""
    pieces.append(pl.lit(text + '"'))
    return pieces


def write_synthetic_nppes(
    path: str | os.PathLike[str],
    *,
    rows: int | None = None,
    target_bytes: int | None = None,
    seed: int = 0,
    mapping: pl.DataFrame | None = None,
    batch_rows: int = 50_000,
    line_terminator: str = "\n",
) -> SyntheticNppes:
    """Write a synthetic NPPES file and return what counting it must give.

    Parameters
    ----------
    path
        Where to write (parent folders are created). A name like
        ``npidata_pfile_20050523-20251012.csv`` lets the counter read its date from the name.
    rows, target_bytes
        Size: exactly ``rows`` data rows, or whole batches until the file reaches ``target_bytes``
        (it may exceed it by up to one batch). Give one of them.
    seed
        Same seed, same arguments → byte-identical file.
    mapping
        ``taxonomy_code, provider_type`` used to compute the expected counts; default
        :data:`FIXTURE_MAPPING`. Codes drawn are its codes plus :data:`UNMAPPED_CODES`.
    batch_rows
        Rows generated per step (memory ≈ 1.5 KB × batch_rows × a few).
    line_terminator
        ``"\\n"`` or ``"\\r\\n"``.

    Returns
    -------
    SyntheticNppes
    """
    if (rows is None) == (target_bytes is None):
        raise ValueError("give exactly one of rows= or target_bytes=")
    mapping = FIXTURE_MAPPING if mapping is None else mapping
    # plain-dict lookup of the mapping, independent of analysis.nppes
    table = {
        str(c).strip().upper(): t for c, t in zip(mapping["taxonomy_code"], mapping["provider_type"], strict=True) if t
    }
    types = sorted(set(table.values()))
    codes = sorted(set(FIXTURE_MAPPING["taxonomy_code"]) | set(table)) + list(UNMAPPED_CODES)
    codes = list(dict.fromkeys(codes))
    code_type = np.array([types.index(table[c]) if c in table else -1 for c in codes])

    header = nppes_header()
    pool = _state_pool()
    rng = np.random.default_rng(seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    grid = np.zeros((len(_US_CODES), len(types)), dtype=np.int64)
    reasons = np.zeros(len(_REASONS), dtype=np.int64)
    single = 0
    written_rows = 0
    pieces = None
    with path.open("wb") as f:
        f.write((header_line(header) + line_terminator).encode())
        while True:
            n = batch_rows if rows is None else min(batch_rows, rows - written_rows)
            if n <= 0:
                break
            batch = _make_batch(rng, 1_000_000_000 + written_rows, n, codes, code_type, pool)
            if pieces is None:
                pieces = _line_pieces(header, set(batch.columns))
            frame = pl.DataFrame(batch.columns).select(pl.concat_str(pieces).alias("line"))
            frame.write_csv(f, include_header=False, quote_style="never", line_terminator=line_terminator)
            counted = batch.reason == 6
            np.add.at(grid, (batch.state[counted], batch.ptype[counted]), 1)
            reasons += np.bincount(batch.reason, minlength=len(_REASONS))
            single += int((counted & batch.single_code).sum())
            written_rows += n
            if target_bytes is not None and f.tell() >= target_bytes:
                break
        size = f.tell()

    r = dict(zip(_REASONS, (int(x) for x in reasons), strict=True))
    tally = {
        "rows_read": written_rows,
        "organisations": r["organisation"],
        "entity_other": r["entity_other"],
        "individuals": written_rows - r["organisation"] - r["entity_other"],
        "deactivated": r["deactivated"],
        "no_primary_taxonomy": r["no_primary_taxonomy"],
        "unmapped_taxonomy": r["unmapped_taxonomy"],
        "outside_states": r["outside_states"],
        "counted": r["counted"],
        "counted_via_single_code": single,
    }
    si, ti = np.nonzero(grid)
    expected = pl.DataFrame(
        {
            "state": [_US_CODES[i] for i in si],
            "provider_type": [types[i] for i in ti],
            "count": grid[si, ti].astype(np.int64),
        },
        schema={"state": pl.String, "provider_type": pl.String, "count": pl.Int64},
    ).sort("state", "provider_type")
    return SyntheticNppes(
        path=path, rows=written_rows, bytes=size, seed=seed, expected_counts=expected, expected_tally=tally
    )


def format_row(values: dict[str, str], columns: list[str] | None = None) -> str:
    """One NPPES line: every column double-quoted (``""`` when not in ``values``), quotes doubled.

    Raises ``KeyError`` for a name that is not an NPPES column, so a typo cannot go unnoticed.
    """
    columns = columns or nppes_header()
    unknown = set(values) - set(columns)
    if unknown:
        raise KeyError(f"not NPPES columns: {sorted(unknown)}")
    return ",".join('"' + values.get(c, "").replace('"', '""') + '"' for c in columns)


def write_rows(path: str | os.PathLike[str], rows: list[dict[str, str]], *, line_terminator: str = "\n") -> Path:
    """Write hand-made rows (column name → value) under the real header, NPPES-quoted."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = nppes_header()
    lines = [header_line(columns), *(format_row(r, columns) for r in rows)]
    path.write_bytes((line_terminator.join(lines) + line_terminator).encode())
    return path
