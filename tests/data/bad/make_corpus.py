"""Regenerate the bad-input corpus and its expectations: ``python tests/data/bad/make_corpus.py``.

Each case is a file a user could really hand the loader, and what must happen: a one-line error
(``error``) naming what is wrong, or specific rows rejected with a reason (``rejects``), the rest
accepted. ``expected.csv`` lists: file, table, outcome, pattern (regex on the error or reason), rejected
(how many rows must be rejected; for rejects only).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
H = "clinic,state,city,provider_type,product,price,units,area,source,observed_date\n"
OK = "Good Spa,TX,Austin,RN,Botox,$12/unit,,,https://example.com/a,2025-01-15\n"


def row(**kw: str) -> str:
    base = {"clinic": "X", "state": "TX", "city": "Austin", "provider_type": "RN", "product": "Botox", "price": "$12/unit",
            "units": "", "area": "", "source": "https://example.com/x", "observed_date": "2025-01-15"}
    base.update(kw)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(base.values())
    return buf.getvalue()


CASES: list[tuple[str, bytes, str, str, str, int]] = []


def add(name: str, content: str | bytes, outcome: str, pattern: str, rejected: int = 0, table: str = "prices") -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    CASES.append((name, data, table, outcome, pattern, rejected))


# --- whole-file problems: one clear error ------------------------------------------------------------
add("empty.csv", "", "error", "the file is empty")
add("whitespace_only.csv", "   \n\n  \n", "error", "the file is empty")
# a price list without a state column is kept: every quote's state unknown, national figures only
add("missing_state_column.csv", "clinic,price,source\nA,$12,https://e.com\n", "kept", "no state column")
add("missing_price_column.csv", "clinic,state,source\nA,TX,https://e.com\n", "error", "missing required column 'price_usd'")
# a price list without a source column is kept: every row cites the file
add("missing_source_column.csv", "state,price\nTX,$12\n", "kept", "no source column")
add("misnamed_columns.csv", "Clinic Title,Region,Cost Quote,Ref\nA,TX,$12,https://e.com\n", "error", "missing required column")
add("duplicated_column.csv", "state,price,price,source\nTX,$12,$13,https://e.com\n", "error", "appears more than once")
add("two_price_columns.csv", "state,price,cost,source\nTX,$12,$13,https://e.com\n", "error", "both match 'price_usd'")
add("latin1_encoding.csv", (H + "Caf\u00e9 Botox,TX,Austin,RN,Botox,$12,,,https://e.com,2025-01-01\n").encode("latin-1"), "error", "not valid UTF-8.*--encoding")
add("cp1252_smart_quotes.csv", (H + "\u201cBest\u201d Spa,TX,Austin,RN,Botox,$12,,,https://e.com,2025-01-01\n").encode("cp1252"), "error", "not valid UTF-8")
add("binary_garbage.csv", bytes(range(256)) * 8, "error", "not valid UTF-8|binary")
add("ragged_rows.csv", H + OK + "A,TX,Austin,RN,Botox,$12,,,https://e.com,2025-01-01,extra,fields\n", "error", "line 3 has 12 fields, the header has 10")
add("legacy_xls.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "error", "legacy Excel .xls is not supported")
add("truncated_parquet.parquet", b"PAR1" + b"\x00" * 64, "error", "cannot read as Parquet")
add("broken_xlsx.xlsx", b"PK\x03\x04" + b"\x00" * 64, "error", "cannot read as an Excel workbook")
add("json_not_csv.csv", '{"state": "TX", "price": 12}\n', "error", "missing required column")
add("html_page.csv", "<html><body><table><tr><td>TX</td></tr></table></body></html>\n", "error", "missing required column")
add("counts_missing_count.csv", "state,provider_type,source,as_of\nTX,RN,s,2024\n", "error", "missing required column 'count'", table="provider_counts")
add("rules_missing_may_inject.csv", "state,provider_type,supervision,source,as_of\nTX,RN,independent,s,2024\n", "error", "missing required column 'may_inject'", table="state_rules")
add("training_missing_course.csv", "organization,source,as_of\nIAPAM,s,2024\n", "error", "missing required column 'course'", table="training")

# --- row problems: rejects with a reason ------------------------------------------------------------
add("header_only.csv", H, "rejects", "", 0)
add("negative_price.csv", H + OK + row(price="-12"), "rejects", "negative price", 1)
add("negative_price_dollar.csv", H + OK + row(price="-$300 per area"), "rejects", "negative price", 1)
add("huge_price.csv", H + OK + row(price="$99999999"), "rejects", "above the plausible maximum", 1)
add("huge_exponent_price.csv", H + OK + row(price="1e309"), "rejects", "not finite", 1)
add("nan_price.csv", H + OK + row(price="NaN"), "rejects", "not finite|not a number", 1)
add("inf_price.csv", H + OK + row(price="inf"), "rejects", "not finite", 1)
add("call_for_price.csv", H + OK + row(price="Call for price"), "rejects", "no price", 1)
add("blank_price.csv", H + OK + row(price=""), "rejects", "missing value|blank price", 1)
add("euro_price.csv", H + OK + row(price="€12 per unit"), "rejects", "non-USD currency", 1)
add("pound_price.csv", H + OK + row(price="£10"), "rejects", "non-USD currency", 1)
add("mixed_currencies.csv", H + OK + row(price="12 EUR") + row(price="C$15") + row(price="$13"), "rejects", "non-USD currency", 2)
add("two_decimal_points.csv", H + OK + row(price="$12.5.3"), "rejects", "not a number", 1)
add("range_reversed.csv", H + OK + row(price="$500-$300 per area"), "rejects", "range low > high", 1)
add("unknown_state_code.csv", H + OK + row(state="XX"), "rejects", "unknown US state or DC 'XX'", 1)
add("territory_state.csv", H + OK + row(state="PR") + row(state="Guam"), "rejects", "unknown US state or DC", 2)
add("foreign_province.csv", H + OK + row(state="Ontario"), "rejects", "unknown US state or DC", 1)
add("blank_state.csv", H + OK + row(state=""), "kept", "", 0)  # state unknown; load_table(strict=True) rejects it
# one cell pricing two brands becomes two observations, nothing dropped
add("several_brands_one_cell.csv", H + OK + row(product="", price="Botox $10 per unit, Dysport $4"), "kept",
    "split into 2 observations")
add("future_date.csv", H + OK + row(observed_date="2099-12-31"), "rejects", "date is in the future", 1)
add("garbage_date.csv", H + OK + row(observed_date="last tuesday"), "rejects", "not a date", 1)
add("impossible_date.csv", H + OK + row(observed_date="2025-02-30"), "rejects", "not a date", 1)
add("units_text.csv", H + OK + row(units="twenty"), "rejects", "units: not a number", 1)
add("units_negative.csv", H + OK + row(units="-20"), "rejects", "units: below the minimum", 1)
add("units_huge.csv", H + OK + row(units="100000"), "rejects", "units: above the plausible maximum", 1)
add("unknown_product.csv", H + OK + row(product="Snake Oil 3000"), "rejects", "unknown product", 1)
add("unknown_provider.csv", H + OK + row(provider_type="wizard"), "rejects", "unknown provider type", 1)
add("missing_source_value.csv", H + OK + row(source=""), "rejects", "source: missing value", 1)
add("long_cell_100k.csv", H + OK + row(clinic="A" * 100_000), "rejects", "value longer than", 1)
add("script_in_clinic_and_bad_state.csv", H + OK + row(clinic="<script>alert(1)</script>", state="ZZ"), "rejects", "unknown US state", 1)
add("many_problems_one_row.csv", H + OK + row(state="ZZ", price="-1", source="", observed_date="2099-01-01"), "rejects", "(?=.*state: unknown)(?=.*price_usd: negative)(?=.*source: missing)(?=.*observed_date: date is in the future)", 1)
add("semicolon_delimited_bad_row.csv", (H + OK + row(state="XX")).replace(",", ";"), "rejects", "unknown US state", 1)
add("tab_delimited_bad_row.tsv", (H + OK + row(price="abc")).replace(",", "\t"), "rejects", "not a number", 1)
add("utf8_bom_bad_row.csv", "\ufeff" + H + OK + row(price="-5"), "rejects", "negative price", 1)
add("counts_negative.csv", "state,provider_type,count,source,as_of\nTX,RN,-5,s,2024\nCA,RN,10,s,2024\n", "rejects", "count: below the minimum", 1, table="provider_counts")
add("counts_fractional.csv", "state,provider_type,count,source,as_of\nTX,RN,10.5,s,2024\nCA,RN,10,s,2024\n", "rejects", "count: not a number", 1, table="provider_counts")
add("counts_duplicate_key.csv", "state,provider_type,count,source,as_of\nTX,RN,5,s,2024\nTX,registered nurse,6,s,2024\n", "rejects", "duplicate \\(state, provider_type\\)", 1, table="provider_counts")
add("rules_bad_vocabulary.csv", "state,provider_type,may_inject,supervision,source,as_of\nTX,RN,maybe,independent,s,2024\nCA,RN,yes,independent,s,2024\n", "rejects", "may_inject: expected one of", 1, table="state_rules")
add("rules_bad_as_of.csv", "state,provider_type,may_inject,supervision,source,as_of\nTX,RN,yes,independent,s,recently\nCA,RN,yes,independent,s,2024\n", "rejects", "as_of: expected a date or year", 1, table="state_rules")
add("training_bad_hours.csv", "organization,course,format,hands_on,duration_hours,list_price_usd,cme_credits,eligible_professions,locations,source,as_of\nA,B,in_person,yes,two days,,,,,s,2024\nA,C,online,no,8,,,,,s,2024\n", "rejects", "duration_hours: not a number", 1, table="training")
add("training_bad_format.csv", "organization,course,format,hands_on,duration_hours,list_price_usd,cme_credits,eligible_professions,locations,source,as_of\nA,B,carrier pigeon,yes,,,,,,s,2024\nA,C,online,no,8,,,,,s,2024\n", "rejects", "format: expected one of", 1, table="training")


def excel_named_csv() -> None:
    frame = pl.read_csv((H + OK + row(state="XX")).encode(), infer_schema=False)
    buf = io.BytesIO()
    frame.write_excel(buf)
    add("excel_saved_as.csv", buf.getvalue(), "rejects", "unknown US state", 1)


def typed_parquet_with_nan() -> None:
    buf = io.BytesIO()
    pl.DataFrame({"state": ["TX", "CA"], "price_usd": [12.0, float("nan")], "source": ["s", "s"]}).write_parquet(buf)
    add("parquet_nan_price.parquet", buf.getvalue(), "rejects", "not finite|not a number", 1)


def main() -> None:
    excel_named_csv()
    typed_parquet_with_nan()
    for old in HERE.iterdir():
        if old.name not in {"make_corpus.py"}:
            old.unlink()
    with open(HERE / "expected.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "table", "outcome", "pattern", "rejected"])
        for name, data, table, outcome, pattern, rejected in CASES:
            (HERE / name).write_bytes(data)
            writer.writerow([name, table, outcome, pattern, rejected])
    print(f"wrote {len(CASES)} cases to {HERE}")


if __name__ == "__main__":
    main()
