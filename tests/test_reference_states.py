"""Checks on the shipped state and NUCC taxonomy reference files (data/reference/)."""

from __future__ import annotations

import polars as pl
import pytest

from analysis.config import REFERENCE_DIR

STATES_CSV = REFERENCE_DIR / "states.csv"
NUCC_CSV = REFERENCE_DIR / "nucc_taxonomy_251.csv"
MAPPING_CSV = REFERENCE_DIR / "nucc_taxonomy_provider_types.csv"

STATES_COLUMNS = [
    "state",
    "name",
    "fips",
    "region",
    "division",
    "population_2020",
    "pop_center_lat",
    "pop_center_lon",
    "source",
    "as_of",
]
MAPPING_COLUMNS = [
    "taxonomy_code",
    "provider_type",
    "grouping",
    "classification",
    "specialization",
    "source",
    "as_of",
]
PROVIDER_TYPES = {
    "physician",
    "physician_assistant",
    "nurse_practitioner",
    "registered_nurse",
    "licensed_practical_nurse",
    "dentist",
    "aesthetician",
    "medical_assistant",
}
REGIONS = {"Northeast", "Midwest", "South", "West"}
DIVISION_REGION = {
    "New England": "Northeast",
    "Middle Atlantic": "Northeast",
    "East North Central": "Midwest",
    "West North Central": "Midwest",
    "South Atlantic": "South",
    "East South Central": "South",
    "West South Central": "South",
    "Mountain": "West",
    "Pacific": "West",
}
US_RESIDENT_POPULATION_2020 = 331_449_281  # 50 states + DC, 2020 Census apportionment release


@pytest.fixture(scope="module")
def states() -> pl.DataFrame:
    return pl.read_csv(STATES_CSV, schema_overrides={"fips": pl.String, "state": pl.String})


@pytest.fixture(scope="module")
def nucc() -> pl.DataFrame:
    return pl.read_csv(NUCC_CSV, infer_schema=False)


@pytest.fixture(scope="module")
def mapping() -> pl.DataFrame:
    return pl.read_csv(MAPPING_CSV, infer_schema=False)


# --- states.csv -------------------------------------------------------------------------------


def test_states_columns_in_order(states: pl.DataFrame) -> None:
    assert states.columns == STATES_COLUMNS


def test_51_unique_states(states: pl.DataFrame) -> None:
    assert states.height == 51
    assert states["state"].n_unique() == 51
    assert states["state"].str.contains(r"^[A-Z]{2}$").all()
    assert "DC" in states["state"].to_list()
    assert "PR" not in states["state"].to_list()


def test_fips_unique_two_chars(states: pl.DataFrame) -> None:
    assert states["fips"].n_unique() == 51
    assert states["fips"].str.contains(r"^\d{2}$").all()
    by_state = dict(zip(states["state"], states["fips"], strict=True))
    assert by_state["CA"] == "06"
    assert by_state["AL"] == "01"
    assert by_state["DC"] == "11"
    assert by_state["WY"] == "56"


def test_regions_and_divisions(states: pl.DataFrame) -> None:
    assert set(states["region"]) == REGIONS
    assert set(states["division"]) == set(DIVISION_REGION)
    for division, region in zip(states["division"], states["region"], strict=True):
        assert DIVISION_REGION[division] == region
    by_state = dict(zip(states["state"], states["division"], strict=True))
    assert by_state["TX"] == "West South Central"
    assert by_state["DC"] == "South Atlantic"
    assert by_state["NY"] == "Middle Atlantic"


def test_population_sums_to_2020_census_total(states: pl.DataFrame) -> None:
    assert states["population_2020"].dtype == pl.Int64
    assert states["population_2020"].null_count() == 0
    assert (states["population_2020"] > 0).all()
    assert states["population_2020"].sum() == US_RESIDENT_POPULATION_2020
    by_state = dict(zip(states["state"], states["population_2020"], strict=True))
    assert by_state["CA"] == 39_538_223
    assert by_state["WY"] == 576_851


def test_population_center_coordinates_in_us_range(states: pl.DataFrame) -> None:
    lat, lon = states["pop_center_lat"], states["pop_center_lon"]
    assert lat.null_count() == 0 and lon.null_count() == 0
    assert lat.is_between(18, 72).all()
    assert lon.is_between(-180, -60).all()


def test_states_source_and_as_of_present(states: pl.DataFrame) -> None:
    for column in ("source", "as_of"):
        values = states[column].cast(pl.String).str.strip_chars()
        assert values.null_count() == 0 and (values != "").all(), column
    assert states["as_of"].cast(pl.String).str.contains(r"^\d{4}-\d{2}-\d{2}$").all()


# --- NUCC code set and mapping ----------------------------------------------------------------


def test_nucc_code_set_is_complete(nucc: pl.DataFrame) -> None:
    assert nucc.columns[:4] == ["Code", "Grouping", "Classification", "Specialization"]
    assert nucc.height == 883
    assert nucc["Code"].n_unique() == nucc.height


def test_mapping_columns_in_order(mapping: pl.DataFrame) -> None:
    assert mapping.columns == MAPPING_COLUMNS


def test_mapping_codes_unique_and_exist_in_nucc(mapping: pl.DataFrame, nucc: pl.DataFrame) -> None:
    assert mapping["taxonomy_code"].n_unique() == mapping.height
    assert mapping["taxonomy_code"].str.contains(r"^[0-9A-Z]{9}X$").all()
    missing = set(mapping["taxonomy_code"]) - set(nucc["Code"])
    assert not missing, f"codes not in NUCC 25.1: {sorted(missing)}"


def test_mapping_texts_match_nucc(mapping: pl.DataFrame, nucc: pl.DataFrame) -> None:
    joined = mapping.join(nucc, left_on="taxonomy_code", right_on="Code", how="inner")
    assert joined.height == mapping.height
    assert (joined["grouping"] == joined["Grouping"]).all()
    assert (joined["classification"] == joined["Classification"]).all()
    assert (joined["specialization"].fill_null("") == joined["Specialization"].fill_null("")).all()


def test_mapping_provider_types_in_vocabulary(mapping: pl.DataFrame) -> None:
    assert set(mapping["provider_type"]) <= PROVIDER_TYPES


def test_mapping_source_and_as_of_present(mapping: pl.DataFrame) -> None:
    for column in ("source", "as_of"):
        values = mapping[column].str.strip_chars()
        assert values.null_count() == 0 and (values != "").all(), column
    assert mapping["source"].str.contains("NUCC").all()


@pytest.mark.parametrize(
    ("code", "provider_type"),
    [
        ("207N00000X", "physician"),  # dermatology
        ("208200000X", "physician"),  # plastic surgery
        ("207Q00000X", "physician"),  # family medicine
        ("363A00000X", "physician_assistant"),
        ("363L00000X", "nurse_practitioner"),
        ("363LF0000X", "nurse_practitioner"),  # family NP
        ("163W00000X", "registered_nurse"),
        ("163WS0121X", "registered_nurse"),  # RN, plastic surgery
        ("164W00000X", "licensed_practical_nurse"),
        ("164X00000X", "licensed_practical_nurse"),
        ("122300000X", "dentist"),
        ("1223S0112X", "dentist"),  # oral and maxillofacial surgery
    ],
)
def test_known_codes_map_to_expected_type(mapping: pl.DataFrame, code: str, provider_type: str) -> None:
    rows = mapping.filter(pl.col("taxonomy_code") == code)
    assert rows.height == 1, code
    assert rows["provider_type"].item() == provider_type


def test_mapping_covers_every_code_of_each_rule(mapping: pl.DataFrame, nucc: pl.DataFrame) -> None:
    """Every code that a rule selects in NUCC 25.1 is listed, and nothing else."""
    code = pl.col("Code")
    rules = {
        "physician": pl.col("Grouping") == "Allopathic & Osteopathic Physicians",
        "physician_assistant": code.str.starts_with("363A"),
        "nurse_practitioner": code.str.starts_with("363L"),
        "registered_nurse": code.str.starts_with("163W"),
        "licensed_practical_nurse": code.is_in(["164W00000X", "164X00000X"]),
        "dentist": code.str.starts_with("1223"),
    }
    for provider_type, rule in rules.items():
        expected = set(nucc.filter(rule)["Code"])
        listed = set(mapping.filter(pl.col("provider_type") == provider_type)["taxonomy_code"])
        assert listed == expected, provider_type
    # NUCC 25.1 has no esthetician or medical-assistant code, so none is mapped.
    assert mapping.filter(pl.col("provider_type").is_in(["aesthetician", "medical_assistant"])).height == 0
