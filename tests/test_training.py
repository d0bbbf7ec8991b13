"""analysis.training (and its figures): tiny literal frames, hand-computed values, one behaviour per test."""

from __future__ import annotations

import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis import config, economics, reference, states, training
from analysis.figures import training as figures
from analysis.io import load_table
from analysis.narrate import training as prose
from analysis.narrate.text import md
from analysis.schemas import PROVIDER_TYPES

ONE_DEGREE_KM = 2 * math.pi * training.EARTH_RADIUS_KM / 360  # 111.195 km on the IUGG mean sphere


def courses(**columns: list) -> pl.DataFrame:
    """A catalogue-shaped frame: the given columns, the rest null, as many rows as the longest list."""
    n = max(len(v) for v in columns.values())
    base = {
        "organization": [f"Org {i}" for i in range(n)],
        "course": [f"Course {i}" for i in range(n)],
        "format": [None] * n,
        "hands_on": [None] * n,
        "duration_hours": [None] * n,
        "list_price_usd": [None] * n,
        "cme_credits": [None] * n,
        "eligible_professions": [None] * n,
        "locations": [None] * n,
    }
    base.update(columns)
    schema = {
        "organization": pl.String,
        "course": pl.String,
        "format": pl.String,
        "hands_on": pl.Boolean,
        "duration_hours": pl.Float64,
        "list_price_usd": pl.Float64,
        "cme_credits": pl.Float64,
        "eligible_professions": pl.String,
        "locations": pl.String,
    }
    return pl.DataFrame(base, schema=schema)


# Four states on the equator, 1°, 3° and 10° east of the first: distances are whole degrees.
STATES = pl.DataFrame(
    {
        "state": ["AA", "BB", "CC", "DD"],
        "name": ["Alpha", "Beta", "Gamma", "Delta"],
        "pop_center_lat": [0.0, 0.0, 0.0, 0.0],
        "pop_center_lon": [0.0, 1.0, 3.0, 10.0],
    }
)

RULES = pl.DataFrame(
    {
        "state": ["AA", "AA", "AA", "AA", "AA", "BB"],
        "provider_type": [
            "aesthetician",
            "registered_nurse",
            "physician",
            "dentist",
            "nurse_practitioner",
            "aesthetician",
        ],
        "may_inject": ["no", "conditional", "yes", "unknown", "yes", "conditional"],
        "supervision": [
            "not_allowed",
            "physician_on_site",
            "independent",
            "unknown",
            "physician_available",
            "delegation_after_exam",
        ],
        "notes": ["barred", "needs MD on site", "", "", "", "after exam"],
        "source": ["https://board.example/a"] * 6,
        "as_of": ["2026"] * 6,
    }
)


# --- the shipped catalogue ---------------------------------------------------------------------------


def test_catalogue_loads_every_row_through_the_validating_loader():
    result = load_table(config.REFERENCE_FILES["courses"], "training")
    assert result.n_rejected == 0
    assert reference.training_courses().height == result.n_read


def test_catalogue_locations_are_online_or_a_known_state():
    sessions = training.parse_locations(reference.training_courses())
    unplaced = sessions.filter(~pl.col("online") & ~pl.col("state").is_in(list(states.state_codes())))
    assert unplaced.is_empty(), unplaced["location"].to_list()


def test_catalogue_courses_located_online_are_online_courses():
    catalogue = reference.training_courses()
    online_ids = training.parse_locations(catalogue).filter(pl.col("online"))["course_id"].to_list()
    formats = catalogue.with_row_index("course_id").filter(pl.col("course_id").is_in(online_ids))["format"]
    assert formats.to_list() == ["online"] * len(online_ids)


def test_catalogue_eligible_professions_are_known_provider_types():
    listed = (
        reference.training_courses()["eligible_professions"].drop_nulls().str.split(";").explode().str.strip_chars()
    )
    assert set(listed.to_list()) <= set(PROVIDER_TYPES)


# --- parse_locations ---------------------------------------------------------------------------------


def test_parse_locations_splits_cities_and_trims_spaces():
    sessions = training.parse_locations(courses(locations=["Austin, TX; Irvine,CA"]))
    assert sessions.select("city", "state").rows() == [("Austin", "TX"), ("Irvine", "CA")]


def test_parse_locations_marks_online():
    sessions = training.parse_locations(courses(locations=["Online"]))
    assert sessions.select("online", "city", "state").rows() == [(True, None, None)]


def test_parse_locations_skips_courses_without_locations():
    sessions = training.parse_locations(courses(locations=[None, "Aspen, CO"]))
    assert sessions["course_id"].to_list() == [1]


def test_parse_locations_keeps_unparseable_text_with_null_state():
    sessions = training.parse_locations(courses(locations=["New York"]))
    assert sessions.select("location", "online", "state").rows() == [("New York", False, None)]


# --- haversine_km ------------------------------------------------------------------------------------


def test_haversine_matches_the_published_nashville_to_los_angeles_distance():
    # Rosetta Code "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40), R = 6372.8 km.
    distance = pl.select(training.haversine_km(36.12, -86.67, 33.94, -118.40, radius_km=6372.8)).item()
    assert distance == pytest.approx(2887.2599506071106, abs=1e-6)


def test_haversine_one_degree_of_latitude_is_one_360th_of_the_circumference():
    assert pl.select(training.haversine_km(10.0, 20.0, 11.0, 20.0)).item() == pytest.approx(ONE_DEGREE_KM)


def test_haversine_antipodes_are_half_the_circumference_apart():
    assert pl.select(training.haversine_km(0.0, 0.0, 0.0, 180.0)).item() == pytest.approx(
        math.pi * training.EARTH_RADIUS_KM
    )


def test_haversine_agrees_with_the_law_of_cosines_between_state_population_centres():
    centres = {r["state"]: (r["pop_center_lat"], r["pop_center_lon"]) for r in reference.states().iter_rows(named=True)}
    (lat1, lon1), (lat2, lon2) = centres["TX"], centres["NY"]
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    expected = training.EARTH_RADIUS_KM * math.acos(
        math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    )
    assert pl.select(training.haversine_km(lat1, lon1, lat2, lon2)).item() == pytest.approx(expected, rel=1e-9)


def test_haversine_works_on_columns_and_keeps_nulls_null():
    frame = pl.DataFrame({"a": [0.0, None], "b": [0.0, 0.0], "c": [1.0, 1.0], "d": [0.0, 0.0]})
    distances = frame.select(training.haversine_km("a", "b", "c", "d").alias("km"))["km"].to_list()
    assert distances[0] == pytest.approx(ONE_DEGREE_KM)
    assert distances[1] is None


# --- availability_by_state ---------------------------------------------------------------------------


def availability(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["state"]: r for r in training.availability_by_state(frame, STATES).iter_rows(named=True)}


def test_availability_counts_in_person_courses_per_state():
    rows = availability(courses(locations=["X, BB", "Y, BB;Z, CC", "online"]))
    assert {s: r["in_person_courses"] for s, r in rows.items()} == {"AA": 0, "BB": 2, "CC": 1, "DD": 0}


def test_availability_counts_a_course_once_per_state_with_two_cities_there():
    rows = availability(courses(locations=["X, BB;Y, BB"]))
    assert rows["BB"]["in_person_courses"] == 1
    assert rows["BB"]["in_person_cities"] == "X; Y"


def test_state_without_a_course_points_to_the_nearest_state_with_one():
    rows = availability(courses(locations=["X, BB", "Y, CC"]))
    assert (rows["AA"]["nearest_in_person_state"], rows["AA"]["distance_km"]) == ("BB", pytest.approx(ONE_DEGREE_KM))
    assert (rows["DD"]["nearest_in_person_state"], rows["DD"]["distance_km"]) == (
        "CC",
        pytest.approx(7 * ONE_DEGREE_KM),
    )


def test_state_with_a_course_is_its_own_nearest_at_zero_km():
    rows = availability(courses(locations=["X, BB"]))
    assert (rows["BB"]["nearest_in_person_state"], rows["BB"]["distance_km"]) == ("BB", 0.0)


def test_distance_in_miles_is_km_over_the_international_mile():
    rows = availability(courses(locations=["X, BB"]))
    assert rows["AA"]["distance_mi"] == pytest.approx(ONE_DEGREE_KM / 1.609344)


def test_online_courses_are_available_in_every_state():
    rows = availability(courses(locations=["online", None, "X, BB"], format=["online", "online", "in_person"]))
    assert {r["online_courses"] for r in rows.values()} == {2}


def test_no_in_person_course_anywhere_leaves_nearest_unknown():
    rows = availability(courses(locations=["online"]))
    assert rows["AA"]["nearest_in_person_state"] is None
    assert rows["AA"]["distance_km"] is None


def test_count_in_person_counts_courses_with_any_us_city_for_us():
    frame = courses(locations=["X, BB;Y, CC", "Z, CC", "online", None])
    assert (training.count_in_person(frame), training.count_in_person(frame, state="CC")) == (2, 2)


# --- add_where_offered ---------------------------------------------------------------------------------


def test_where_offered_says_in_state_elsewhere_online_or_not_stated():
    frame = courses(
        locations=["Austin, TX", "Irvine, CA", "online", None, None],
        format=["in_person", "in_person", "online", "hybrid", None],
    )
    where = training.add_where_offered(frame, state="TX")
    assert where["where"].to_list() == [
        "in person in Austin, TX",
        "in person elsewhere: Irvine, CA",
        "online",
        "hybrid; cities not stated",
        "format and place not stated",
    ]
    assert where["in_state"].to_list() == [True, False, False, False, False]


# --- courses_for_profession --------------------------------------------------------------------------


def test_courses_for_profession_keeps_courses_that_list_it():
    frame = courses(eligible_professions=["physician; registered_nurse", "physician", None])
    assert training.courses_for_profession(frame, "registered_nurse")["course"].to_list() == ["Course 0"]


def test_courses_for_profession_does_not_match_a_longer_name():
    frame = courses(eligible_professions=["physician_assistant"])
    assert training.courses_for_profession(frame, "physician").is_empty()


def test_courses_for_profession_can_include_courses_that_do_not_say_who_may_enrol():
    frame = courses(eligible_professions=["physician", None, ""])
    found = training.courses_for_profession(frame, "aesthetician", include_unstated=True)
    assert found.select("course", "eligibility").rows() == [("Course 1", "not stated"), ("Course 2", "not stated")]


def test_courses_for_unknown_profession_raises_naming_the_valid_choices():
    with pytest.raises(ValueError, match="unknown profession 'nurse'; expected one of physician, physician_assistant"):
        training.courses_for_profession(courses(eligible_professions=["physician"]), "nurse")


# --- practice_caveats --------------------------------------------------------------------------------


def caveat(state: str, profession: str) -> str:
    return training.practice_caveats(courses(course=["c"]), RULES, state, profession)["caveat"].item()


def test_profession_barred_in_the_state_may_take_but_may_not_practise():
    assert caveat("AA", "aesthetician") == "may take but may not practise here"


def test_conditional_rule_names_the_supervision():
    assert caveat("AA", "registered_nurse") == "conditional: supervision — a supervising physician must be on site"


def test_unknown_rule_says_unknown():
    assert caveat("AA", "dentist").startswith("unknown rule")


def test_missing_rule_says_unknown():
    assert caveat("AA", "medical_assistant").startswith("unknown rule")


def test_independent_yes_may_practise():
    assert caveat("AA", "physician") == "may practise here"


def test_yes_with_supervision_says_which():
    assert (
        caveat("AA", "nurse_practitioner")
        == "may practise here; supervision — a supervising physician must be reachable, not necessarily on site"
    )


def test_practice_caveats_use_only_the_requested_state():
    assert caveat("BB", "aesthetician").startswith(
        "conditional: supervision — only after a physician, NP or PA has examined"
    )


def test_practice_caveats_keep_every_course_and_add_the_rule():
    frame = courses(course=["a", "b", "c"])
    joined = training.practice_caveats(frame, RULES, "AA", "aesthetician")
    assert_frame_equal(joined.select(frame.columns), frame)
    assert joined.select("may_inject", "rule_notes").unique().rows() == [("no", "barred")]


def test_can_practise_is_false_only_when_the_rule_says_no():
    assert (training.can_practise(RULES, "AA", "aesthetician"), training.can_practise(RULES, "AA", "dentist")) == (
        False,
        True,
    )


def test_can_practise_nationally_when_any_state_allows_it():
    assert training.can_practise(RULES, "US", "aesthetician") is True
    assert training.can_practise(RULES.filter(pl.col("state") == "AA"), "US", "aesthetician") is False


def test_practice_by_state_counts_states_per_answer():
    counts = training.practice_by_state(RULES, "aesthetician")
    assert counts.rows() == [("conditional", 1, "BB"), ("no", 1, "AA")]


# --- cost ---------------------------------------------------------------------------------------------


def test_cost_metrics_divide_price_by_hours_and_credits():
    costs = training.cost_metrics(courses(list_price_usd=[600.0], duration_hours=[4.0], cme_credits=[8.0]))
    assert costs.select("price_per_hour_usd", "price_per_cme_credit_usd").row(0) == (150.0, 75.0)


def test_cost_metrics_leave_unknowns_null():
    costs = training.cost_metrics(
        courses(list_price_usd=[None, 600.0], duration_hours=[4.0, 0.0], cme_credits=[1.0, None])
    )
    assert costs.select("price_per_hour_usd", "price_per_cme_credit_usd").rows() == [(None, None), (None, None)]


def test_cost_summary_counts_priced_courses_per_format():
    frame = training.cost_metrics(courses(format=["online", "online", None], list_price_usd=[100.0, None, 50.0]))
    summary = {r["format"]: r for r in training.cost_summary(frame).iter_rows(named=True)}
    assert (summary["online"]["courses"], summary["online"]["priced"], summary["online"]["median_price_usd"]) == (
        2,
        1,
        100.0,
    )
    assert summary["not stated"]["priced"] == 1


def test_cost_summary_by_hands_on_reads_yes_no_and_not_stated():
    frame = training.cost_metrics(courses(hands_on=[True, False, None]))
    assert sorted(training.cost_summary(frame, by="hands_on")["hands_on"].to_list()) == ["no", "not stated", "yes"]


# --- return on training ------------------------------------------------------------------------------


def test_break_even_rounds_treatments_up():
    # margin (12 - 6) × 20 = 120 per treatment; 1500 / 120 = 12.5 → 13
    assert (
        economics.break_even(1500.0, price_per_unit=12.0, cost_per_unit=6.0, units_per_treatment=20)["treatments"] == 13
    )


def test_break_even_on_an_exact_multiple_does_not_round_up():
    # 12.1 - 6.1 is 5.999999999999999 in floating point; 1200 / 120 must still be 10
    assert (
        economics.break_even(1200.0, price_per_unit=12.1, cost_per_unit=6.1, units_per_treatment=20)["treatments"] == 10
    )


def test_break_even_states_every_input():
    result = economics.break_even(1500.0, price_per_unit=12.0, cost_per_unit=6.0, units_per_treatment=20)
    assert {
        k: result[k] for k in ("course_fee_usd", "price_per_unit_usd", "cost_per_unit_usd", "units_per_treatment")
    } == {
        "course_fee_usd": 1500.0,
        "price_per_unit_usd": 12.0,
        "cost_per_unit_usd": 6.0,
        "units_per_treatment": 20,
    }
    assert result["margin_per_treatment_usd"] == 120.0


def test_course_without_a_price_has_no_break_even():
    result = economics.break_even(None, price_per_unit=12.0, cost_per_unit=6.0, units_per_treatment=20)
    assert result["treatments"] is None
    assert "course_fee_usd" in result["note"]


def test_price_at_or_below_cost_is_never_recovered():
    result = economics.break_even(1500.0, price_per_unit=6.0, cost_per_unit=6.0, units_per_treatment=20)
    assert result["treatments"] is None
    assert "never recovered" in result["note"]


def test_break_even_table_matches_the_scalar_and_keeps_unpriced_courses_null():
    table = economics.break_even_table(
        courses(list_price_usd=[1500.0, None, 0.0]), price_per_unit=12.0, cost_per_unit=6.0, units_per_treatment=20
    )
    assert table["treatments_to_break_even"].to_list() == [13, None, 0]


def test_break_even_table_is_null_when_the_margin_is_not_positive():
    table = economics.break_even_table(
        courses(list_price_usd=[1500.0]), price_per_unit=5.0, cost_per_unit=6.0, units_per_treatment=20
    )
    assert table["treatments_to_break_even"].to_list() == [None]


def priced_quotes() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "state": ["TX"] * 5 + ["WY"] + ["TX"],
            "product": ["botox_cosmetic"] * 6 + ["dysport"],
            "price_per_botox_unit_usd": [10.0, 11.0, 12.0, 13.0, 14.0, 20.0, 99.0],
        }
    )


def test_median_price_per_unit_uses_the_state_and_the_product():
    price = economics.median_price_per_unit(priced_quotes(), state="TX")
    assert (price["median_usd"], price["n"], price["scope"], price["fallback"]) == (12.0, 5, "TX", False)


def test_median_price_per_unit_falls_back_to_national_when_the_state_has_too_few():
    price = economics.median_price_per_unit(priced_quotes(), state="WY", min_observations=5)
    assert (price["median_usd"], price["n"], price["scope"], price["fallback"], price["state_n"]) == (
        12.5,
        6,
        "US",
        True,
        1,
    )


def test_product_cost_is_the_median_midpoint_of_current_cited_prices():
    costs = pl.DataFrame(
        {
            "product": ["botox_cosmetic"] * 4 + ["dysport"],
            "cost_per_unit_usd_low": [4.0, 6.0, 10.0, 5.0, 4.0],
            "cost_per_unit_usd_high": [6.0, 6.0, 12.0, 7.0, 4.0],
            "basis": [
                "reported_purchase_price",
                "list_price_wac",
                "invoice_estimate",
                "reported_purchase_price",
                "invoice_estimate",
            ],
            "source": ["a", "b", "c", "d", "e"],
        }
    )
    cost = economics.product_cost_per_unit(costs)
    assert (cost["typical_usd"], cost["low_usd"], cost["high_usd"], cost["sources"]) == (6.0, 4.0, 7.0, ["a", "b", "d"])


def test_units_per_treatment_uses_the_default_row():
    units = pl.DataFrame(
        {
            "area": ["glabella", "glabella"],
            "label": ["Frown lines"] * 2,
            "units_typical": [None, 20.0],
            "default": [False, True],
            "basis": ["practice", "label"],
            "source": ["x", "y"],
        }
    )
    assert economics.units_per_treatment(units)["units"] == 20.0


def test_units_per_treatment_of_an_unknown_area_raises():
    units = pl.DataFrame(
        {
            "area": ["glabella"],
            "label": ["x"],
            "units_typical": [20.0],
            "default": [True],
            "basis": ["label"],
            "source": ["y"],
        }
    )
    with pytest.raises(ValueError, match="unknown area 'elbow'"):
        economics.units_per_treatment(units, area="elbow")


# --- figures and narration ---------------------------------------------------------------------------


def test_cost_vs_duration_plots_only_courses_with_both_numbers_and_says_how_many():
    frame = courses(list_price_usd=[600.0, 900.0, None], duration_hours=[4.0, None, 8.0], format=["in_person"] * 3)
    fig = figures.cost_vs_duration(frame)
    assert "1 of 3 courses" in fig.layout.title.text
    assert sum(len(trace.x) for trace in fig.data) == 1


def test_break_even_chart_escapes_course_names():
    table = courses(organization=["<script>alert(1)</script>"], list_price_usd=[100.0]).with_columns(
        pl.lit(2).alias("treatments_to_break_even")
    )
    fig = figures.break_even_chart(table, title="t")
    assert "<script>" not in str(fig.data[0].y) and "&lt;script&gt;" in fig.data[0].y[0]


def test_markdown_text_escapes_dollars_markup_and_html():
    assert md("$5 *bold* <b>") == "\\$5 \\*bold\\* &lt;b&gt;"


def test_plural_of_a_profession_label_keeps_its_bracket():
    assert (prose.plural("Physician (MD/DO)"), prose.plural("Registered nurse", lower=True)) == (
        "Physicians (MD/DO)",
        "registered nurses",
    )


def test_past_courses_are_history_not_options():
    catalogue = pl.DataFrame(
        {"course": ["a", "b", "c"], "status": ["current", "past", None], "locations": ["Austin, TX", "Aspen, CO", None]}
    )
    offered, past = training.split_offered(catalogue)
    assert offered["course"].to_list() == ["a", "c"] and past["course"].to_list() == ["b"]
    assert training.count_in_person(offered, state="CO") == 0


def test_the_shipped_catalogue_keeps_the_2006_meeting_as_past():
    offered, past = training.split_offered(reference.training_courses())
    assert past.filter(pl.col("course").str.contains("2006")).height == 1
    assert offered.filter(pl.col("course").str.contains("2006")).is_empty()
    assert set(offered["status"].unique().to_list()) <= {"current", "unknown"}


# --- the answer box: courses to look at first --------------------------------------------------------------------


def test_best_courses_rank_in_state_then_distance_band_then_live_models_price_and_listing():
    # 1° of longitude at the equator is ~111 km: BB is in the first band (<500 km), CC (~334 km) too, DD (~1,113 km)
    # is beyond 1,000 km.
    frame = courses(
        organization=["Far", "Near plain", "Near hands-on", "Home", "Online", "Home 2"],
        hands_on=[True, False, True, None, True, False],
        list_price_usd=[100.0, 50.0, 900.0, None, 10.0, 300.0],
        locations=["X, DD", "X, BB", "X, CC", "X, AA", "online", "Y, AA"],
        eligible_professions=["registered_nurse"] * 6,
    ).with_columns(pl.lit("listed").alias("eligibility"))
    best = training.best_courses(frame, STATES, state="AA", n=6)
    assert best["organization"].to_list() == ["Home 2", "Home", "Near hands-on", "Near plain", "Far", "Online"]
    assert best["distance_km"][0] == 0.0 and best["distance_km"][-1] is None
    assert best["distance_km"][2] == pytest.approx(3 * 111.2, rel=0.01)


def test_best_courses_show_at_most_two_per_organisation():
    frame = courses(organization=["A", "A", "A", "B"], locations=["X, AA"] * 4).with_columns(
        pl.lit("listed").alias("eligibility")
    )
    best = training.best_courses(frame, STATES, state="AA")
    assert best["organization"].to_list() == ["A", "A", "B"]


def test_the_training_answer_states_the_rule_once_and_names_each_course():
    from analysis.narrate.training import best_courses_answer, rule_line

    frame = courses(organization=["Org"], locations=["Austin, TX"], list_price_usd=[1500.0], hands_on=[True])
    best = training.best_courses(frame.with_columns(pl.lit("in person").alias("where")), STATES, state="US")
    line = rule_line({"may_inject": "no", "supervision": "not_allowed"}, state="AA", label="Aesthetician")
    text = best_courses_answer(best, label="Aesthetician", state_label="Alpha", rule_line=line, n_options=7)
    assert text.count("does not make injecting legal here") == 1
    assert "The 1 of 7 current options" in text and "\\$1,500" in text and "practice on live models" in text
