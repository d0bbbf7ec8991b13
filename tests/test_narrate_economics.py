"""The economics report's sentences: names kept intact, no break-even said plainly, states ranked honestly."""

from __future__ import annotations

import polars as pl

from analysis import pnl
from analysis.narrate import economics as prose
from tests.test_pnl import VALUES


def _answer(values, label="Physician (MD/DO)"):
    rule = {"may_inject": "yes", "supervision": "independent", "medical_director": False}
    line = prose.rule_sentence(rule, label=label, state_label="Texas")
    return prose.answer(
        pnl.summary(values, course_fee=1000.0), values, label=label, state_label="Texas", rule_line=line,
        top=pl.DataFrame(),
    )  # fmt: skip


def test_answer_keeps_acronyms_and_states_every_headline():
    text = _answer(VALUES)
    assert "One physician \\(MD\\/DO\\) injecting in Texas" in text
    assert "physicians \\(MD\\/DO\\) may inject" in text and "\\s(" not in text
    assert "**100 visits** of 40 units at \\$14.00 a unit bring **\\$56,000**" in text
    assert "**Break-even: 36 visits a month**" in text
    assert "paid back by the margin of **4 visits** (before fixed costs)" in text  # 1,000 / 276.53 = 3.6


def test_answer_without_margin_says_no_break_even():
    text = _answer({**VALUES, "price_per_unit": 5.0})
    assert "**No break-even**" in text and "paid back" not in text
    assert "Each unit leaves −\\$" in text  # a loss per unit reads as one


def test_may_not_inject_names_who_may():
    text = prose.may_not_inject("Aesthetician", "California", {"source": "https://mbc.ca.gov/x"}, ["Physician (MD/DO)"])
    assert text.startswith("**Aestheticians may not inject cosmetic neurotoxins in California**")
    assert "Physician \\(MD\\/DO\\)" in text and "mbc.ca.gov" in text


def test_by_state_ranks_only_states_with_their_own_prices():
    table = pl.DataFrame(
        {
            "state": ["NY", "TX", "WY", "ID", "AL", "MT"],
            "name": ["New York", "Texas", "Wyoming", "Idaho", "Alabama", "Montana"],
            "may_inject": ["yes", "yes", "yes", "unknown", "no", "yes"],
            "price_fallback": [False, False, True, True, True, True],
            "pay_unknown": [False, False, False, False, False, True],
            "operating_profit_usd": [30_000.0, 20_000.0, 25_000.0, 24_000.0, None, None],
        }
    )
    text = prose.by_state_text(table, label="Registered nurse", state="TX")
    assert "the 2 states with 5 or more Botox Cosmetic quotes" in text
    assert "highest **New York**" in text and "lowest **Texas**" in text
    assert "In the other 2 states the price is not known" in text and "\\$24,000–\\$25,000" in text
    assert "may inject at all is unknown in: Idaho." in text
    assert "no wage for them (top-coded or not released): 1 state." in text
    assert "Left out, where they may not inject: Alabama." in text
    assert "**Texas** ranks 2 of 2." in text


def test_answer_says_when_the_price_is_the_national_median_and_the_visits_an_average():
    line = "rule"
    text = prose.answer(
        pnl.summary(VALUES), VALUES, label="Registered nurse", state_label="Wyoming", rule_line=line,
        top=pl.DataFrame(), visits_default=True, price_fallback=True,
    )  # fmt: skip
    assert "(the national median: too few quotes here)" in text
    assert "an average med spa's injectable visits" in text
    assert "national median" not in _answer(VALUES)


def test_national_rule_sentence_counts_states_that_do_not_say():
    rule = {"states_may_inject": 10, "states_overseen": 6, "states_independent": 3, "medical_director": True}
    text = prose.national_rule_sentence(rule, label="Registered nurse")
    assert "may inject in 10 states; 6 of them require" in text and "3 do not (1 do not say)" in text
    assert "counts a medical director's fee" in text


def test_answer_says_when_the_injector_is_not_paid():
    text = prose.answer(
        pnl.summary(VALUES), VALUES, label="Physician (MD/DO)", state_label="Alaska", rule_line="rule",
        top=pl.DataFrame(), unpaid=True,
    )  # fmt: skip
    assert "**The injector's pay is not in these costs**" in text


def test_missing_price_gives_a_statement_not_a_traceback():
    inputs = pnl.inputs_frame([pnl.input_row("price_per_unit", None, basis="observed", source="quotes")])
    text = prose.missing_inputs(inputs, ["price_per_unit"])
    assert "No month can be computed: no value for price per botox unit" in text and "`price_per_unit`" in text
