"""analysis.providers and analysis.figures.providers on tiny literal frames, values computed by hand."""

from __future__ import annotations

import doctest
import html
import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import analysis.providers as providers
from analysis import eligibility, sources, supervision
from analysis.display import banner
from analysis.figures import providers as figures
from analysis.io import load_table
from analysis.narrate import providers as prose
from analysis.narrate.text import md
from analysis.report.summary import SUMMARY_ENV, publish
from analysis.schemas import MAY_INJECT

RULE_SCHEMA = {
    "state": pl.String,
    "provider_type": pl.String,
    "may_inject": pl.String,
    "supervision": pl.String,
    "may_purchase": pl.String,
    "notes": pl.String,
    "source": pl.String,
    "as_of": pl.String,
    "reliability": pl.String,
}


def rules_frame(rows: list[tuple[str, str, str, str]], **extra: str) -> pl.DataFrame:
    """Rule rows from (state, provider_type, may_inject, supervision); other columns get simple values."""
    full = [
        (
            s,
            t,
            m,
            sup,
            extra.get("may_purchase", "no"),
            extra.get("notes", f"{s} {t} note"),
            extra.get("source", f"https://rules.example/{s}/{t} ; https://shared.example/x"),
            "2025",
            "high",
        )
        for s, t, m, sup in rows
    ]
    return pl.DataFrame(full, schema=RULE_SCHEMA, orient="row")


# Two states. AA: physicians independent, RNs supervised, aestheticians unknown, dentists not allowed.
# BB: physicians independent, dentists conditional within their own scope (→ conditional, as the CA rule
# "not purely for cosmetics" reads), RNs allowed with no stated supervision (→ conditional), aestheticians
# supervised but not counted. The conditional class is reported but not in the eligible pool.
RULES = rules_frame(
    [
        ("AA", "physician", "yes", "independent"),
        ("AA", "registered_nurse", "conditional", "delegation_after_exam"),
        ("AA", "aesthetician", "unknown", "unknown"),
        ("AA", "dentist", "no", "not_allowed"),
        ("BB", "physician", "yes", "independent"),
        ("BB", "registered_nurse", "conditional", "unknown"),
        ("BB", "aesthetician", "conditional", "physician_on_site"),
        ("BB", "dentist", "conditional", "independent"),
    ]
)
STATES = pl.DataFrame({"state": ["AA", "BB"], "name": ["Alpha", "Beta"], "population_2020": [200_000, 50_000]})
COUNTS = pl.DataFrame(
    {
        "state": ["AA", "AA", "AA", "AA", "BB", "BB", "BB"],
        "provider_type": [
            "physician",
            "registered_nurse",
            "aesthetician",
            "dentist",
            "physician",
            "registered_nurse",
            "dentist",
        ],
        "count": [100, 300, 40, 10, 20, 60, 5],
        "source": ["synthetic (test)", "BLS", "BLS", "ADA", "synthetic (test)", "BLS", "ADA"],
        "as_of": ["2026"] * 7,
    }
)
TYPES = ["physician", "registered_nurse", "aesthetician", "dentist"]


def matrix() -> pl.DataFrame:
    return providers.eligibility_matrix(RULES, provider_types=TYPES)


def pool_of(state: str, **kwargs: object) -> dict[str, object]:
    pool = providers.eligible_pool(COUNTS, RULES, STATES, **kwargs)
    return pool.filter(pl.col("state") == state).row(0, named=True)


# --- eligibility -------------------------------------------------------------------------------------


def test_rule_class_follows_may_inject_and_supervision() -> None:
    got = matrix().select("state", "provider_type", "rule_class")
    expected = pl.DataFrame(
        {
            "state": ["AA"] * 4 + ["BB"] * 4,
            "provider_type": TYPES * 2,
            "rule_class": [
                "independent",
                "supervised",
                "unknown_rule",
                "not_allowed",
                "independent",
                "conditional",
                "supervised",
                "conditional",
            ],
        }
    )
    assert_frame_equal(got, expected)


def test_unknown_rule_is_null_not_eligible_in_matrix() -> None:
    row = matrix().filter(pl.col("state") == "AA", pl.col("provider_type") == "aesthetician").row(0, named=True)
    assert row["eligible"] is None
    assert row["may_inject"] == "unknown"


def test_missing_rule_row_becomes_unknown() -> None:
    grid = providers.eligibility_matrix(RULES, states=["AA", "CC"], provider_types=["physician"])
    cc = grid.filter(pl.col("state") == "CC").row(0, named=True)
    assert (cc["may_inject"], cc["supervision"], cc["rule_class"], cc["eligible"], cc["notes"]) == (
        "unknown",
        "unknown",
        "unknown_rule",
        None,
        "no rule row",
    )


def test_matrix_accepts_lazy_rules_without_optional_columns() -> None:
    lean = RULES.select("state", "provider_type", "may_inject", "supervision").lazy()
    got = providers.eligibility_matrix(lean, provider_types=TYPES)
    assert got["may_purchase"].to_list() == ["unknown"] * 8
    assert got["rule_class"].to_list() == matrix()["rule_class"].to_list()


# --- the pool ------------------------------------------------------------------------------------------


def test_pool_per_100k_for_two_states() -> None:
    aa, bb = pool_of("AA"), pool_of("BB")
    # AA: physicians 100 + RNs 300 = 400 over 200,000 residents; BB: physicians 20 over 50,000, with RNs 60 and
    # dentists 5 conditional (beside the pool, not in it).
    assert (aa["independent"], aa["supervised"], aa["conditional"], aa["eligible_pool"]) == (100, 300, 0, 400)
    assert aa["eligible_pool_per_100k"] == pytest.approx(200.0)
    assert (bb["independent"], bb["conditional"], bb["eligible_pool"]) == (20, 65, 20)
    assert bb["eligible_pool_per_100k"] == pytest.approx(40.0)


def test_unknown_rule_people_are_reported_but_not_in_pool() -> None:
    aa = pool_of("AA")
    assert aa["eligible_pool"] == 400  # the 40 aestheticians under an unknown rule are not added
    assert aa["unknown_rule"] == 40
    assert aa["unknown_rule_types"] == ["aesthetician"]
    assert "aesthetician" not in aa["types_may_inject"]


def test_uncounted_eligible_type_is_unknown_not_zero() -> None:
    bb = pool_of("BB")
    assert bb["supervised"] is None  # BB's only supervised type (aestheticians) has no count
    assert bb["supervised_per_100k"] is None
    assert bb["uncounted_eligible_types"] == ["aesthetician"]
    assert bb["pool_complete"] is False
    assert bb["not_allowed"] == 0  # no type is "no" in BB: a true zero


def test_empty_counts_give_unknown_pool_everywhere() -> None:
    empty = COUNTS.clear()
    pool = providers.eligible_pool(empty, RULES, STATES)
    assert pool["eligible_pool"].to_list() == [None, None]
    assert pool["eligible_pool_per_100k"].to_list() == [None, None]
    us = providers.national_pool(pool).row(0, named=True)
    assert us["eligible_pool"] is None
    assert us["eligible_pool_per_100k"] is None  # not NaN
    assert us["unknown_rule"] is None


def test_weights_scale_classes() -> None:
    aa = pool_of("AA", weights={"supervised": 0.5})
    assert aa["weighted_pool"] == pytest.approx(100 + 0.5 * 300)
    assert aa["weighted_pool_per_100k"] == pytest.approx(125.0)


def test_weights_cannot_count_unknown_rules() -> None:
    with pytest.raises(ValueError, match="unknown_rule"):
        providers.eligible_pool(COUNTS, RULES, STATES, weights={"unknown_rule": 1.0})


def test_national_pool_sums_states_and_rates_over_known_population() -> None:
    pool = providers.eligible_pool(COUNTS, RULES, STATES)
    us = providers.national_pool(pool).row(0, named=True)
    assert (us["state"], us["eligible_pool"], us["population_2020"]) == ("US", 420, 250_000)
    assert us["eligible_pool_per_100k"] == pytest.approx(168.0)
    # supervised is known only in AA (300 over 200,000 residents)
    assert us["supervised"] == 300
    assert us["supervised_per_100k"] == pytest.approx(150.0)
    assert us["uncounted_eligible_types"] == ["aesthetician"]
    assert us["pool_complete"] is False


def test_pool_row_rejects_unknown_state() -> None:
    with pytest.raises(ValueError, match="ZZ"):
        providers.pool_row(providers.eligible_pool(COUNTS, RULES, STATES), state="ZZ")


# --- shares ------------------------------------------------------------------------------------------------


def test_pool_shares_for_one_state() -> None:
    shares = providers.pool_shares(providers.pool_by_type(COUNTS, RULES), state="AA")
    rn = shares.filter(pl.col("provider_type") == "registered_nurse").row(0, named=True)
    assert (rn["supervised"], rn["eligible"], rn["share_of_pool"]) == (300, 300, pytest.approx(0.75))
    aesth = shares.filter(pl.col("provider_type") == "aesthetician").row(0, named=True)
    assert (aesth["unknown_rule"], aesth["eligible"], aesth["share_of_pool"]) == (40, 0, 0.0)


def test_pool_shares_keep_uncounted_type_null() -> None:
    shares = providers.pool_shares(providers.pool_by_type(COUNTS, RULES), state="BB")
    aesth = shares.filter(pl.col("provider_type") == "aesthetician").row(0, named=True)
    assert aesth["counted"] is False
    assert aesth["eligible"] is None and aesth["supervised"] is None and aesth["share_of_pool"] is None


def test_pool_shares_national_adds_states() -> None:
    shares = providers.pool_shares(providers.pool_by_type(COUNTS, RULES), state="US")
    phys = shares.filter(pl.col("provider_type") == "physician").row(0, named=True)
    assert (phys["eligible"], phys["states_eligible"]) == (120, 2)
    assert phys["share_of_pool"] == pytest.approx(120 / 420)
    aesth = shares.filter(pl.col("provider_type") == "aesthetician").row(0, named=True)
    assert (aesth["states_eligible"], aesth["states_unknown"], aesth["eligible"]) == (1, 1, 0)


# --- nurses or aestheticians --------------------------------------------------------------------------------


def test_nurse_or_aesthetician_groups() -> None:
    delegates = ["registered_nurse", "licensed_practical_nurse", "aesthetician", "medical_assistant"]

    def state(code: str, values: list[str]) -> list[tuple[str, str, str, str]]:
        return [(code, t, v, "not_allowed" if v == "no" else "unknown") for t, v in zip(delegates, values, strict=True)]

    rules = rules_frame(
        state("AA", ["conditional", "no", "no", "no"])
        + state("CC", ["no", "no", "no", "no"])
        + state("DD", ["no", "unknown", "no", "no"])
        + state("EE", ["no", "no", "no", "conditional"])
    )
    got = providers.nurse_or_aesthetician_states(rules)
    assert dict(got.select("state", "group").iter_rows()) == {
        "AA": "nurses_or_aestheticians",
        "CC": "physicians_and_apps_only",
        "DD": "unknown",
        "EE": "medical_assistants_only",
    }
    assert got.filter(pl.col("state") == "DD")["delegates_unknown"].to_list() == [["licensed_practical_nurse"]]


# --- supervision burden ------------------------------------------------------------------------------------


def test_supervision_burden_is_supervised_per_physician() -> None:
    burden = supervision.supervision_burden(COUNTS, RULES)
    aa = burden.filter(pl.col("state") == "AA").row(0, named=True)
    assert (aa["supervised"], aa["delegation_after_exam"], aa["supervisors"]) == (300, 300, 100)
    assert aa["supervised_per_supervisor"] == pytest.approx(3.0)


def test_supervision_burden_unknown_when_supervised_types_uncounted() -> None:
    bb = supervision.supervision_burden(COUNTS, RULES).filter(pl.col("state") == "BB").row(0, named=True)
    assert bb["supervised"] is None
    assert bb["supervised_per_supervisor"] is None
    assert bb["uncounted_supervised_types"] == ["aesthetician"]


def test_supervision_burden_can_count_nps_as_supervisors() -> None:
    rules = rules_frame(
        [
            ("AA", "physician", "yes", "independent"),
            ("AA", "nurse_practitioner", "yes", "independent"),
            ("AA", "registered_nurse", "conditional", "physician_on_site"),
        ]
    )
    counts = pl.DataFrame(
        {
            "state": ["AA"] * 3,
            "provider_type": ["physician", "nurse_practitioner", "registered_nurse"],
            "count": [10, 30, 80],
        }
    )
    only_md = supervision.supervision_burden(counts, rules).row(0, named=True)
    with_np = supervision.supervision_burden(counts, rules, supervisors=("physician", "nurse_practitioner")).row(
        0, named=True
    )
    assert only_md["supervised_per_supervisor"] == pytest.approx(8.0)
    assert with_np["supervised_per_supervisor"] == pytest.approx(2.0)


def test_national_burden_uses_states_where_both_sides_are_counted() -> None:
    us = supervision.national_burden(supervision.supervision_burden(COUNTS, RULES)).row(0, named=True)
    assert (us["supervised"], us["supervisors"], us["states_counted"]) == (300, 100, 1)
    assert us["supervised_per_supervisor"] == pytest.approx(3.0)


def test_describe_burden_says_it_is_not_a_legal_limit() -> None:
    row = supervision.burden_row(supervision.supervision_burden(COUNTS, RULES), state="AA")
    text = plain(prose.describe_burden(row, name="Alpha"))
    assert "3.0 supervised injectors per physician" in text
    assert "not a legal limit" in text


# --- summaries, sources, notes -----------------------------------------------------------------------------


def plain(markdown: str) -> str:
    """The sentence a reader sees: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def test_state_summary_names_unknown_types_as_unknown() -> None:
    summary = prose.state_summary(RULES, state="AA", states=STATES)
    texts = [plain(t) for t in summary["text"]]
    assert texts[0].startswith("In Alpha (AA), 2 of the 4 provider types")
    unknown = [t for t in texts if t.startswith("Unknown")]
    assert unknown == ["Unknown (no usable source; shown as unknown and never counted as allowed): aestheticians."]
    assert "aestheticians" not in texts[0]


def test_state_summary_sentences_carry_their_sources() -> None:
    summary = prose.state_summary(RULES, state="AA")
    first = summary.row(0, named=True)
    assert first["topic"] == "who_may_inject"
    assert first["sources"] == [
        "https://rules.example/AA/physician",
        "https://rules.example/AA/registered_nurse",
        "https://shared.example/x",
    ]


def test_state_summary_national_counts_states() -> None:
    texts = [plain(t) for t in prose.state_summary(RULES, state="US")["text"]]
    assert texts[0].startswith(
        "Across the 2 jurisdictions: physicians (MD/DO) may inject in 2, 2 of them without supervision"
    )
    assert "aestheticians may inject in 1, unknown in 1" in texts[0]


def test_rule_sources_split_and_count_rows() -> None:
    got = sources.rule_sources(RULES, state="AA")
    top = got.row(0, named=True)
    assert (top["source"], top["rows"]) == ("https://shared.example/x", 4)
    assert got.height == 5


def test_synthetic_count_rows_names_types() -> None:
    got = providers.synthetic_count_rows(COUNTS)
    assert got.rows() == [("physician", 2, 2)]


def test_count_notes_on_header_only_file(tmp_path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("state,provider_type,count,source,as_of\n", encoding="utf-8")
    notes = prose.count_notes(load_table(path, "provider_counts"))
    assert notes[-1][0] == "warning"
    assert "unknown (not zero)" in plain(notes[-1][1])


def test_headline_numbers_publish_as_json(tmp_path, monkeypatch) -> None:
    target = tmp_path / "summary.json"
    monkeypatch.setenv(SUMMARY_ENV, str(target))
    pool = providers.eligible_pool(COUNTS.clear(), RULES, STATES)
    burden = supervision.supervision_burden(COUNTS.clear(), RULES)
    here = supervision.burden_row(burden, state="US")
    publish(providers.headline_numbers(pool, here, state="US", synthetic=False, counts_rows=0))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["eligible_pool_per_100k"] is None
    assert data["types_unknown_rule"] == ["aesthetician"]


def test_docstring_examples_run() -> None:
    for module in (eligibility, providers):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# --- figures -------------------------------------------------------------------------------------------------


def test_heatmap_escapes_notes_and_has_a_legend_per_category() -> None:
    rules = RULES.with_columns(
        pl.when(pl.col("provider_type") == "dentist")
        .then(pl.lit("<script>alert(1)</script>"))
        .otherwise(pl.col("notes"))
        .alias("notes")
    )
    fig = figures.eligibility_heatmap(providers.eligibility_matrix(rules, provider_types=TYPES), highlight="AA")
    assert isinstance(fig, go.Figure)
    dumped = fig.to_json()
    assert "<script>" not in dumped
    assert "&lt;script&gt;" in dumped
    assert [t.name for t in fig.data if t.showlegend] == [
        "Y yes",
        "C conditional",
        "– no",
        "? unknown (no usable source)",
    ]
    assert len(fig.layout.shapes) == 1  # the highlighted state


def test_every_may_inject_value_has_a_heatmap_style() -> None:
    assert set(figures.MAY_INJECT_STYLE) == set(MAY_INJECT)


def test_pool_map_shows_unknown_pool_as_no_data() -> None:
    pool = providers.eligible_pool(COUNTS.clear(), RULES, STATES)
    fig = figures.pool_map(pool)
    assert isinstance(fig, go.Figure)
    assert sum(len(t.x) for t in fig.data if t.name != "no data") == 0
    assert sum(len(t.x) for t in fig.data if t.name == "no data") == 51  # every tile grey


def test_state_breakdown_labels_uncounted_types() -> None:
    shares = providers.pool_shares(providers.pool_by_type(COUNTS, RULES), state="BB")
    fig = figures.state_breakdown(shares, title="Beta")
    labels = set(fig.data[0].y)
    assert "Aesthetician — no count (unknown)" in labels
    aesth_values = [x for t in fig.data for x, y in zip(t.x, t.y, strict=True) if y.startswith("Aesthetician")]
    assert all(v is None for v in aesth_values)


def test_synthetic_banner_names_rows_and_is_escaped() -> None:
    rows = pl.DataFrame({"provider_type": ["<b>x</b>"], "rows": [3], "states": [3]})
    text = prose.synthetic_counts(rows, total_rows=10)
    assert 'class="bm-banner synthetic"' in banner(text).data
    assert "Synthetic sample data: 3 of 10" in plain(text)
    assert "&lt;b&gt;x&lt;\\/b&gt; in 3 states" in text  # escaped, and shown as written
    assert "<b>x</b> in 3 states" in plain(text)
    assert prose.synthetic_counts(rows.clear(), total_rows=10) == ""


def test_sources_html_links_only_urls() -> None:
    frame = pl.DataFrame({"source": ["https://a.example/x?y=1&z=2", "javascript:alert(1)", "BLS <table>"]})
    out = figures.sources_html(frame)
    assert '<a href="https://a.example/x?y=1&amp;z=2"' in out
    assert "javascript:alert(1)</li>" in out and 'href="javascript' not in out
    assert "BLS &lt;table&gt;" in out


def test_md_escape_neutralises_markdown_and_html() -> None:
    assert md("a_b *c* <i>") == r"a\_b \*c\* &lt;i&gt;"


# --- the answer box -------------------------------------------------------------------------------------------


def test_the_state_answer_gives_one_cited_line_per_profession_and_never_guesses_the_exam() -> None:
    from analysis.narrate.providers import answer_table

    answer = eligibility.state_answer(RULES, state="AA")
    assert answer["provider_type"].to_list() == ["physician", "registered_nurse", "dentist", "aesthetician"]
    rn = answer.filter(pl.col("provider_type") == "registered_nurse").row(0, named=True)
    assert rn["prior_exam"].startswith("required") and rn["first_source"] == "https://rules.example/AA/registered_nurse"
    physician = answer.filter(pl.col("provider_type") == "physician").row(0, named=True)
    assert physician["prior_exam"] == "not stated in the rules table"
    text = answer_table(answer, state_label="Alpha")
    assert text.count("\n| ") == 1 + 4 and "(<https://rules.example/AA/dentist>) (high)" in text


def test_the_national_answer_counts_states_per_profession() -> None:
    answer = eligibility.national_answer(RULES)
    rn = answer.filter(pl.col("provider_type") == "registered_nurse").row(0, named=True)
    assert (rn["yes"], rn["conditional"], rn["no"], rn["unknown"]) == (0, 2, 0, 0)
    aesthetician = answer.filter(pl.col("provider_type") == "aesthetician").row(0, named=True)
    assert (aesthetician["conditional"], aesthetician["unknown"]) == (1, 1)
