"""Checks on data/reference/provider_counts_published.csv (published provider counts by state)."""

from __future__ import annotations

import polars as pl
import pytest

from analysis.config import REFERENCE_DIR

COUNTS_CSV = REFERENCE_DIR / "provider_counts_published.csv"
STATES_CSV = REFERENCE_DIR / "states.csv"

COLUMNS = ["state", "provider_type", "count", "source", "as_of", "notes"]
PROVIDER_TYPES = {
    "physician",
    "physician_assistant",
    "nurse_practitioner",
    "registered_nurse",
    "licensed_practical_nurse",
    "dentist",
}
# Types for which a complete, single-source column was found (see data/docs_fragments/provider_counts.md).
EXPECTED_TYPES = {"physician_assistant", "registered_nurse", "dentist"}


@pytest.fixture(scope="module")
def counts() -> pl.DataFrame:
    return pl.read_csv(COUNTS_CSV, schema_overrides={"state": pl.String, "as_of": pl.String})


@pytest.fixture(scope="module")
def state_codes() -> set[str]:
    return set(pl.read_csv(STATES_CSV, columns=["state"])["state"])


def test_columns_in_order(counts: pl.DataFrame) -> None:
    assert counts.columns == COLUMNS


def test_provider_types_in_vocabulary(counts: pl.DataFrame) -> None:
    assert set(counts["provider_type"]) <= PROVIDER_TYPES
    assert set(counts["provider_type"]) == EXPECTED_TYPES


def test_states_are_two_letter_codes_from_states_csv(counts: pl.DataFrame, state_codes: set[str]) -> None:
    assert counts["state"].str.contains(r"^[A-Z]{2}$").all()
    assert set(counts["state"]) <= state_codes


def test_counts_positive_integers(counts: pl.DataFrame) -> None:
    assert counts["count"].dtype == pl.Int64
    assert counts["count"].null_count() == 0
    assert (counts["count"] > 0).all()


def test_every_row_has_source_and_as_of(counts: pl.DataFrame) -> None:
    for column in ("source", "as_of"):
        values = counts[column].cast(pl.String).str.strip_chars()
        assert values.null_count() == 0 and (values != "").all(), column
    # Year, year-month or full date, at the precision the source states.
    assert counts["as_of"].str.contains(r"^\d{4}(-\d{2}(-\d{2})?)?$").all()


def test_one_source_and_as_of_per_type(counts: pl.DataFrame) -> None:
    per_type = counts.group_by("provider_type").agg(
        pl.col("source").n_unique().alias("sources"), pl.col("as_of").n_unique().alias("dates")
    )
    assert (per_type["sources"] == 1).all()
    assert (per_type["dates"] == 1).all()


def test_each_type_covers_all_51_jurisdictions_once(counts: pl.DataFrame, state_codes: set[str]) -> None:
    assert len(state_codes) == 51
    for provider_type in set(counts["provider_type"]):
        states = counts.filter(pl.col("provider_type") == provider_type)["state"]
        assert states.len() == 51, provider_type
        assert states.n_unique() == 51, provider_type
        assert set(states) == state_codes, provider_type


def test_no_duplicate_state_type_pairs(counts: pl.DataFrame) -> None:
    assert counts.select(["state", "provider_type"]).is_duplicated().sum() == 0


@pytest.mark.parametrize(
    ("state", "provider_type", "expected"),
    [
        # BLS OES May 2020, via tidytuesday nurses.csv (Year=2020)
        ("CA", "registered_nurse", 307_060),
        ("DC", "registered_nurse", 10_320),
        ("WY", "registered_nurse", 5_010),
        # NCCPA certified PAs at end of 2022, via Becker's Hospital Review
        ("NY", "physician_assistant", 15_449),
        ("WY", "physician_assistant", 296),
        # ADA HPI dentists 2019, via PositiveSumData/NationalOralHealthDataPortal
        ("CA", "dentist", 30_773),
        ("DC", "dentist", 734),
    ],
)
def test_spot_check_values(counts: pl.DataFrame, state: str, provider_type: str, expected: int) -> None:
    row = counts.filter((pl.col("state") == state) & (pl.col("provider_type") == provider_type))
    assert row.height == 1
    assert row["count"].item() == expected


def test_totals_agree_with_published_national_figures(counts: pl.DataFrame) -> None:
    totals = dict(counts.group_by("provider_type").agg(pl.col("count").sum()).iter_rows())
    # ADA HPI: U.S. total 200,419 for 2019, of which 25 dentists have no state.
    assert totals["dentist"] == 200_419 - 25
    # BLS OES May 2020: the 51 rounded state estimates add up to within a rounding of the national 2,986,500.
    assert abs(totals["registered_nurse"] - 2_986_500) <= 51 * 10
    # NCCPA: 168,318 certified PAs including territories and military addresses.
    assert totals["physician_assistant"] <= 168_318
