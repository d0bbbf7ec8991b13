"""Tests for analysis.normalize: messy scraped text → the toolkit's vocabularies.

Throughput (not a timed test; run ``python tests/test_normalize.py [n_rows]``): 1,000,000 mixed
scraped price strings, lazy ``select``, 2-core machine shared with other jobs (load average 6-9):
parse_price 2.2 s CPU single-threaded (POLARS_MAX_THREADS=1), 2.4-5 s wall with both cores under that
load, ≈1.3 s wall when the machine was quieter; provider_type ≈ 1.1 s CPU, pricing_model ≈ 0.6 s,
product ≈ 0.4 s, state_code ≈ 0.4 s (CPU, single-threaded, per 1M rows).
"""

from __future__ import annotations

import math
import sys
import time

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.normalize import (
    pricing_model,
    product,
    provider_type,
    state_code,
)
from analysis.price_text import parse_price
from analysis.schemas import PRICING_MODELS, PRODUCTS, PROVIDER_TYPES
from analysis.states import state_names


def _apply(builder, values: list[str | None]) -> list:
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    return frame.select(builder(pl.col("text")).alias("out"))["out"].to_list()


def _one(builder, value: str | None):
    return _apply(builder, [value])[0]


def _prices(values: list[str | None]) -> list[dict]:
    return _apply(parse_price, values)


def _price(value: str | None) -> dict:
    return _prices([value])[0]


# --- state_code --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["tx", "TX", " Tx ", "t.x."])
def test_state_code_accepts_two_letter_codes_in_any_case_and_punctuation(text):
    assert _one(state_code, text) == "TX"


@pytest.mark.parametrize("text", ["Texas", "TEXAS", " texas "])
def test_state_code_accepts_full_names_in_any_case(text):
    assert _one(state_code, text) == "TX"


def test_state_code_ignores_extra_spaces_inside_names():
    assert _one(state_code, " new  york ") == "NY"


def test_state_code_accepts_dotted_abbreviations():
    assert _one(state_code, "N.Y.") == "NY"


@pytest.mark.parametrize("text", ["District of Columbia", "Washington DC", "Washington, D.C.", "D.C.", "dc"])
def test_state_code_recognises_every_spelling_of_dc(text):
    assert _one(state_code, text) == "DC"


def test_state_code_reads_plain_washington_as_the_state():
    assert _one(state_code, "Washington") == "WA"


def test_state_code_accepts_traditional_abbreviations():
    assert _apply(state_code, ["Calif.", "Mass.", "W. Va."]) == ["CA", "MA", "WV"]


@pytest.mark.parametrize("text", ["PR", "Puerto Rico", "GU", "Guam", "Ontario", "XX", "TX1", "", None])
def test_state_code_returns_null_for_anything_that_is_not_a_state_or_dc(text):
    assert _one(state_code, text) is None


def test_state_code_maps_every_code_and_every_name_to_its_code():
    codes = list(state_names())
    assert _apply(state_code, codes) == codes
    assert _apply(state_code, list(state_names().values())) == codes


def test_state_names_cover_fifty_states_and_dc():
    assert len(state_names()) == 51
    assert state_names()["DC"] == "District of Columbia"


@settings(deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=25), st.sampled_from(list(state_names().values()))), min_size=1, max_size=20)
)
def test_state_code_is_idempotent_on_its_outputs(texts):
    once = _apply(state_code, texts)
    assert _apply(state_code, once) == once


# --- product -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Botox", "BOTOX®", "botox cosmetic", "Botox® Cosmetic", "onabotulinumtoxinA", "ona"])
def test_product_reads_botox_spellings_as_botox_cosmetic(text):
    assert _one(product, text) == "botox_cosmetic"


@pytest.mark.parametrize("text", ["Dysport", "DYSPORT®", "abobotulinumtoxinA"])
def test_product_reads_dysport_spellings_as_dysport(text):
    assert _one(product, text) == "dysport"


@pytest.mark.parametrize("text", ["Xeomin", "incobotulinumtoxinA"])
def test_product_reads_xeomin_spellings_as_xeomin(text):
    assert _one(product, text) == "xeomin"


@pytest.mark.parametrize("text", ["Jeuveau", "prabotulinumtoxinA-xvfs", "Newtox"])
def test_product_reads_jeuveau_spellings_as_jeuveau(text):
    assert _one(product, text) == "jeuveau"


@pytest.mark.parametrize("text", ["Daxxify", "daxibotulinumtoxinA-lanm"])
def test_product_reads_daxxify_spellings_as_daxxify(text):
    assert _one(product, text) == "daxxify"


@pytest.mark.parametrize("text", ["Letybo", "letibotulinumtoxinA-wlbg"])
def test_product_reads_letybo_as_its_own_brand(text):
    assert _one(product, text) == "letybo"


@pytest.mark.parametrize("text", ["Myobloc", "Relfydess", "Hutox"])
def test_product_reads_a_named_brand_outside_the_six_as_other(text):
    assert _one(product, text) == "other"


@pytest.mark.parametrize("text", ["neurotoxin", "tox", "toxin", "botulinum toxin", "wrinkle relaxer"])
def test_product_treats_generic_words_as_unspecified(text):
    assert _one(product, text) == "unspecified"


@pytest.mark.parametrize("text", ["Botox or Dysport", "Botox/Xeomin", "Neurotoxin (Botox/Dysport)"])
def test_product_treats_a_cell_naming_two_brands_as_unspecified(text):
    assert _one(product, text) == "unspecified"


@pytest.mark.parametrize("text", ["Restylane", "Snake Oil 3000", "Bottox"])
def test_product_is_null_for_a_word_that_is_neither_a_brand_nor_a_toxin(text):
    assert _one(product, text) is None


def test_product_accepts_its_own_vocabulary():
    assert _apply(product, list(PRODUCTS)) == list(PRODUCTS)


def test_product_returns_null_for_blank_and_missing():
    assert _apply(product, ["", None]) == [None, None]


# --- provider_type -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["MD", "M.D.", "DO", "D.O.", "physician", "doctor", "dermatologist", "plastic surgeon", "surgeon"]
)
def test_provider_type_reads_physician_spellings_as_physician(text):
    assert _one(provider_type, text) == "physician"


@pytest.mark.parametrize("text", ["PA", "PA-C", "physician assistant", "Physician Associate"])
def test_provider_type_reads_physician_assistant_spellings(text):
    assert _one(provider_type, text) == "physician_assistant"


@pytest.mark.parametrize("text", ["NP", "APRN", "FNP", "FNP-C", "DNP", "nurse practitioner"])
def test_provider_type_reads_nurse_practitioner_spellings(text):
    assert _one(provider_type, text) == "nurse_practitioner"


@pytest.mark.parametrize("text", ["RN", "BSN", "registered nurse", "nurse injector", "aesthetic nurse"])
def test_provider_type_reads_registered_nurse_spellings(text):
    assert _one(provider_type, text) == "registered_nurse"


@pytest.mark.parametrize("text", ["LPN", "LVN", "licensed practical nurse", "Licensed Vocational Nurse"])
def test_provider_type_reads_lpn_and_lvn_as_licensed_practical_nurse(text):
    assert _one(provider_type, text) == "licensed_practical_nurse"


@pytest.mark.parametrize("text", ["DDS", "DMD", "dentist"])
def test_provider_type_reads_dentist_spellings(text):
    assert _one(provider_type, text) == "dentist"


@pytest.mark.parametrize("text", ["esthetician", "aesthetician", "medical esthetician", "LE"])
def test_provider_type_reads_esthetician_spellings_as_aesthetician(text):
    assert _one(provider_type, text) == "aesthetician"


@pytest.mark.parametrize("text", ["MA", "medical assistant"])
def test_provider_type_reads_medical_assistant_spellings(text):
    assert _one(provider_type, text) == "medical_assistant"


def test_provider_type_takes_the_highest_of_several_credentials():
    assert _one(provider_type, "Jane Roe, RN, BSN, NP-C") == "nurse_practitioner"


def test_provider_type_reads_oral_surgeon_as_dentist_not_physician():
    assert _one(provider_type, "oral surgeon") == "dentist"


def test_provider_type_accepts_its_own_vocabulary():
    assert _apply(provider_type, list(PROVIDER_TYPES)) == list(PROVIDER_TYPES)


@pytest.mark.parametrize("text", ["janitor", "", None])
def test_provider_type_returns_null_for_unknown_text(text):
    assert _one(provider_type, text) is None


# --- pricing_model -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["per unit", "unit", "per_unit", "/u", "Per Unit"])
def test_pricing_model_reads_unit_spellings_as_per_unit(text):
    assert _one(pricing_model, text) == "per_unit"


@pytest.mark.parametrize("text", ["per area", "area", "zone"])
def test_pricing_model_reads_area_spellings_as_per_area(text):
    assert _one(pricing_model, text) == "per_area"


@pytest.mark.parametrize("text", ["session", "visit", "treatment", "per session"])
def test_pricing_model_reads_session_spellings_as_per_session(text):
    assert _one(pricing_model, text) == "per_session"


@pytest.mark.parametrize("text", ["package", "bundle", "membership"])
def test_pricing_model_reads_package_spellings_as_package(text):
    assert _one(pricing_model, text) == "package"


def test_pricing_model_accepts_its_own_vocabulary():
    assert _apply(pricing_model, list(PRICING_MODELS)) == list(PRICING_MODELS)


@pytest.mark.parametrize("text", ["banana", "", None])
def test_pricing_model_returns_null_for_unknown_text(text):
    assert _one(pricing_model, text) is None


# --- parse_price: parsing ----------------------------------------------------------------------


def test_parse_price_returns_a_struct_with_the_documented_fields():
    dtype = pl.DataFrame({"p": ["$1"]}).select(parse_price(pl.col("p"))).schema["p"]
    assert dtype == pl.Struct(
        {
            "price_low_usd": pl.Float64,
            "price_high_usd": pl.Float64,
            "price_usd": pl.Float64,
            "total_usd": pl.Float64,
            "model_hint": pl.String,
            "model_explicit": pl.Boolean,
            "units_low": pl.Float64,
            "units_high": pl.Float64,
            "n_areas": pl.Int32,
            "areas": pl.String,
            "qualifiers": pl.String,
            "is_minimum": pl.Boolean,
            "problem": pl.String,
        }
    )


def test_dollar_price_per_unit_gives_price_and_per_unit_hint():
    got = _price("$12/unit")
    assert (got["price_usd"], got["model_hint"], got["problem"]) == (12.0, "per_unit", None)


def test_usd_written_after_the_number_is_accepted():
    got = _price("12 USD per unit")
    assert (got["price_usd"], got["model_hint"]) == (12.0, "per_unit")


def test_slash_u_is_a_per_unit_hint():
    got = _price("$11.50 / u")
    assert (got["price_usd"], got["model_hint"]) == (11.5, "per_unit")


def test_range_price_uses_midpoint():
    got = _price("$300-$500 per area")
    assert (got["price_low_usd"], got["price_high_usd"], got["price_usd"]) == (300.0, 500.0, 400.0)


def test_range_price_keeps_the_per_area_hint():
    assert _price("$300-$500 per area")["model_hint"] == "per_area"


def test_range_with_an_en_dash_is_a_range():
    got = _price("$300 – $500")
    assert (got["price_low_usd"], got["price_high_usd"]) == (300.0, 500.0)


def test_range_written_with_to_is_a_range():
    got = _price("300 to 500")
    assert (got["price_low_usd"], got["price_high_usd"], got["price_usd"]) == (300.0, 500.0, 400.0)


def test_from_marks_a_minimum_price():
    got = _price("from $199")
    assert (got["price_usd"], got["is_minimum"]) == (199.0, True)


def test_starting_at_marks_a_minimum_and_keeps_the_unit_hint():
    got = _price("Starting at $10/unit")
    assert (got["price_usd"], got["is_minimum"], got["model_hint"]) == (10.0, True, "per_unit")


def test_trailing_plus_marks_a_minimum_price():
    got = _price("$199+")
    assert (got["price_usd"], got["is_minimum"]) == (199.0, True)


def test_plain_price_is_not_a_minimum():
    assert _price("$199")["is_minimum"] is False


def test_thousands_separators_are_removed():
    assert _price("1,200")["price_usd"] == 1200.0


def test_dollar_sign_thousands_and_cents_are_parsed():
    assert _price("$1,200.00")["price_usd"] == 1200.0


def test_zero_dollars_is_a_valid_price_not_a_problem():
    got = _price("$0")
    assert (got["price_usd"], got["problem"]) == (0.0, None)


def test_dollars_written_as_a_word_are_accepted():
    assert _price("12 dollars")["price_usd"] == 12.0


def test_leading_and_trailing_whitespace_is_ignored():
    assert _price("   $12/unit \t\n")["price_usd"] == 12.0


def test_non_breaking_spaces_are_treated_as_spaces():
    got = _price("\u00a0$12\u00a0/\u00a0unit\u00a0")
    assert (got["price_usd"], got["model_hint"]) == (12.0, "per_unit")


def test_huge_numbers_are_kept_for_range_checks_elsewhere():
    assert _price("99999999999999999999")["price_usd"] == 1e20


def test_per_visit_and_per_session_give_a_per_session_hint():
    assert [p["model_hint"] for p in _prices(["$400 per visit", "$400 per session"])] == ["per_session"] * 2


def test_package_wording_gives_a_package_hint():
    assert _price("Package: $500 for 50 units")["model_hint"] == "package"


def test_dollar_amount_wins_over_a_unit_count_in_the_text():
    assert _price("Botox 20 units for $240")["price_usd"] == 240.0


# --- parse_price: problems ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_price_is_a_problem(text):
    got = _price(text)
    assert (got["price_usd"], got["problem"]) == (None, "blank price")


def test_call_for_price_is_no_price():
    assert _price("call for price")["problem"] == "no price (call for price)"


def test_a_phone_number_is_not_read_as_a_price():
    got = _price("Call (555) 123-4567")
    assert (got["price_usd"], got["problem"]) == (None, "no price (call for price)")


def test_n_a_is_no_price():
    assert _price("N/A")["problem"] == "no price (n/a)"


def test_negative_number_is_a_problem():
    assert _price("-12")["problem"] == "negative price"


def test_negative_dollar_amount_is_a_problem():
    assert _price("-$12")["problem"] == "negative price"


def test_dash_between_label_and_price_is_not_a_minus_sign():
    assert _price("Botox - $12/unit")["price_usd"] == 12.0


def test_a_discount_in_parentheses_is_not_a_negative_price():
    assert _price("$12/unit (-20% off)")["price_usd"] == 12.0


def test_the_first_dollar_amount_wins_over_a_later_range():
    got = _price("$12/unit (was $300-$500)")
    assert (got["price_low_usd"], got["price_high_usd"]) == (12.0, 12.0)


def test_a_range_must_start_at_the_first_number():
    assert _price("(555) 123-4567")["price_high_usd"] == 555.0


def test_euro_sign_is_a_non_usd_currency():
    assert _price("€12")["problem"] == "non-USD currency (€)"


def test_pound_sign_is_a_non_usd_currency():
    assert _price("£10")["problem"] == "non-USD currency (£)"


def test_currency_code_after_the_number_is_a_non_usd_currency():
    assert _price("12 EUR")["problem"] == "non-USD currency (EUR)"


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e309"])
def test_non_finite_values_are_a_problem(text):
    got = _price(text)
    assert (got["price_usd"], got["problem"]) == (None, "not finite")


def test_a_number_with_two_decimal_points_is_not_a_number():
    assert _price("$12.5.3")["problem"] == "not a number: '$12.5.3'"


def test_text_without_digits_is_not_a_number():
    assert _price("abc")["problem"] == "not a number: 'abc'"


def test_range_with_low_above_high_is_a_problem():
    assert _price("$500-$300")["problem"] == "range low > high"


def test_a_problem_leaves_all_price_fields_null():
    got = _price("€12")
    assert (got["price_low_usd"], got["price_high_usd"], got["price_usd"]) == (None, None, None)


# --- parse_price: properties -------------------------------------------------------------------

_AMOUNTS = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)


def _money(amount: float) -> str:
    return "$" + f"{amount:,.2f}"


def _close(got: float, want: float) -> bool:
    # f"{a:,.2f}" rounds to the cent (≤ 0.005); parsing the decimal back may add half an ulp.
    return abs(got - want) <= 0.005 + math.ulp(want)


@settings(deadline=None)
@given(amount=_AMOUNTS, suffix=st.sampled_from(["", "/unit"]))
def test_any_formatted_dollar_amount_parses_back_within_half_a_cent(amount, suffix):
    got = _price(_money(amount) + suffix)
    assert got["problem"] is None
    assert _close(got["price_usd"], amount)


@settings(deadline=None)
@given(a=_AMOUNTS, b=_AMOUNTS)
def test_any_dollar_range_parses_to_its_midpoint(a, b):
    low, high = min(a, b), max(a, b)
    got = _price(f"{_money(low)}-{_money(high)}")
    assert got["problem"] is None
    assert _close(got["price_low_usd"], low) and _close(got["price_high_usd"], high)
    assert abs(got["price_usd"] - (low + high) / 2) <= 0.005 + 2 * math.ulp(high)


_PRICEISH = st.text(alphabet="0123456789$.,-–+/ eEuURto€£", max_size=20)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40), _PRICEISH), min_size=1, max_size=30))
def test_any_text_yields_exactly_one_of_a_price_or_a_problem(texts):
    for got in _prices(texts):
        assert (got["price_usd"] is None) != (got["problem"] is None)
        assert isinstance(got["is_minimum"], bool)


# --- throughput (run this file as a script; not part of the test suite) ------------------------


def _throughput(n: int = 1_000_000) -> None:  # pragma: no cover
    import random

    rng = random.Random(0)
    samples = ["$12/unit", "12 USD per unit", "$11.50 / u", "$300-$500 per area", "$300 – $500", "300 to 500",
               "from $199", "Starting at $10/unit", "1,200", "$1,200.00", "$0", "", "call for price", "N/A",
               "-12", "€12", "12 EUR", "nan", "$12.5.3", "12 dollars", "$199+", "Botox 20 units for $240"]  # fmt: skip
    texts = [
        rng.choice(samples)
        if rng.random() < 0.5
        else _money(rng.uniform(5, 900)) + rng.choice(["", "/unit", " per area"])
        for _ in range(n)
    ]
    frame = pl.DataFrame({"text": texts}).lazy()
    for builder in (parse_price, provider_type, pricing_model, product, state_code):
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            frame.select(builder(pl.col("text"))).collect()
            timings.append(time.perf_counter() - start)
        print(f"{builder.__name__:>14}: {min(timings):.2f} s for {n:,} rows")


if __name__ == "__main__":  # pragma: no cover
    _throughput(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
