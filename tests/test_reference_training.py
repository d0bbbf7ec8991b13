"""Checks on data/reference/training_courses.csv (neurotoxin training courses, one row per offering)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from analysis.config import REFERENCE_DIR

PATH = REFERENCE_DIR / "training_courses.csv"

COLUMNS = [
    "organization",
    "course",
    "format",
    "hands_on",
    "duration_hours",
    "list_price_usd",
    "cme_credits",
    "eligible_professions",
    "locations",
    "notes",
    "source",
    "as_of",
    "reliability",
    "status",
    "last_seen_offered",
]
FORMATS = {"in_person", "online", "hybrid"}
HANDS_ON = {"yes", "no"}
RELIABILITY = {"high", "med", "low"}
PROFESSIONS = {
    "physician",
    "physician_assistant",
    "nurse_practitioner",
    "registered_nurse",
    "licensed_practical_nurse",
    "dentist",
    "aesthetician",
    "medical_assistant",
}
STATES = set(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)
CITY_STATE = re.compile(r"^(?P<city>[A-Z][A-Za-z .'\-]*[a-z.]), (?P<st>[A-Z]{2})$")
AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
NO_SOURCE_NOTE = "no stored source found"


@pytest.fixture(scope="module")
def df() -> pl.DataFrame:
    assert PATH.exists(), f"missing {PATH}"
    # every column as text: the checks below are about what is literally in the file
    return pl.read_csv(PATH, infer_schema_length=0)


def _values(df: pl.DataFrame, column: str) -> list[str]:
    return [v for v in df[column].to_list() if v is not None and v != ""]


def test_columns_present_in_order(df: pl.DataFrame) -> None:
    assert df.columns == COLUMNS


def test_enough_rows_and_no_duplicates(df: pl.DataFrame) -> None:
    assert df.height >= 35
    dupes = df.group_by(["organization", "course"]).len().filter(pl.col("len") > 1)
    assert dupes.height == 0, dupes


def test_organization_and_course_filled(df: pl.DataFrame) -> None:
    for column in ("organization", "course"):
        missing = df.filter(pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""))
        assert missing.height == 0, f"empty {column}: {missing}"


def test_format_vocabulary(df: pl.DataFrame) -> None:
    bad = set(_values(df, "format")) - FORMATS
    assert not bad, bad


def test_hands_on_vocabulary(df: pl.DataFrame) -> None:
    bad = set(_values(df, "hands_on")) - HANDS_ON
    assert not bad, bad


def test_reliability_vocabulary(df: pl.DataFrame) -> None:
    assert df["reliability"].null_count() == 0
    bad = set(df["reliability"].to_list()) - RELIABILITY
    assert not bad, bad


def test_professions_vocabulary(df: pl.DataFrame) -> None:
    for value in _values(df, "eligible_professions"):
        tokens = value.split(";")
        assert all(t == t.strip() and t for t in tokens), f"blank or padded token in {value!r}"
        bad = set(tokens) - PROFESSIONS
        assert not bad, f"{value!r}: {bad}"
        assert len(tokens) == len(set(tokens)), f"repeated profession in {value!r}"


def test_locations_are_city_state_or_online(df: pl.DataFrame) -> None:
    for value in _values(df, "locations"):
        tokens = value.split(";")
        if "online" in tokens:
            assert tokens == ["online"], f"'online' must stand alone: {value!r}"
            continue
        for token in tokens:
            m = CITY_STATE.match(token)
            assert m, f"not 'City, ST': {token!r} in {value!r}"
            assert m["st"] in STATES, f"unknown state code {m['st']!r} in {value!r}"


def test_online_rows_consistent(df: pl.DataFrame) -> None:
    online_loc = df.filter(pl.col("locations") == "online")
    assert (online_loc["format"] == "online").all(), online_loc
    online_fmt = df.filter(pl.col("format") == "online")
    assert online_fmt.filter(pl.col("locations").is_not_null() & (pl.col("locations") != "online")).height == 0
    # an online-only course cannot include injection practice on live models
    assert online_fmt.filter(pl.col("hands_on") == "yes").height == 0


@pytest.mark.parametrize("column", ["duration_hours", "list_price_usd", "cme_credits"])
def test_numbers_are_plain_and_non_negative(df: pl.DataFrame, column: str) -> None:
    for value in _values(df, column):
        assert NUMBER.match(value), f"{column}: {value!r} is not a plain number (no $, commas, ranges)"
        assert float(value) >= 0


def test_number_ranges_plausible(df: pl.DataFrame) -> None:
    num = df.select(
        pl.col("duration_hours").cast(pl.Float64),
        pl.col("list_price_usd").cast(pl.Float64),
        pl.col("cme_credits").cast(pl.Float64),
    )
    assert (num["duration_hours"].drop_nulls() <= 500).all()
    assert (num["list_price_usd"].drop_nulls() <= 50_000).all()
    assert (num["cme_credits"].drop_nulls() <= 200).all()


def test_every_row_has_source_and_as_of(df: pl.DataFrame) -> None:
    for row in df.iter_rows(named=True):
        source, as_of, notes = row["source"], row["as_of"], row["notes"] or ""
        assert source and source.strip(), row
        assert as_of and AS_OF.match(as_of), f"bad as_of {as_of!r} for {row['organization']}"
        if source == "none-found":
            assert NO_SOURCE_NOTE in notes, f"'none-found' row must say '{NO_SOURCE_NOTE}': {row}"
            # a row without a source may not carry facts
            for column in (
                "format",
                "hands_on",
                "duration_hours",
                "list_price_usd",
                "cme_credits",
                "eligible_professions",
                "locations",
            ):
                assert not row[column], f"{column} filled without a source: {row}"
        else:
            assert source.startswith(("http://", "https://")), f"source is not a URL: {source!r}"
            assert " " not in source, f"one URL per source cell: {source!r}"


@pytest.mark.parametrize(
    "needle",
    ["IAPAM", "National Laser Institute", "American Academy of Facial Esthetics", "Empire Medical Training"],
)
def test_named_organizations_present(df: pl.DataFrame, needle: str) -> None:
    hits = df.filter(pl.col("organization").str.to_lowercase().str.contains(needle.lower(), literal=True))
    assert hits.height >= 1, f"{needle} missing"


def test_project_loader_accepts_every_row() -> None:
    from analysis import io

    result = io.load_table(PATH, "training")
    assert result.rejects.height == 0, result.rejects
    assert result.accepted.height == pl.read_csv(PATH, infer_schema_length=0).height
