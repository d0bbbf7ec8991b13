"""Parameter validation for batch reports: every mistake is one ParameterError naming the valid choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import config, schemas, states
from analysis.report.parameters import (
    NOTEBOOKS,
    PRICE_CAP,
    PRICES_PATH,
    STATE,
    NotebookSpec,
    Parameter,
    ParameterError,
    ReportPaths,
    build_requests,
    notebook_parameter_names,
    parse_assignments,
    parse_notebooks,
    parse_states,
    state_codes,
)

NOTEBOOK_DIR = Path(__file__).parent / "data" / "notebooks"
TINY = {"tiny_state": NotebookSpec("tiny_state", NOTEBOOK_DIR / "tiny_state.ipynb", (STATE, PRICE_CAP, PRICES_PATH))}


def test_declared_notebooks_and_their_parameters_match_the_contract():
    assert {name: spec.parameter_names for name, spec in NOTEBOOKS.items()} == {
        "overview": (
            "state",
            "prices_path",
            "provider_counts_path",
            "state_rules_path",
            "courses_path",
            "unit_conversions_path",
            "published_statistics_path",
            "units_per_area_path",
        ),
        "pricing": (
            "state",
            "product",
            "price_cap",
            "prices_path",
            "published_prices_path",
            "unit_conversions_path",
            "units_per_area_path",
            "us_state_shapes_path",
        ),
        "providers": ("state", "provider_counts_path", "state_rules_path", "practice_rules_path"),
        "training": (
            "state",
            "profession",
            "courses_path",
            "state_rules_path",
            "prices_path",
            "unit_conversions_path",
            "product_costs_path",
            "units_per_area_path",
            "provider_counts_path",
        ),
        "economics": (
            "state",
            "provider_type",
            "price_per_unit",
            "units_per_visit",
            "visits_per_month",
            "product_cost_per_unit",
            "waste_share",
            "card_fee_share",
            "injector_hourly_wage",
            "injector_hours_per_month",
            "medical_director_fee",
            "rent_per_month",
            "other_overhead_per_month",
            "course_fee",
            "prices_path",
            "unit_conversions_path",
            "product_costs_path",
            "units_per_area_path",
            "state_rules_path",
            "practice_rules_path",
            "provider_wages_path",
            "practice_economics_path",
            "courses_path",
        ),
    }
    for spec in NOTEBOOKS.values():  # every data parameter stands for a shipped file
        for parameter in spec.parameters:
            if parameter.kind == "path":
                assert parameter.default is None and parameter.default_file == config.DATA_FILES[parameter.name[:-5]]
    assert NOTEBOOKS["pricing"].parameter("product").choices == ("all", *schemas.PRODUCTS)
    assert NOTEBOOKS["training"].parameter("profession").choices == schemas.PROVIDER_TYPES


def test_state_choices_are_us_then_the_51_codes_of_states_csv():
    assert STATE.choices[0] == "US"
    assert len(STATE.choices) == 52
    assert STATE.choices[1:] == states.state_codes()


def test_state_codes_read_the_reference_file(tmp_path):
    path = tmp_path / "states.csv"
    path.write_text("state,name\nTX,Texas\nCA,California\n")
    assert state_codes(path) == ("US", "CA", "TX")


@pytest.mark.parametrize(
    "content",
    [None, "code,name\nCA,California\n", "state,name\nCA,California\n../../etc,Nowhere\n", "state,name\ntx,Texas\n"],
)
def test_a_missing_or_malformed_states_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "states.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ParameterError, match="cannot read the list of states"):
        state_codes(path)


def test_unknown_state_lists_the_valid_choices():
    with pytest.raises(ParameterError) as excinfo:
        build_requests(states="CA,XX", notebooks="tiny_state", specs=TINY)
    message = str(excinfo.value)
    assert "unknown state 'XX'" in message
    assert "US, AK, AL" in message and "WY" in message


def test_states_are_case_insensitive_and_deduplicated():
    assert parse_states("ca, TX,ca") == ["CA", "TX"]
    assert parse_states("all") == list(STATE.choices)
    assert parse_states("us") == ["US"]


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", True, None, ""])
def test_bad_price_cap_is_refused(value):
    with pytest.raises(ParameterError, match=r"price_cap must be a finite number ≥ 0"):
        build_requests(states="CA", notebooks="tiny_state", overrides={"price_cap": value}, specs=TINY)


def test_price_cap_text_becomes_a_float():
    (request,) = build_requests(states="CA", notebooks="tiny_state", overrides={"price_cap": "300"}, specs=TINY)
    assert request.parameters == {"state": "CA", "price_cap": 300.0, "prices_path": None}
    assert isinstance(request.parameters["price_cap"], float)


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ParameterError) as excinfo:
        build_requests(states="CA", notebooks="pricing,training", overrides={"colour": "red"}, check_files=False)
    assert str(excinfo.value) == (
        "unknown parameter 'colour' for notebooks pricing, training; "
        "valid parameters: courses_path, price_cap, prices_path, product, product_costs_path, profession, "
        "provider_counts_path, published_prices_path, state_rules_path, unit_conversions_path, units_per_area_path, "
        "us_state_shapes_path"
    )


def test_parameter_is_applied_only_to_notebooks_that_declare_it():
    requests = build_requests(
        states="CA", notebooks="providers,training", overrides={"profession": "DENTIST"}, check_files=False
    )
    assert [r.parameters.get("profession") for r in requests] == [None, "dentist"]
    assert "profession" not in requests[0].parameters


def test_product_choices_are_listed():
    with pytest.raises(ParameterError, match=r"unknown product 'botox'; expected one of all, botox_cosmetic, dysport"):
        build_requests(states="CA", notebooks="pricing", overrides={"product": "botox"}, check_files=False)


def test_state_is_set_with_states_not_as_a_parameter():
    with pytest.raises(ParameterError, match="--states"):
        build_requests(states="CA", notebooks="tiny_state", overrides={"state": "TX"}, specs=TINY)


def test_codes_stay_strings():
    fips = Parameter("fips", "choice", "06", "a code that looks like a number", choices=("06", "48"))
    assert fips.coerce("06") == "06"
    with pytest.raises(ParameterError, match="expected one of 06, 48"):
        fips.coerce(6)


def test_data_path_none_means_the_shipped_default():
    assert PRICES_PATH.coerce("none") is None
    assert PRICES_PATH.data_file(None) == config.DEFAULT_PRICES


def test_data_path_must_exist(tmp_path):
    with pytest.raises(ParameterError, match="prices_path: no such file"):
        PRICES_PATH.coerce(str(tmp_path / "missing.csv"))
    existing = tmp_path / "prices.csv"
    existing.write_text("a\n")
    assert PRICES_PATH.coerce(str(existing)) == str(existing.resolve())


def test_directory_is_not_a_data_file(tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        PRICES_PATH.coerce(str(tmp_path))


@pytest.mark.parametrize("states", ["../../etc", "CA/../..", ".", "C A"])
def test_path_traversal_in_states_is_refused(states):
    with pytest.raises(ParameterError, match="unknown state"):
        build_requests(states=states, notebooks="tiny_state", specs=TINY)


@pytest.mark.parametrize("notebooks", ["../tiny_state", "tiny_state/x", "/etc/passwd", "TINY_STATE"])
def test_notebook_names_with_paths_are_refused(notebooks):
    with pytest.raises(ParameterError, match="unknown notebook"):
        parse_notebooks(notebooks, specs=TINY)


def test_output_paths_only_from_valid_codes_and_names(tmp_path):
    paths = ReportPaths(tmp_path, "CA", "pricing")
    assert paths.html == tmp_path / "CA" / "pricing.html"
    assert paths.executed == tmp_path / "executed" / "CA" / "pricing.ipynb"
    assert paths.summary == tmp_path / "executed" / "CA" / "pricing.summary.json"
    for state, notebook in [("..", "pricing"), ("CA", "../x"), ("ca", "pricing"), ("CA", "a/b")]:
        with pytest.raises(ParameterError, match="refusing output path"):
            ReportPaths(tmp_path, state, notebook)


def test_notebook_spec_names_cannot_hold_paths():
    with pytest.raises(ValueError, match="must match"):
        NotebookSpec("../evil", Path("x.ipynb"), (STATE,))


def test_assignments_must_be_name_equals_value():
    assert parse_assignments(["price_cap=300", "prices_path="]) == {"price_cap": "300", "prices_path": ""}
    with pytest.raises(ParameterError, match="expected PARAMETER=VALUE, got 'price_cap'"):
        parse_assignments(["price_cap"])


def test_parameters_cell_is_read_without_running_it():
    assert notebook_parameter_names(NOTEBOOK_DIR / "tiny_state.ipynb") == ["state", "price_cap", "prices_path"]


def test_notebook_must_assign_every_declared_parameter():
    spec = {"tiny_fail": NotebookSpec("tiny_fail", NOTEBOOK_DIR / "tiny_fail.ipynb", (STATE, PRICE_CAP))}
    with pytest.raises(ParameterError, match="does not assign price_cap"):
        build_requests(states="CA", notebooks="tiny_fail", specs=spec)


def test_missing_notebook_file_is_reported():
    spec = {"ghost": NotebookSpec("ghost", NOTEBOOK_DIR / "ghost.ipynb", (STATE,))}
    with pytest.raises(ParameterError, match="notebook 'ghost' not found"):
        build_requests(states="CA", notebooks="ghost", specs=spec)


def test_requests_carry_the_data_files_they_read(tmp_path):
    prices = tmp_path / "p.csv"
    prices.write_text("x\n")
    (request,) = build_requests(states="TX", notebooks="tiny_state", overrides={"prices_path": str(prices)}, specs=TINY)
    assert request.data_files == (
        ("prices_path", prices.resolve()),
        *(("vocabulary", path) for path in config.VOCABULARY_FILES),
    )
    assert request.paths(tmp_path).html == tmp_path / "TX" / "tiny_state.html"


def test_notebook_defaults_must_agree_with_the_declared_ones():
    spec = {
        "tiny_state": NotebookSpec(
            "tiny_state", NOTEBOOK_DIR / "tiny_state.ipynb", (STATE, Parameter("price_cap", "float", 300.0, "cap"))
        )
    }
    with pytest.raises(ParameterError, match=r"price_cap defaults to 500.0 in the notebook but to 300.0"):
        build_requests(states="CA", notebooks="tiny_state", specs=spec)


def test_shipped_notebooks_follow_the_declared_parameters():
    present = [name for name, spec in NOTEBOOKS.items() if spec.path.is_file()]
    if not present:
        pytest.skip("notebooks/ is empty")
    requests = build_requests(states="US", notebooks=",".join(present))
    assert [r.notebook for r in requests] == present


def test_synthetic_means_the_generated_sample_and_only_for_prices_and_counts():
    overrides = {"prices_path": "synthetic"}
    (request,) = build_requests(states="TX", notebooks="pricing", overrides=overrides, check_files=False)
    assert request.parameters["prices_path"] == str(config.SYNTHETIC_FILES["prices"])
    with pytest.raises(ParameterError, match="no synthetic sample of courses"):
        build_requests(states="TX", notebooks="training", overrides={"courses_path": "synthetic"}, check_files=False)


def test_by_default_reports_read_real_quotes_and_published_counts():
    assert config.DATA_FILES["prices"].name == "clinic_price_quotes.csv"
    assert config.DATA_FILES["provider_counts"].name == "provider_counts.csv"
