"""Checks on the shipped who-may-inject table, data/reference/state_rules.csv (51 jurisdictions x 8 provider types)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from analysis.config import REFERENCE_DIR

STATE_RULES_CSV = REFERENCE_DIR / "state_rules.csv"

COLUMNS = [
    "state",
    "provider_type",
    "may_inject",
    "supervision",
    "may_purchase",
    "notes",
    "source",
    "as_of",
    "reliability",
]
JURISDICTIONS = {
    "AK",
    "AL",
    "AR",
    "AZ",
    "CA",
    "CO",
    "CT",
    "DC",
    "DE",
    "FL",
    "GA",
    "HI",
    "IA",
    "ID",
    "IL",
    "IN",
    "KS",
    "KY",
    "LA",
    "MA",
    "MD",
    "ME",
    "MI",
    "MN",
    "MO",
    "MS",
    "MT",
    "NC",
    "ND",
    "NE",
    "NH",
    "NJ",
    "NM",
    "NV",
    "NY",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VA",
    "VT",
    "WA",
    "WI",
    "WV",
    "WY",
}
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
MAY = {"yes", "no", "conditional", "unknown"}
SUPERVISION = {
    "independent",
    "physician_on_site",
    "physician_available",
    "delegation_after_exam",
    "not_allowed",
    "unknown",
}
RELIABILITY = {"high", "med", "low"}
NATIONAL_SUMMARY = "https://medspastandards.com/blog/who-can-inject-botox-united-states"

URL = re.compile(r"^https?://\S+$")
# a citation without a URL: a statute / rule / code reference
CITATION = re.compile(r"(§|\bCode\b|\bRule\b|\bNRS\b|\bCOMAR\b|\bNMAC\b|\bOAR\b|\bWAC\b|\bN\.J\.A\.C\.|\bStat\.)")


@pytest.fixture(scope="module")
def rules() -> pl.DataFrame:
    return pl.read_csv(STATE_RULES_CSV, infer_schema=False).with_columns(pl.col(c).fill_null("") for c in COLUMNS)


def _cell(rules: pl.DataFrame, state: str, provider_type: str) -> dict[str, str]:
    hit = rules.filter((pl.col("state") == state) & (pl.col("provider_type") == provider_type))
    assert hit.height == 1, (state, provider_type, hit.height)
    return hit.row(0, named=True)


# --- shape -----------------------------------------------------------------------------------


def test_columns_in_order(rules: pl.DataFrame) -> None:
    assert rules.columns == COLUMNS


def test_every_state_and_type_exactly_once(rules: pl.DataFrame) -> None:
    assert rules.height == 51 * 8 == 408
    assert set(rules["state"]) == JURISDICTIONS
    assert set(rules["provider_type"]) == PROVIDER_TYPES
    counts = rules.group_by("state", "provider_type").len()
    assert counts.height == 408
    assert counts["len"].max() == 1


# --- vocabularies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "allowed"),
    [
        ("may_inject", MAY),
        ("may_purchase", MAY),
        ("supervision", SUPERVISION),
        ("reliability", RELIABILITY),
    ],
)
def test_vocabulary(rules: pl.DataFrame, column: str, allowed: set[str]) -> None:
    bad = rules.filter(~pl.col(column).is_in(sorted(allowed)))
    assert bad.is_empty(), bad.select("state", "provider_type", column).to_dicts()[:5]


def test_as_of_is_a_year_or_a_date(rules: pl.DataFrame) -> None:
    ok = rules["as_of"].str.contains(r"^(19|20)\d{2}(-\d{2}-\d{2})?$")
    assert ok.all(), rules.filter(~ok).select("state", "provider_type", "as_of").to_dicts()[:5]
    assert rules["as_of"].str.slice(0, 4).cast(pl.Int32).max() <= 2026


# --- sourcing -----------------------------------------------------------------------------------


def test_every_row_has_a_source_or_says_why_unknown(rules: pl.DataFrame) -> None:
    for r in rules.iter_rows(named=True):
        if r["source"].strip():
            continue
        assert r["may_inject"] == "unknown", r
        assert "unknown" in r["notes"].lower() or "not found" in r["notes"].lower(), r


def test_unknown_cells_explain_themselves(rules: pl.DataFrame) -> None:
    unknown = rules.filter(pl.col("may_inject") == "unknown")
    assert (unknown["notes"].str.len_chars() > 20).all()
    assert unknown["notes"].str.to_lowercase().str.starts_with("unknown").all()
    assert (unknown["reliability"] == "low").all()
    assert (unknown["supervision"] == "unknown").all()


def test_known_cells_cite_urls_or_citations(rules: pl.DataFrame) -> None:
    known = rules.filter((pl.col("may_inject") != "unknown") | (pl.col("may_purchase") != "unknown"))
    assert known.height > 300
    for r in known.iter_rows(named=True):
        parts = [p.strip() for p in r["source"].split(" ; ")]
        assert parts and all(parts), r
        for part in parts:
            assert URL.match(part) or CITATION.search(part), (r["state"], r["provider_type"], part)


def test_conflicts_are_written_out_with_a_url(rules: pl.DataFrame) -> None:
    conflicted = rules.filter(pl.col("notes").str.contains("CONFLICT"))
    assert conflicted.height >= 25  # the seed alone had 29 conflicting cells
    for r in conflicted.iter_rows(named=True):
        assert r["notes"].startswith("CONFLICT"), r
        first = r["notes"].split(" | ")[0]
        assert "http" in first, r


def test_national_summary_alone_is_never_high(rules: pl.DataFrame) -> None:
    only_national = rules.filter(
        pl.col("source").str.starts_with(NATIONAL_SUMMARY) & ~pl.col("source").str.contains(".gov")
    )
    assert (only_national["reliability"] != "high").all()


# --- internal consistency ----------------------------------------------------------------------


def test_no_means_not_allowed_and_back(rules: pl.DataFrame) -> None:
    no = rules.filter(pl.col("may_inject") == "no")
    assert (no["supervision"] == "not_allowed").all()
    not_allowed = rules.filter(pl.col("supervision") == "not_allowed")
    assert (not_allowed["may_inject"] == "no").all()


def test_independent_only_for_prescribers(rules: pl.DataFrame) -> None:
    independent = rules.filter(pl.col("supervision") == "independent")
    assert set(independent["provider_type"]) <= {"physician", "nurse_practitioner", "dentist", "physician_assistant"}


def test_physicians_inject_and_buy_everywhere(rules: pl.DataFrame) -> None:
    phys = rules.filter(pl.col("provider_type") == "physician")
    assert (phys["may_inject"] == "yes").all()
    assert (phys["supervision"] == "independent").all()
    assert (phys["may_purchase"] == "yes").all()


def test_non_prescribers_cannot_buy_on_their_own(rules: pl.DataFrame) -> None:
    staff = rules.filter(
        pl.col("provider_type").is_in(
            ["registered_nurse", "licensed_practical_nurse", "aesthetician", "medical_assistant"]
        )
    )
    assert (staff["may_purchase"] == "no").all()


# --- spot checks verified against stored copies of the cited pages --------------------------------


@pytest.mark.parametrize(
    ("state", "provider_type", "may_inject", "supervision"),
    [
        # Alabama BME notice (2025-09-23): no delegation to RNs; only protocol PAs/CRNPs
        ("AL", "registered_nurse", "no", "not_allowed"),
        ("AL", "medical_assistant", "no", "not_allowed"),
        # Medical Board of California FAQ: no unlicensed persons such as MAs
        ("CA", "medical_assistant", "no", "not_allowed"),
        ("CA", "registered_nurse", "conditional", "delegation_after_exam"),
        # NRS 454.217: LPNs not on the list; no delegation to unlisted persons
        ("NV", "licensed_practical_nurse", "no", "not_allowed"),
        ("NV", "nurse_practitioner", "yes", "independent"),
        # Kentucky Board of Nursing AOS #35 covers LPNs and RNs
        ("KY", "licensed_practical_nurse", "conditional", "delegation_after_exam"),
        # Washington Nursing Commission FAQ + WAC 246-919-606: physician reachable within 30 minutes
        ("WA", "registered_nurse", "conditional", "physician_available"),
        # Connecticut med spa statute 19a-903c: physician, PA, APRN or RN only
        ("CT", "licensed_practical_nurse", "no", "not_allowed"),
        ("CT", "aesthetician", "no", "not_allowed"),
        # Virginia 18VAC60-21-55: dentists may possess and give cosmetic botulinum toxin after 12 h training
        ("VA", "dentist", "yes", "independent"),
        # Georgia Rule 150-14-.04 and Oregon OAR 818-012-0005: dental-scope injections after training
        ("GA", "dentist", "conditional", "independent"),
        ("OR", "dentist", "conditional", "independent"),
        # N.J.A.C. 13:28-2.15(b)7 and the Oregon Health Licensing Office: no injections by estheticians
        ("NJ", "aesthetician", "no", "not_allowed"),
        ("OR", "aesthetician", "no", "not_allowed"),
        # Louisiana LPN board opinion: physician exam first and physician on the premises
        ("LA", "licensed_practical_nurse", "conditional", "physician_on_site"),
        # Maryland COMAR 10.32.09: no delegation to unlicensed persons; nurses with physician on site
        ("MD", "medical_assistant", "no", "not_allowed"),
        ("MD", "registered_nurse", "conditional", "physician_on_site"),
    ],
)
def test_spot_checks(rules: pl.DataFrame, state: str, provider_type: str, may_inject: str, supervision: str) -> None:
    r = _cell(rules, state, provider_type)
    assert (r["may_inject"], r["supervision"]) == (may_inject, supervision), r


def test_spot_check_sources(rules: pl.DataFrame) -> None:
    assert "albme.gov" in _cell(rules, "AL", "registered_nurse")["source"]
    assert _cell(rules, "AL", "registered_nurse")["reliability"] == "high"
    assert "mbc.ca.gov" in _cell(rules, "CA", "medical_assistant")["source"]
    assert "454-217" in _cell(rules, "NV", "licensed_practical_nurse")["source"]
    assert "kbn.ky.gov" in _cell(rules, "KY", "licensed_practical_nurse")["source"]
    assert "register.dls.virginia.gov" in _cell(rules, "VA", "dentist")["source"]
    assert _cell(rules, "VA", "dentist")["may_purchase"] == "yes"


def test_resolved_conflict_keeps_the_board_answer(rules: pl.DataFrame) -> None:
    # AL RN: the BME notice beats the aggregator; the aggregator reading survives as a CONFLICT note
    r = _cell(rules, "AL", "registered_nurse")
    assert r["notes"].startswith("CONFLICT:")
    assert "mypracticeacademy" in r["notes"]
    # KY LPN: the Board of Nursing beats the national 'LPNs never inject' claim
    r = _cell(rules, "KY", "licensed_practical_nurse")
    assert r["may_inject"] == "conditional"
    assert "medspastandards" in r["notes"]


def test_loads_through_the_project_loader() -> None:
    from analysis import reference

    reference.state_rules.cache_clear()
    frame = reference.state_rules()
    assert frame.height == 408
