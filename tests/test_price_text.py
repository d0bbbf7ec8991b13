"""Price text as clinics and users write it: what the loader reads from it and how it says so (issue #13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from analysis.io import load_table
from analysis.price_text import parse_price, split_several_prices


def _parse(text: str) -> dict:
    return pl.DataFrame({"t": [text]}).select(parse_price(pl.col("t")).alias("p")).unnest("p").row(0, named=True)


def _load(tmp_path: Path, body: str, header: str = "state,product,price,source", **kw) -> pl.DataFrame:
    path = tmp_path / "prices.csv"
    path.write_text(header + "\n" + body)
    return load_table(path, "prices", **kw).accepted


# --- the amount --------------------------------------------------------------------------------------------


def test_an_explicit_per_unit_statement_wins_over_a_total():
    parsed = _parse("$600 for a 50-unit vial, which works out to $12 a unit")
    assert parsed["price_usd"] == 12.0 and parsed["model_hint"] == "per_unit" and parsed["total_usd"] == 600.0
    assert parsed["units_low"] == 50.0


def test_a_per_unit_range_after_a_total_is_read_as_the_range():
    parsed = _parse("Package $300, or $10-$14 per unit")
    assert (parsed["price_low_usd"], parsed["price_high_usd"], parsed["model_hint"]) == (10.0, 14.0, "per_unit")


def test_a_single_amount_is_unchanged_by_the_per_unit_rule():
    assert _parse("$12/unit (was $300-$500)")["price_usd"] == 12.0
    assert _parse("-$12/unit")["problem"] == "negative price"


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("12 units / $144", 12, 12),
        ("15-20 units est. $180-$240+", 15, 20),
        ("$390 for three areas, about 30 units", 30, 30),
        ("first 20 units just $189", 20, 20),
        ("20u $300", 20, 20),
    ],
)
def test_unit_counts_are_read(text, low, high):
    parsed = _parse(text)
    assert (parsed["units_low"], parsed["units_high"]) == (low, high)


@pytest.mark.parametrize("text", ["$12/unit", "$12 per unit", "$11.50 / u", "Botox $12/unit"])
def test_a_per_unit_price_holds_no_unit_count(text):
    assert _parse(text)["units_low"] is None


@pytest.mark.parametrize(
    ("text", "model", "n_areas", "areas"),
    [
        ("$350 forehead", "per_area", 1, "forehead"),
        ("$450 (3 areas)", "per_area", 3, None),
        ("$449 for two sites", "per_area", 2, None),
        ("frown lines $250", "per_area", 1, "glabella"),
        ("Forehead + crow's feet $400", "per_area", 2, "forehead;crows_feet"),
    ],
)
def test_areas_named_or_counted_make_a_per_area_quote(text, model, n_areas, areas):
    parsed = _parse(text)
    assert (parsed["model_hint"], parsed["n_areas"], parsed["areas"]) == (model, n_areas, areas)


@pytest.mark.parametrize(
    ("text", "qualifiers"),
    [
        ("from $199", "from"),
        ("$9.99/unit new patients only", "new_patient"),
        ("$12/unit members", "member"),
        ("$199 (non-member)", None),
        ("$8/unit (72-hr sale)", "promotional"),
        ("$9.50/unit if paying cash", "cash"),
        ("$12 per unit", None),
    ],
)
def test_qualifier_words_are_kept_as_flags(text, qualifiers):
    assert _parse(text)["qualifiers"] == qualifiers


def test_vial_and_syringe_prices_are_their_own_model():
    assert _parse("$1,200/vial")["model_hint"] == "per_vial"
    assert _parse("$500 per syringe")["model_hint"] == "per_vial"


# --- several brands in one cell ----------------------------------------------------------------------------


def test_a_cell_pricing_two_brands_becomes_two_rows_traceable_to_its_source_row():
    raw = pl.DataFrame({"price": ["Botox $10 per unit, Dysport $4", "$12/unit"]}).with_row_index("source_row", offset=2)
    out, split = split_several_prices(raw, "price", "source_row")
    assert out["price"].to_list() == ["Botox $10 per unit", "Dysport $4", "$12/unit"]
    assert out["source_row"].to_list() == [2, 2, 3] and out["source_part"].to_list() == [1, 2, None]
    assert split.to_list() == [True, True, False]


def test_one_price_for_several_brands_is_not_split():
    raw = pl.DataFrame({"price": ["Botox or Dysport $12/unit", "$12/unit members, $14 non-members"]})
    out, split = split_several_prices(raw.with_row_index("source_row"), "price", "source_row")
    assert out.height == 2 and not split.any()


def test_the_loader_keeps_both_brands_and_carries_the_model_over(tmp_path):
    acc = _load(tmp_path, 'TX,,"Botox $10 per unit, Dysport $4",https://e.com\n')
    assert acc["product"].to_list() == ["botox_cosmetic", "dysport"]
    assert acc["price_usd"].to_list() == [10.0, 4.0] and acc["pricing_model"].to_list() == ["per_unit", "per_unit"]
    assert "part 2 of a cell pricing several brands" in acc["derivation"][1]


# --- what the loader makes of it ----------------------------------------------------------------------------


def test_every_accepted_row_says_how_its_number_was_derived(tmp_path):
    body = (
        "TX,Botox,$12/unit,https://e.com\n"
        "TX,Botox,12 units / $144,https://e.com\n"
        "TX,Botox,$13,https://e.com\n"
        "TX,Botox,$450 (3 areas),https://e.com\n"
        "TX,Botox,from $199,https://e.com\n"
        'TX,Botox,"$600 for a 50-unit vial, which works out to $12 a unit",https://e.com\n'
    )
    acc = _load(tmp_path, body)
    assert acc["derivation"].null_count() == 0
    assert acc["price_per_unit_usd"].to_list() == [12.0, 12.0, 13.0, None, None, 12.0]
    assert acc["per_unit_basis"].to_list() == ["quoted", "derived", "inferred", None, None, "quoted"]
    assert acc["price_per_area_usd"][3] == 150.0 and "per area = $450 ÷ 3 areas" in acc["derivation"][3]
    assert acc["pricing_model"][4] is None and "lower bound" in acc["derivation"][4]
    assert "beside a total of $600" in acc["derivation"][5]


def test_a_named_area_in_its_column_makes_a_per_area_quote(tmp_path):
    acc = _load(tmp_path, "TX,Botox,$300,Forehead,https://e.com\n", header="state,product,price,area,source")
    assert acc["pricing_model"][0] == "per_area" and acc["treatment_area"][0] == "forehead"


def test_an_implausible_derived_unit_price_is_not_used_and_says_why(tmp_path):
    acc = _load(tmp_path, "TX,Botox,$17 for the first 60 units,https://e.com\n")
    assert acc["price_per_unit_usd"][0] is None and "not a plausible unit price" in acc["derivation"][0]


def test_bare_amounts_above_the_inference_limit_get_no_model(tmp_path):
    acc = _load(tmp_path, "TX,Botox,$60,https://e.com\n")
    assert acc["pricing_model"][0] is None and acc["price_per_unit_usd"][0] is None


def test_an_unnamed_brand_is_kept_unspecified_and_never_converted(tmp_path):
    from analysis import pricing, reference

    acc = _load(tmp_path, "TX,tox,$11/unit,https://e.com\n")
    assert acc["product"][0] == "unspecified" and acc["price_per_unit_usd"][0] == 11.0
    used = pricing.figure_use(acc, reference.unit_conversions()).collect()
    assert used["price_per_botox_unit_usd"][0] is None and used["left_out"][0].startswith("brand not named")


def test_a_quote_without_a_state_is_kept_unless_strict(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("state,price,source\n,$11/unit,https://e.com\nZZ,$12/unit,https://e.com\n")
    kept = load_table(path, "prices")
    assert kept.n_accepted == 1 and kept.accepted["state"][0] is None
    assert kept.rejects["reason"][0].startswith("state: unknown US state")  # an unknown code stays a reject
    strict = load_table(path, "prices", strict=True)
    assert strict.n_accepted == 0 and strict.n_rejected == 2


def test_no_source_column_cites_the_file_and_says_so(tmp_path):
    path = tmp_path / "my list.csv"
    path.write_text("Where,How Much\nTX,$12/unit\n")
    result = load_table(path, "prices", columns={"Where": "state", "How Much": "price_usd"})
    assert result.accepted["source"].to_list() == ["my list.csv"]
    assert any("no source column" in note for note in result.notes)


# --- validate ------------------------------------------------------------------------------------------------


def _validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis.cli", "validate", *args], capture_output=True, text=True)


def test_validate_accounts_for_every_row_and_writes_the_accepted_rows(tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text(
        "Where,How Much,Brand\n"
        "TX,$12/unit,Botox\n"
        'TX,"Botox $10 per unit, Dysport $4",\n'
        "TX,12 units / $144,Botox\n"
        "TX,from $199,Botox\n"
        "TX,$9/unit promo,Botox\n"
        "TX,call for price,Botox\n"
    )
    out = tmp_path / "accepted.parquet"
    done = _validate(str(path), "--columns", "Where=state,How Much=price_usd", "--accepted", str(out))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "6 rows read (7 observations), 6 accepted, 1 rejected" in text
    assert "4 per-unit (price per Botox-equivalent unit: 3 quoted, 1 derived)" in text
    assert "no pricing model" in text and "set aside" in text
    written = pl.read_parquet(out)
    assert written.height == 6
    assert written.columns[:4] == ["source_row", "source_part", "state", "product"]
    for column in ("pricing_model", "price_usd", "units", "price_per_unit_usd", "price_per_botox_unit_usd"):
        assert column in written.columns
    assert written.filter(pl.col("product") == "dysport")["price_per_botox_unit_usd"][0] > 4.0  # Dysport units


def test_validate_refuses_an_accepted_file_of_another_kind(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("state,price\nTX,$12\n")
    done = _validate(str(path), "--accepted", str(tmp_path / "out.txt"))
    assert done.returncode == 2 and "--accepted must end in .csv or .parquet" in done.stderr
