"""The loader: formats, header matching, row-level rejects, file-level errors, the accounting rule."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis.io import InputError, load_table, parse_column_mapping, read_raw, rejects_path_for, write_rejects

HEADER = "Clinic Name,State,City,Provider,Brand,Price,Units,Area,Source,Date\n"
GOOD_ROWS = (
    "Glow Spa,Texas,Austin,RN,Botox,$12/unit,,,https://example.com/a,2025-03-01\n"
    "Derm Co,ca,Los Angeles,M.D.,Dysport,$5 per unit,,,https://example.com/b,03/15/2025\n"
    "Face Lab,NY,New York,NP,Xeomin,$300-$500 per area,,forehead,https://example.com/c,\n"
)


def write(tmp_path: Path, text: str, name: str = "prices.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_csv_is_accepted_with_vocabulary_values(tmp_path):
    result = load_table(write(tmp_path, HEADER + GOOD_ROWS), "prices")
    assert (result.n_read, result.n_accepted, result.n_rejected) == (3, 3, 0)
    acc = result.accepted
    assert acc["state"].to_list() == ["TX", "CA", "NY"]
    assert acc["provider_type"].to_list() == ["registered_nurse", "physician", "nurse_practitioner"]
    assert acc["product"].to_list() == ["botox_cosmetic", "dysport", "xeomin"]
    assert acc["pricing_model"].to_list() == ["per_unit", "per_unit", "per_area"]
    assert acc["price_usd"].to_list() == [12.0, 5.0, 400.0]
    assert acc["price_low_usd"][2] == 300.0 and acc["price_high_usd"][2] == 500.0


def test_dates_in_iso_and_us_formats_parse(tmp_path):
    acc = load_table(write(tmp_path, HEADER + GOOD_ROWS), "prices").accepted
    assert [str(d) if d else None for d in acc["observed_date"].to_list()] == ["2025-03-01", "2025-03-15", None]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X,XX,Y,RN,Botox,$12,,,https://e.com,", "state: unknown US state or DC 'XX'"),
        ("X,TX,Y,RN,Botox,-12,,,https://e.com,", "price_usd: negative price"),
        ("X,TX,Y,RN,Botox,call for price,,,https://e.com,", "price_usd: no price (call for price)"),
        ("X,TX,Y,RN,Botox,$12,,,,", "source: missing value"),
        ("X,TX,Y,RN,Botox,$12,,,https://e.com,2099-01-01", "observed_date: date is in the future"),
        ("X,TX,Y,RN,Botox,$12,,,https://e.com,yesterday", "observed_date: not a date"),
        ("X,TX,Y,RN,Botox,$12,abc,,https://e.com,", "units: not a number: 'abc'"),
        ("X,TX,Y,wizard,Botox,$12,,,https://e.com,", "provider_type: unknown provider type 'wizard'"),
        ("X,TX,Y,RN,Snake oil,$12,,,https://e.com,", "product: unknown product 'Snake oil'"),
        ("X,TX,Y,RN,Botox,$99999999,,,https://e.com,", "price_usd: above the plausible maximum"),
    ],
)
def test_bad_row_goes_to_rejects_with_reason(tmp_path, row, reason):
    result = load_table(write(tmp_path, HEADER + GOOD_ROWS + row + "\n"), "prices")
    assert result.n_read == 4 and result.n_accepted == 3 and result.n_rejected == 1
    assert reason in result.rejects["reason"][0]
    assert result.rejects["source_row"][0] == 5  # header is line 1, so the 4th data row is line 5


def test_row_with_several_problems_lists_every_reason(tmp_path):
    result = load_table(write(tmp_path, HEADER + "X,XX,Y,RN,Botox,-3,,,,\n"), "prices")
    reason = result.rejects["reason"][0]
    assert "state:" in reason and "price_usd:" in reason and "source:" in reason


def test_rejects_keep_the_row_as_read(tmp_path):
    result = load_table(write(tmp_path, HEADER + "X,Texas,Y,RN,Botox,-12,,,https://e.com,\n"), "prices")
    row = result.rejects.row(0, named=True)
    assert row["State"] == "Texas" and row["Price"] == "-12"


def test_blank_provider_becomes_unknown_and_an_unnamed_brand_unspecified(tmp_path):
    text = "state,price,product,source\nTX,$12/unit,,https://e.com\nTX,$11/unit,neurotoxin,https://e.com\n"
    acc = load_table(write(tmp_path, text), "prices").accepted
    assert acc["provider_type"].to_list() == ["unknown", "unknown"]
    assert acc["product"].to_list() == ["unspecified", "unspecified"]


def test_missing_required_column_names_it_and_the_file(tmp_path):
    path = write(tmp_path, "Clinic,Town,Ref\nA,B,https://e.com\n")
    with pytest.raises(InputError, match=r"prices\.csv: missing required column 'price_usd'.*found: Clinic, Town, Ref"):
        load_table(path, "prices")


def test_explicit_mapping_resolves_an_unusual_header(tmp_path):
    path = write(tmp_path, "Where,How Much,Ref\nTX,$12/unit,https://e.com\n")
    result = load_table(path, "prices", columns=parse_column_mapping("Where=state,How Much=price_usd,Ref=source"))
    assert result.n_accepted == 1 and result.accepted["price_usd"][0] == 12.0


def test_mapping_to_an_unknown_column_lists_the_valid_ones(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROWS)
    with pytest.raises(InputError, match="unknown column 'cost'.*expected one of source, observed_date"):
        load_table(path, "prices", columns={"Price": "cost"})


def test_two_columns_matching_one_field_is_an_error(tmp_path):
    path = write(tmp_path, "state,price,cost,source\nTX,1,2,https://e.com\n")
    with pytest.raises(InputError, match="columns 'price' and 'cost' both match 'price_usd'"):
        load_table(path, "prices")


def test_duplicated_header_is_an_error(tmp_path):
    path = write(tmp_path, "state,price,price,source\nTX,1,2,https://e.com\n")
    with pytest.raises(InputError, match="column 'price' appears more than once"):
        load_table(path, "prices")


def test_empty_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        load_table(write(tmp_path, ""), "prices")


def test_header_only_reads_zero_rows(tmp_path):
    result = load_table(write(tmp_path, HEADER), "prices")
    assert (result.n_read, result.n_accepted, result.n_rejected) == (0, 0, 0)


def test_non_utf8_file_names_the_line_and_suggests_encoding(tmp_path):
    path = write(tmp_path, HEADER + "Caf\u00e9,TX,Y,RN,Botox,$12,,,https://e.com,\n", encoding="cp1252")
    with pytest.raises(InputError, match=r"line 2 is not valid UTF-8.*--encoding"):
        load_table(path, "prices")
    assert load_table(path, "prices", encoding="cp1252").accepted["clinic"][0] == "Caf\u00e9"


def test_ragged_line_is_named(tmp_path):
    path = write(tmp_path, "state,price,source\nTX,12,https://e.com\nCA,13,https://e.com,extra,more\n")
    with pytest.raises(InputError, match="line 3 has 5 fields, the header has 3"):
        load_table(path, "prices")


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_other_separators_are_detected(tmp_path, separator):
    text = (HEADER + GOOD_ROWS).replace(",", separator)
    assert load_table(write(tmp_path, text), "prices").n_accepted == 3


def test_unknown_table_lists_the_tables(tmp_path):
    with pytest.raises(InputError, match="unknown table 'price'; expected one of prices, state_rules"):
        load_table(write(tmp_path, HEADER), "price")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_raw(tmp_path / "nope.csv")


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_round_trip_through_parquet_and_excel_gives_the_same_rows(tmp_path, fmt):
    csv_result = load_table(write(tmp_path, HEADER + GOOD_ROWS + "X,XX,Y,RN,Botox,$1,,,https://e.com,\n"), "prices")
    raw = pl.read_csv(tmp_path / "prices.csv", infer_schema=False)
    other = tmp_path / f"prices.{fmt}"
    if fmt == "parquet":
        raw.write_parquet(other)
    else:
        raw.write_excel(other)
    result = load_table(other, "prices")
    assert (result.n_accepted, result.n_rejected) == (csv_result.n_accepted, csv_result.n_rejected)
    assert_frame_equal(result.accepted.drop("source_row"), csv_result.accepted.drop("source_row"))


def test_excel_workbook_named_csv_still_loads(tmp_path):
    raw = pl.read_csv((HEADER + GOOD_ROWS).encode(), infer_schema=False)
    path = tmp_path / "really_excel.csv"
    raw.write_excel(path)
    assert load_table(path, "prices").n_accepted == 3


def test_typed_parquet_columns_are_read_as_text_then_validated(tmp_path):
    path = tmp_path / "typed.parquet"
    pl.DataFrame(
        {"state": ["TX", "ZZ"], "price_usd": [12.5, 3.0], "source": ["https://e.com", "https://e.com"]}
    ).write_parquet(path)
    result = load_table(path, "prices")
    assert result.accepted["price_usd"].to_list() == [12.5] and result.n_rejected == 1


def test_provider_counts_reject_duplicate_keys(tmp_path):
    text = "state,provider_type,count,source,as_of\nTX,RN,10,s,2024\nTX,registered nurse,11,s,2024\nCA,RN,3,s,2024\n"
    result = load_table(write(tmp_path, text, "counts.csv"), "provider_counts")
    assert result.n_accepted == 2 and result.n_rejected == 1
    assert result.rejects["reason"][0] == "duplicate (state, provider_type) of row 2"


def test_write_rejects_puts_them_beside_the_input(tmp_path):
    path = write(tmp_path, HEADER + "X,XX,Y,RN,Botox,$12,,,https://e.com,\n")
    result = load_table(path, "prices")
    written = write_rejects(result)
    assert written == rejects_path_for(path) == tmp_path / "prices.rejects.csv"
    assert pl.read_csv(written)["reason"][0].startswith("state:")


def test_long_cells_are_rejected_not_truncated(tmp_path):
    result = load_table(write(tmp_path, HEADER + "X" * 100_000 + ",TX,Y,RN,Botox,$12,,,https://e.com,\n"), "prices")
    assert result.n_rejected == 1 and "clinic: value longer than" in result.rejects["reason"][0]


def test_a_qualifier_names_the_pricing_model_when_the_price_text_does_not(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text(
        "clinic,state,product,price_text,qualifiers,source\n"
        "A,TX,Botox,$15,per_unit,https://a.example\n"
        "B,TX,Botox,$450,per_session;promotional,https://b.example\n"
        "C,TX,Botox,$12/unit,per_area,https://c.example\n"
        "D,TX,Botox,$13,,https://d.example\n"
    )
    accepted = load_table(path, "prices").accepted
    # C: "$12/unit" says per unit in so many words, which wins over the qualifier; D: a bare $13 is read as per
    # unit and marked inferred
    assert accepted["pricing_model"].to_list() == ["per_unit", "per_session", "per_unit", "per_unit"]
    assert accepted["per_unit_basis"].to_list() == ["quoted", None, "quoted", "inferred"]
