"""The practice rules per state (#15's first columns): coverage, vocabulary, a source behind every known value."""

from __future__ import annotations

import polars as pl
import pytest

from analysis import reference
from analysis.narrate.providers import practice_rules_lines

FIELDS = {
    "np_practice_authority": ("np_source", {"full", "reduced", "restricted"}),
    "pa_ratio": ("pa_source", None),
    "nlc_status": ("nlc_source", {"member", "partial", "not_member"}),
    "cpom": ("cpom_source", {"strict", "moderate", "weak_or_none"}),
}


@pytest.fixture(scope="module")
def rules() -> pl.DataFrame:
    return reference.practice_rules()


def test_one_row_per_state_and_dc(rules):
    assert sorted(rules["state"].to_list()) == sorted(reference.states()["state"].to_list())
    assert rules["as_of"].null_count() == 0


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_known_value_has_a_source_and_uses_the_vocabulary(rules, field):
    source, vocabulary = FIELDS[field]
    known = rules.filter(pl.col(field).is_not_null())
    assert known[source].null_count() == 0, f"{field}: a value without a source"
    if vocabulary:
        assert set(known[field].to_list()) <= vocabulary
    else:  # a PA ratio is a whole number or 'no limit'
        assert all(v.isdigit() or v == "no limit" for v in known[field].to_list())
    unknown = rules.filter(pl.col(field).is_null())
    assert unknown[source].null_count() == unknown.height  # unknown stays unknown: no source claims a value


def test_reliability_grades_are_the_toolkits(rules):
    for column in ("np_pa_reliability", "nlc_cpom_reliability"):
        assert set(rules[column].to_list()) <= {"high", "med", "low"}
    for column in ("gfe_reliability", "md_reliability"):
        assert set(rules[column].drop_nulls().to_list()) <= {"high", "med", "low"}


EXAMINERS = {"physician", "nurse_practitioner", "physician_assistant", "registered_nurse"}


def test_prior_exam_and_director_fields_use_the_vocabulary_and_cite(rules):
    exam = rules.filter(pl.col("gfe_who").is_not_null() | pl.col("gfe_telehealth").is_not_null())
    assert exam["gfe_source"].null_count() == 0 and exam["gfe_reliability"].null_count() == 0
    for who in exam["gfe_who"].drop_nulls().to_list():
        assert set(who.split(";")) <= EXAMINERS and "physician" in who.split(";")
    assert set(rules["gfe_telehealth"].drop_nulls().to_list()) <= {"allowed", "not_allowed"}
    assert set(rules["md_on_site"].drop_nulls().to_list()) <= {"required", "not_required"}
    duties = rules.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in ("md_on_site", "md_availability")))
    assert duties["md_source"].null_count() == 0 and duties["md_reliability"].null_count() == 0
    # A grade only where something is known: no reliability for a field left unknown.
    blank = rules.filter(pl.col("gfe_who").is_null() & pl.col("gfe_telehealth").is_null())
    assert blank["gfe_reliability"].null_count() == blank.height


def test_the_practice_lines_cite_each_value_and_say_unknown(rules):
    row = rules.filter(pl.col("state") == "WY").row(0, named=True)
    text = practice_rules_lines(row, state_label="Wyoming")
    assert text.count("\n- ") == 6
    if row["cpom"] is None:
        assert "Corporate practice of medicine (who may own): unknown" in text
    assert "(<http" in text  # sources are links


def test_the_practice_lines_name_who_examines_and_the_directors_duties(rules):
    row = rules.filter(pl.col("state") == "MD").row(0, named=True)
    text = practice_rules_lines(row, state_label="Maryland")
    exam = next(line for line in text.splitlines() if line.startswith("- Good-faith"))
    assert "by a physician" in exam and "dsd.state.md.us" in exam
    if row["gfe_telehealth"] == "not_allowed":
        assert "not by telehealth" in exam
    duties = next(line for line in text.splitlines() if line.startswith("- Medical director"))
    assert ("physician on site" in duties) == (row["md_on_site"] == "required")


def test_state_by_state_view_has_every_state_and_keeps_unknowns_unknown(rules):
    from analysis.figures.providers import PRACTICE_RULES_LABELS, practice_rules_view

    view = practice_rules_view(rules, reference.states())
    assert view.height == 51 and view.columns == list(PRACTICE_RULES_LABELS)
    by_name = {r["name"]: r for r in view.iter_rows(named=True)}
    for r in rules.iter_rows(named=True):
        name = reference.states().filter(pl.col("state") == r["state"])["name"][0]
        shown = by_name[name]
        assert (shown["gfe_who"] is None) == (r["gfe_who"] is None)  # unknown is not filled in
        assert (shown["cpom"] is None) == (r["cpom"] is None)
        if r["gfe_who"]:
            assert shown["gfe_who"].startswith("MD/DO")  # a physician is always among those who examine
    assert (
        by_name["Maryland"]["gfe_telehealth"]
        == {"allowed": "allowed", "not_allowed": "in person", None: None}[
            rules.filter(pl.col("state") == "MD")["gfe_telehealth"][0]
        ]
    )
