"""Tests for analysis.nppes (NPPES provider counts) and tests.nppes_fixtures (synthetic files)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from pathlib import Path

import polars as pl
import pytest

import analysis
from analysis import nppes, states
from analysis.nppes import chunks
from tests import nppes_fixtures as fx

HEADER_FILE = Path(__file__).parent / "data" / "nppes_header.txt"
PFILE = "npidata_pfile_20050523-20251012.csv"

MAPPING = pl.DataFrame(
    {
        "taxonomy_code": ["207N00000X", "363L00000X", "163W00000X", "363A00000X", "122300000X"],
        "provider_type": ["physician", "nurse_practitioner", "registered_nurse", "physician_assistant", "dentist"],
    }
)
UNMAPPED = "111N00000X"  # chiropractor: deliberately absent from MAPPING

PRACTICE = nppes.COL_PRACTICE_STATE
MAILING = nppes.COL_MAILING_STATE
COUNTRY = nppes.COL_PRACTICE_COUNTRY


def code(n: int) -> str:
    return nppes.taxonomy_code_column(n)


def switch(n: int) -> str:
    return nppes.primary_switch_column(n)


def person(npi: str, state: str, *slots: tuple[str, str], **extra: str) -> dict[str, str]:
    """An individual practising in ``state``; ``slots`` are (code, switch) for slots 1, 2, …"""
    row = {
        "NPI": npi,
        "Entity Type Code": "1",
        "Provider Last Name (Legal Name)": "SYNTHETIC",
        PRACTICE: state,
        MAILING: "NY",
    }
    for n, (c, s) in enumerate(slots, start=1):
        if c:
            row[code(n)] = c
        if s:
            row[switch(n)] = s
    row.update(extra)
    return row


# Each hand-written row exercises one rule; the comment says where it must land.
RULES: list[dict[str, str]] = [
    person("1000000001", "CA", ("207N00000X", "Y")),  # counted CA physician (mailing NY ignored)
    person(
        "1000000002", "CA", (UNMAPPED, "N"), ("163W00000X", "N"), ("363L00000X", "Y")
    ),  # counted CA NP: slot 3 is primary
    person("1000000003", "CA", ("207N00000X", "Y"), **{nppes.COL_DEACTIVATION: "05/01/2015"}),  # deactivated
    person(
        "1000000004",
        "TX",
        ("363A00000X", "Y"),
        **{nppes.COL_DEACTIVATION: "01/05/2015", nppes.COL_REACTIVATION: "03/01/2016"},
    ),  # reactivated → counted TX PA
    person(
        "1000000005",
        "TX",
        ("363A00000X", "Y"),
        **{nppes.COL_DEACTIVATION: "06/01/2020", nppes.COL_REACTIVATION: "01/01/2019"},
    ),  # reactivation before a later deactivation → deactivated
    person(
        "1000000006",
        "TX",
        ("122300000X", "Y"),
        **{nppes.COL_DEACTIVATION: "12/31/2019", nppes.COL_REACTIVATION: "12/31/2019"},
    ),  # reactivated the same day → counted TX dentist
    {
        **person("1000000007", "CA", ("207N00000X", "Y")),
        "Entity Type Code": "2",
        "Provider Organization Name (Legal Business Name)": 'SYNTHETIC "SPA", LLC',
    },  # organisation
    {"NPI": "1000000008", nppes.COL_DEACTIVATION: "07/04/2018"},  # deactivated as the real file shows it → entity_other
    person("1000000009", "CA", (UNMAPPED, "Y")),  # unmapped taxonomy
    person("1000000010", "PR", ("207N00000X", "Y"), **{COUNTRY: "US"}),  # Puerto Rico → outside
    person("1000000011", "FL", ("163W00000X", "")),  # no Y, one code → counted FL RN (single-code rule)
    person("1000000012", "FL", ("163W00000X", "N"), ("363L00000X", "N")),  # no Y, two codes → no primary
    person("1000000013", " tx ", ("207N00000X", "Y")),  # padded lower-case state → counted TX physician
    person("1000000014", "WA", ("207N00000X", "Y"), **{COUNTRY: "AU"}),  # Western Australia → outside
    person("1000000015", "", ("207N00000X", "Y")),  # blank practice state → outside
    {**person("1000000016", "NY", ("207N00000X", "Y")), MAILING: "CA"},  # counted NY (mailing CA ignored)
    person("1000000017", "District of Columbia", ("", ""), ("363L00000X", "Y")),  # slot 1 empty, Y in 2 → DC NP
    person("1000000018", "CA"),  # no taxonomy at all → no primary
]
RULES_EXPECTED = pl.DataFrame(
    {
        "state": ["CA", "CA", "DC", "FL", "NY", "TX", "TX", "TX"],
        "provider_type": [
            "nurse_practitioner",
            "physician",
            "nurse_practitioner",
            "registered_nurse",
            "physician",
            "dentist",
            "physician",
            "physician_assistant",
        ],
        "count": [1, 1, 1, 1, 1, 1, 1, 1],
    }
)
RULES_TALLY = {
    "rows_read": 18,
    "organisations": 1,
    "entity_other": 1,
    "individuals": 16,
    "deactivated": 2,
    "no_primary_taxonomy": 2,
    "unmapped_taxonomy": 1,
    "outside_states": 3,
    "counted": 8,
    "counted_via_single_code": 1,
}


def counts_only(result: nppes.NppesCounts) -> pl.DataFrame:
    return result.counts.select("state", "provider_type", "count")


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    return fx.write_rows(tmp_path / PFILE, RULES)


# --- header --------------------------------------------------------------------------------------


def test_generator_header_is_the_real_header():
    text = HEADER_FILE.read_text(encoding="utf-8").rstrip("\n")
    real = next(csv.reader(io.StringIO(text)))
    assert len(real) == 330
    assert fx.nppes_header() == real
    assert fx.header_line() == text  # same quoting as the real file
    assert set(nppes.REQUIRED_COLUMNS) <= set(real)


def test_the_installed_package_does_not_use_the_generator():
    """The synthetic-file generator lives in tests/ and nothing in analysis/ imports it."""
    package = Path(analysis.__file__).parent
    assert not list(package.rglob("nppes_fixtures.py"))
    uses = re.compile(r"nppes_fixtures|^\s*(from|import) tests\b", re.M)
    users = [p for p in package.rglob("*.py") if uses.search(p.read_text(encoding="utf-8"))]
    assert users == []


# --- the rules, one hand-written row each ----------------------------------------------------------


def test_each_rule_lands_where_expected(rules_file: Path):
    result = nppes.count_providers(rules_file, MAPPING)
    assert counts_only(result).equals(RULES_EXPECTED)
    assert result.tally == RULES_TALLY


def test_tally_reconciles(rules_file: Path):
    result = nppes.count_providers(rules_file, MAPPING)
    t = result.tally
    assert result.reconciles()
    assert t["rows_read"] == t["organisations"] + t["entity_other"] + t["individuals"]
    assert t["individuals"] == sum(
        t[k] for k in ("deactivated", "no_primary_taxonomy", "unmapped_taxonomy", "outside_states", "counted")
    )
    assert t["counted"] == result.counts["count"].sum()
    excluded = result.excluded.group_by("reason").agg(pl.col("count").sum())
    assert dict(excluded.iter_rows()) == {
        k: t[k] for k in ("deactivated", "no_primary_taxonomy", "unmapped_taxonomy", "outside_states")
    }


def test_outside_states_are_kept_with_their_state(rules_file: Path):
    outside = nppes.count_providers(rules_file, MAPPING).excluded.filter(pl.col("reason") == "outside_states")
    assert sorted(outside["state"].to_list(), key=str) == sorted(["PR", "WA", None], key=str)


def test_mailing_state_is_not_used(rules_file: Path):
    counts = nppes.count_providers(rules_file, MAPPING).counts
    ny = counts.filter(pl.col("state") == "NY")
    assert ny["count"].sum() == 1  # only the row practising in NY; 15 rows have a NY mailing address


def test_single_code_fallback_can_be_turned_off(rules_file: Path):
    result = nppes.count_providers(rules_file, MAPPING, single_code_fallback=False)
    assert result.tally["no_primary_taxonomy"] == RULES_TALLY["no_primary_taxonomy"] + 1
    assert result.tally["counted_via_single_code"] == 0
    assert result.counts.filter(pl.col("state") == "FL").is_empty()


def test_crlf_line_endings(tmp_path: Path):
    path = fx.write_rows(tmp_path / PFILE, RULES, line_terminator="\r\n")
    result = nppes.count_providers(path, MAPPING)
    assert counts_only(result).equals(RULES_EXPECTED)
    assert result.tally == RULES_TALLY


def test_metadata_columns(rules_file: Path):
    result = nppes.count_providers(rules_file, MAPPING)
    assert result.counts.columns == ["state", "provider_type", "count", "source", "as_of", "source_sha256"]
    assert result.counts["count"].dtype == pl.Int64
    assert set(result.counts["source"]) == {PFILE}
    assert set(result.counts["as_of"]) == {"2025-10-12"}
    assert result.source_sha256 == hashlib.sha256(rules_file.read_bytes()).hexdigest()
    assert set(result.counts["source_sha256"]) == {result.source_sha256}


def test_fast_fingerprint_option(rules_file: Path):
    result = nppes.count_providers(rules_file, MAPPING, fingerprint="fast")
    assert result.counts.columns[-1] == "source_fingerprint" and "source_sha256" not in result.counts.columns
    assert result.source_sha256 is None
    size = rules_file.stat().st_size
    assert result.fingerprint.startswith(f"size={size};mtime_ns=") and "sha256_head_tail=" in result.fingerprint
    assert counts_only(result).equals(RULES_EXPECTED) and result.tally == RULES_TALLY
    with pytest.raises(ValueError, match="fingerprint"):
        nppes.count_providers(rules_file, MAPPING, fingerprint="md5")


def test_as_of_falls_back_to_mtime(tmp_path: Path):
    path = fx.write_rows(tmp_path / "providers.csv", RULES[:1])
    stamp = dt.datetime(2024, 3, 9, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    assert nppes.count_providers(path, MAPPING).as_of == "2024-03-09"


def test_progress_reaches_the_end(tmp_path: Path):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=3_000, seed=3)
    calls: list[tuple[int, int]] = []
    nppes.count_providers(
        made.path, fx.FIXTURE_MAPPING, progress=lambda done, total: calls.append((done, total)), chunk_bytes=256 << 10
    )
    assert len(calls) > 5
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert calls[-1] == (made.bytes, made.bytes)


def test_scan_nppes_is_projected_and_typed(rules_file: Path):
    lf = nppes.scan_nppes(rules_file)
    schema = lf.collect_schema()
    assert schema["deactivation_date"] == pl.Date
    assert schema["deactivated"] == pl.Boolean
    assert schema["primary_taxonomy"] == pl.String
    df = lf.collect(engine="streaming")
    assert df.height == len(RULES)
    row2 = df.filter(pl.col("npi") == "1000000002").row(0, named=True)
    assert row2["primary_taxonomy"] == "363L00000X" and row2["taxonomy_rule"] == "primary_switch"
    assert df.filter(pl.col("npi") == "1000000004")["reactivation_date"].item() == dt.date(2016, 3, 1)


def test_scan_path_agrees_with_chunked_counter(tmp_path: Path):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=4_000, seed=5)
    table = nppes.mapping_dict(fx.FIXTURE_MAPPING)
    lazy = nppes.classify(nppes.scan_nppes(made.path), table).filter(pl.col("reason") == "counted")
    via_scan = lazy.group_by(pl.col("practice_state").alias("state"), "provider_type").agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    via_scan = via_scan.collect(engine="streaming").sort("state", "provider_type")
    assert via_scan.equals(counts_only(nppes.count_providers(made.path, fx.FIXTURE_MAPPING)))


# --- practice-state values: codes and exact full names, from the one list of states -------------------

# (as written in the file, the state it counts under or None when it falls outside the 50 states + DC)
PRACTICE_STATE_VALUES = [
    ("CA", "CA"),
    ("ca", "CA"),
    (" tx ", "TX"),
    ("DC", "DC"),
    ("California", "CA"),
    ("CALIFORNIA", "CA"),
    (" new york ", "NY"),
    ("District of Columbia", "DC"),
    ("west virginia", "WV"),
    # not a full name as written: left as is, so outside (the aliases of analysis.states are not used)
    ("N.Y.", None),
    ("Calif.", None),
    ("Washington DC", None),
    ("New  York", None),
    ("NewYork", None),
    # territories, military, the nation, blank
    ("PR", None),
    ("Puerto Rico", None),
    ("GU", None),
    ("AE", None),
    ("US", None),
    ("", None),
]


def test_practice_state_values(tmp_path: Path):
    rows = [person(f"20000{i:05d}", text, ("207N00000X", "Y")) for i, (text, _) in enumerate(PRACTICE_STATE_VALUES)]
    path = fx.write_rows(tmp_path / PFILE, rows)
    got = (
        nppes.classify(nppes.scan_nppes(path), nppes.mapping_dict(MAPPING))
        .select("npi", "practice_state", "reason")
        .collect()
        .sort("npi")
    )
    expected = [state for _, state in PRACTICE_STATE_VALUES]
    counted = [
        state if reason == "counted" else None for state, reason in got.select("practice_state", "reason").rows()
    ]
    assert counted == expected
    assert got.filter(pl.col("reason") != "counted")["reason"].unique().to_list() == ["outside_states"]
    assert got["practice_state"][[text for text, _ in PRACTICE_STATE_VALUES].index("Calif.")] == "CALIF."  # as written
    result = nppes.count_providers(path, MAPPING)
    assert result.tally["counted"] == sum(s is not None for s in expected)
    assert result.tally["outside_states"] == sum(s is None for s in expected)


def test_every_listed_state_counts_by_code_and_by_name(tmp_path: Path):
    """The reader's states are exactly analysis.states': each code and name, in any case, counts under the code."""
    names = states.state_names()
    assert nppes.STATE_CODES == tuple(names) and len(names) == 51
    assert nppes.STATE_NAMES == {name.upper(): code for code, name in names.items()}
    rows = [
        person(f"3{i:04d}{j:05d}", written, ("207N00000X", "Y"))
        for i, (code, name) in enumerate(names.items())
        for j, written in enumerate((code, code.lower(), name, f" {name.upper()} "))
    ]
    result = nppes.count_providers(fx.write_rows(tmp_path / PFILE, rows), MAPPING)
    assert dict(result.counts.select("state", "count").iter_rows()) == dict.fromkeys(names, 4)
    assert result.tally["counted"] == len(rows) and result.tally["outside_states"] == 0


# --- generator: expected (from its own choices) == counted --------------------------------------------


@pytest.mark.parametrize("chunk_bytes", [64 << 10, nppes.CHUNK_BYTES])
def test_generator_expected_equals_counted(tmp_path: Path, chunk_bytes: int):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=20_000, seed=11, batch_rows=7_000)
    result = nppes.count_providers(made.path, fx.FIXTURE_MAPPING, chunk_bytes=chunk_bytes)
    assert result.tally == made.expected_tally
    assert counts_only(result).equals(made.expected_counts)
    # every rule is actually exercised by the generated mix
    assert all(made.expected_tally[k] > 0 for k in nppes.TALLY_KEYS)


def test_generator_crlf_and_target_bytes(tmp_path: Path):
    made = fx.write_synthetic_nppes(
        tmp_path / PFILE, target_bytes=3_000_000, seed=2, batch_rows=1_000, line_terminator="\r\n"
    )
    assert made.bytes >= 3_000_000 and made.path.stat().st_size == made.bytes
    result = nppes.count_providers(made.path, fx.FIXTURE_MAPPING, chunk_bytes=300_000)
    assert result.tally == made.expected_tally
    assert counts_only(result).equals(made.expected_counts)


def test_generator_is_deterministic(tmp_path: Path):
    a = fx.write_synthetic_nppes(tmp_path / "a.csv", rows=2_000, seed=7)
    b = fx.write_synthetic_nppes(tmp_path / "b.csv", rows=2_000, seed=7)
    c = fx.write_synthetic_nppes(tmp_path / "c.csv", rows=2_000, seed=8)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()


def test_generated_rows_are_marked_synthetic(tmp_path: Path):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=2_000, seed=1)
    df = pl.read_csv(made.path, infer_schema=False)
    assert df.width == 330
    names = (
        df.select(
            pl.coalesce(
                pl.when(pl.col("Entity Type Code") == "1").then(pl.col("Provider Last Name (Legal Name)")),
                pl.when(pl.col("Entity Type Code") == "2").then(
                    pl.col("Provider Organization Name (Legal Business Name)")
                ),
            )
        )
        .to_series()
        .drop_nulls()
    )
    assert names.len() > 0 and names.str.starts_with("SYNTHETIC").all()
    assert names.str.contains('"', literal=True).any()  # escaped quotes survive the round trip


def test_expected_counts_use_the_given_mapping(tmp_path: Path):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=5_000, seed=4, mapping=MAPPING)
    result = nppes.count_providers(made.path, MAPPING)
    assert result.tally == made.expected_tally
    assert counts_only(result).equals(made.expected_counts)


# --- record boundaries ---------------------------------------------------------------------------------


def test_minimal_quoting_with_embedded_newlines(tmp_path: Path):
    """A re-saved file (quotes only where needed, a newline inside a field) falls back to quote parity."""
    columns = fx.nppes_header()
    rows = []
    for i in range(300):
        row = person(f"10000{i:05d}", "CA", ("207N00000X", "Y"))
        row["Provider First Line Business Practice Location Address"] = (
            "SUITE 1\n100 MAIN ST" if i % 3 == 0 else "100 MAIN ST"
        )
        rows.append(row)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path = tmp_path / "resaved.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    result = nppes.count_providers(path, MAPPING, chunk_bytes=8_000)
    assert result.tally["rows_read"] == 300
    assert counts_only(result).to_dicts() == [{"state": "CA", "provider_type": "physician", "count": 300}]


def test_last_record_end_ignores_quoted_newlines():
    data = b'"1","a\nb"\n"2","c"\n"3","d\n'
    assert chunks._last_record_end(data) == len(b'"1","a\nb"\n"2","c"\n')
    assert chunks._last_record_start(b'x"\n""1"\n"2","') == len(b'x"\n""1"')


# --- bad input ------------------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        nppes.count_providers(path, MAPPING)


def test_header_only_file_counts_nothing(tmp_path: Path):
    path = fx.write_rows(tmp_path / PFILE, [])
    result = nppes.count_providers(path, MAPPING)
    assert result.counts.is_empty() and result.tally["rows_read"] == 0 and result.reconciles()


def test_not_an_nppes_file_names_missing_columns(tmp_path: Path):
    path = tmp_path / "prices.csv"
    path.write_text("state,price\nCA,12\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"not an NPPES npidata file: 36 of 36 required columns missing: 'NPI'"):
        nppes.count_providers(path, MAPPING)


def test_one_missing_column_is_named(tmp_path: Path):
    columns = [c for c in fx.nppes_header() if c != PRACTICE]
    path = tmp_path / "cut.csv"
    path.write_text(",".join(f'"{c}"' for c in columns) + "\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"1 of 36 required columns missing: 'Provider Business Practice Location Address State Name'"
    ):
        nppes.scan_nppes(path)


def test_not_utf8_body(tmp_path: Path):
    path = fx.write_rows(tmp_path / PFILE, RULES)
    data = path.read_bytes().replace(b"SYNTHETIC", b"SYNTH\xe9TIC", 1)
    path.write_bytes(data)
    with pytest.raises(ValueError, match="not valid UTF-8 within bytes"):
        nppes.count_providers(path, MAPPING)
    assert nppes.count_providers(path, MAPPING, encoding="utf8-lossy").tally == RULES_TALLY


def test_bad_byte_in_a_later_chunk(tmp_path: Path):
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=2_000, seed=6)
    data = bytearray(made.path.read_bytes())
    at = data.rindex(b"SYNTHETIC")
    data[at + 2] = 0xFF
    made.path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"not valid UTF-8 within bytes [\d,]+-[\d,]+") as info:
        nppes.count_providers(made.path, fx.FIXTURE_MAPPING, chunk_bytes=64 << 10)
    start, end = (int(x.replace(",", "")) for x in re.search(r"bytes ([\d,]+)-([\d,]+)", str(info.value)).groups())
    assert start <= at < end and start > 0


def test_not_utf8_header(tmp_path: Path):
    path = tmp_path / "latin1.csv"
    path.write_bytes('"NPI","Entit\xe9"\n"1","2"\n'.encode("latin-1"))
    with pytest.raises(ValueError, match="header is not UTF-8"):
        nppes.count_providers(path, MAPPING)


def test_zip_archive(tmp_path: Path):
    path = tmp_path / "NPPES_Data_Dissemination.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValueError, match="ZIP archive"):
        nppes.count_providers(path, MAPPING)


def test_errors_are_one_line(tmp_path: Path):
    path = tmp_path / "prices.csv"
    path.write_text("state,price\nCA,12\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        nppes.count_providers(path, MAPPING)
    assert "\n" not in str(info.value)


# --- mapping -----------------------------------------------------------------------------------------------


def test_mapping_rejects_unknown_provider_type():
    bad = pl.DataFrame({"taxonomy_code": ["207N00000X"], "provider_type": ["wizard"]})
    with pytest.raises(ValueError, match="wizard"):
        nppes.mapping_dict(bad)


def test_mapping_rejects_conflicts_and_missing_columns():
    with pytest.raises(ValueError, match="207N00000X"):
        nppes.mapping_dict(
            pl.DataFrame({"taxonomy_code": ["207N00000X", "207n00000x "], "provider_type": ["physician", "dentist"]})
        )
    with pytest.raises(ValueError, match="provider_type"):
        nppes.mapping_dict(pl.DataFrame({"taxonomy_code": ["207N00000X"]}))


def test_mapping_blank_type_means_unmapped():
    table = nppes.mapping_dict(
        pl.DataFrame({"taxonomy_code": [" 207n00000x", "111N00000X"], "provider_type": ["physician", ""]})
    )
    assert table == {"207N00000X": "physician"}


def test_load_taxonomy_mapping(tmp_path: Path):
    path = tmp_path / "nucc_taxonomy_provider_types.csv"
    path.write_text(
        "taxonomy_code,provider_type,grouping,classification,specialization,source,as_of\n"
        "207N00000X,physician,Allopathic & Osteopathic Physicians,Dermatology,,https://nucc.org,2025\n",
        encoding="utf-8",
    )
    frame = nppes.load_taxonomy_mapping(path)
    assert nppes.mapping_dict(frame) == {"207N00000X": "physician"}
    with pytest.raises(FileNotFoundError, match="taxonomy mapping not found"):
        nppes.load_taxonomy_mapping(tmp_path / "missing.csv")


def test_shipped_mapping_file_is_accepted():
    """The colleague-maintained data/reference/nucc_taxonomy_provider_types.csv passes the checks."""
    try:
        frame = nppes.load_taxonomy_mapping()
    except FileNotFoundError:
        pytest.skip("data/reference/nucc_taxonomy_provider_types.csv not written yet")
    table = nppes.mapping_dict(frame)
    assert table.get("363L00000X") == "nurse_practitioner" and table.get("207N00000X") == "physician"


def test_generator_with_shipped_mapping(tmp_path: Path):
    try:
        frame = nppes.load_taxonomy_mapping()
    except FileNotFoundError:
        pytest.skip("data/reference/nucc_taxonomy_provider_types.csv not written yet")
    made = fx.write_synthetic_nppes(tmp_path / PFILE, rows=5_000, seed=9, mapping=frame)
    result = nppes.count_providers(made.path, frame)
    assert result.tally == made.expected_tally
    assert counts_only(result).equals(made.expected_counts)


# --- output --------------------------------------------------------------------------------------------------


def test_write_counts_is_atomic_and_round_trips(rules_file: Path, tmp_path: Path):
    result = nppes.count_providers(rules_file, MAPPING)
    out = tmp_path / "out" / "counts.parquet"
    out.parent.mkdir()
    out.write_bytes(b"old contents")
    assert nppes.write_counts(result, out) == out
    assert pl.read_parquet(out).equals(result.counts)
    meta = pl.read_parquet_metadata(out)
    assert json.loads(meta["nppes_tally"]) == result.tally
    assert meta["source_sha256"] == result.source_sha256
    assert [p.name for p in out.parent.iterdir()] == ["counts.parquet"]  # no temp file left behind


def test_write_counts_failure_leaves_old_file(rules_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    result = nppes.count_providers(rules_file, MAPPING)
    out = tmp_path / "counts.parquet"
    out.write_bytes(b"old contents")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        nppes.write_counts(result, out)
    assert out.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


# --- the CLI ---------------------------------------------------------------------------------------------------


def test_cli_providers_build(rules_file: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from analysis.cli import app

    try:
        mapping = nppes.load_taxonomy_mapping()
    except FileNotFoundError:
        pytest.skip("data/reference/nucc_taxonomy_provider_types.csv not written yet")
    out = tmp_path / "counts.parquet"
    result = CliRunner().invoke(app, ["providers", "build", str(rules_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {pl.read_parquet(out).height} rows to {out}" in result.output
    assert pl.read_parquet(out).equals(nppes.count_providers(rules_file, mapping).counts)
    bad = tmp_path / "prices.csv"
    bad.write_text("state,price\nCA,12\n", encoding="utf-8")
    failed = CliRunner().invoke(app, ["providers", "build", str(bad), "--out", str(tmp_path / "x.parquet")])
    assert failed.exit_code != 0 and "not an NPPES npidata file" in failed.output
