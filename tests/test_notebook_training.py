"""notebooks/training.ipynb runs top to bottom under papermill, for three kinds of state, and fails clearly."""

from __future__ import annotations

import json
import time

import nbformat
import papermill as pm
import polars as pl
import pytest

from analysis import config, reference, training
from analysis.report.parameters import notebook_parameter_defaults

NOTEBOOK = config.NOTEBOOKS_DIR / "training.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"

# (state, profession): a state with in-person courses where the profession may not inject, a state
# without in-person courses, and the national report with the notebook's defaults.
RUNS = {
    "CA": {"state": "CA", "profession": "aesthetician"},
    "NY": {"state": "NY", "profession": "registered_nurse"},
    "US": {},
    "TX-synthetic": {"state": "TX", "prices_path": "synthetic"},
}


class Run:
    """One executed notebook: its parameters, the notebook, the published summary, the wall time."""

    def __init__(self, case: str, nb: nbformat.NotebookNode, summary: dict, seconds: float) -> None:
        self.case, self.nb, self.summary, self.seconds = case, nb, summary, seconds
        self.state = RUNS[case].get("state", "US")


@pytest.fixture(scope="module")
def run(tmp_path_factory, botox_kernel):
    """``run(case)`` executes the notebook once per case (cached for the module) and returns a :class:`Run`."""
    done: dict[str, Run] = {}

    def execute(case: str) -> Run:
        if case not in done:
            out_dir = tmp_path_factory.mktemp(f"training_{case}")
            summary_path = out_dir / "summary.json"
            with pytest.MonkeyPatch.context() as mp:  # the kernel inherits the environment: publish() writes here
                mp.setenv("BOTOX_MARKET_SUMMARY_PATH", str(summary_path))
                started = time.perf_counter()
                pm.execute_notebook(
                    str(NOTEBOOK),
                    str(out_dir / "training.ipynb"),
                    parameters=RUNS[case],
                    kernel_name=config.KERNEL_NAME,
                    progress_bar=False,
                )
                seconds = time.perf_counter() - started
            nb = nbformat.read(out_dir / "training.ipynb", as_version=4)
            done[case] = Run(case, nb, json.loads(summary_path.read_text(encoding="utf-8")), seconds)
        return done[case]

    return execute


def outputs(nb):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def texts(nb) -> str:
    parts = []
    for o in outputs(nb):
        data = o.get("data", {})
        parts += [data.get("text/markdown", ""), data.get("text/html", "") if PLOTLY not in data else ""]
    return "\n".join(parts)


@pytest.mark.parametrize("case", list(RUNS))
def test_notebook_runs_without_error_outputs(run, case):
    assert [o for o in outputs(run(case).nb) if o.get("output_type") == "error"] == []


@pytest.mark.parametrize("case", list(RUNS))
def test_notebook_shows_a_plotly_figure(run, case):
    assert any(PLOTLY in o.get("data", {}) for o in outputs(run(case).nb))


@pytest.mark.parametrize("case", list(RUNS))
def test_synthetic_prices_come_only_when_asked_and_then_show_the_banner(run, case):
    result = run(case)
    asked = RUNS[case].get("prices_path") == "synthetic"
    assert ('class="bm-banner synthetic"' in texts(result.nb)) is asked
    assert result.summary["synthetic"] is asked


def offered_courses() -> pl.DataFrame:
    return training.split_offered(reference.training_courses())[0]


@pytest.mark.parametrize("case", list(RUNS))
def test_notebook_publishes_the_in_person_count_of_its_state(run, case):
    result = run(case)
    assert result.summary["state"] == result.state
    assert result.summary["in_person_courses_in_state"] == training.count_in_person(
        offered_courses(), state=result.state
    )


@pytest.mark.parametrize("case", list(RUNS))
def test_notebook_run_is_fast(run, case):
    seconds = run(case).seconds
    assert seconds < 60, f"one run took {seconds:.1f} s"  # a loose guard: the run is ~6-10 s on a quiet 2-core machine


def test_state_with_in_person_courses_names_them(run):
    result = run("CA")
    assert result.summary["in_person_courses_in_state"] > 0
    assert "in person in Irvine, CA" in texts(result.nb)


def test_profession_barred_in_the_state_gets_an_explanation_not_a_break_even(run):
    result = run("CA")
    assert "may not inject cosmetic neurotoxins in CA" in texts(result.nb)
    assert result.summary["may_inject"] == "no"
    assert result.summary["break_even_treatments"] is None
    titles = [
        json.dumps(o["data"][PLOTLY]["layout"].get("title", {}))
        for o in outputs(result.nb)
        if PLOTLY in o.get("data", {})
    ]
    assert not any("Treatments to recover" in t for t in titles)


def test_state_without_in_person_courses_points_to_the_nearest(run):
    result = run("NY")
    nearest = training.availability_by_state(offered_courses(), reference.states()).filter(pl.col("state") == "NY")
    assert result.summary["in_person_courses_in_state"] == 0
    assert result.summary["nearest_in_person_state"] == nearest["nearest_in_person_state"].item()
    assert f"The nearest state with one is **{result.summary['nearest_in_person_state']}**" in texts(result.nb)


def test_national_report_has_a_break_even_chart(run):
    result = run("US")
    titles = [
        json.dumps(o["data"][PLOTLY]["layout"].get("title", {}))
        for o in outputs(result.nb)
        if PLOTLY in o.get("data", {})
    ]
    assert any("Treatments to recover" in t for t in titles)
    assert result.summary["break_even_treatments"] is not None


def test_unknown_profession_fails_early_naming_the_valid_choices(tmp_path, botox_kernel):
    with pytest.raises(pm.PapermillExecutionError) as failure:
        pm.execute_notebook(
            str(NOTEBOOK),
            str(tmp_path / "training.ipynb"),
            parameters={"state": "TX", "profession": "nurse"},
            kernel_name=config.KERNEL_NAME,
            progress_bar=False,
        )
    message = str(failure.value)
    assert "unknown profession 'nurse'" in message
    assert "registered_nurse" in message and "aesthetician" in message


def test_shipped_notebook_has_no_outputs_and_declares_its_kernel_and_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == config.KERNEL_NAME
    assert nb.metadata.kernelspec.display_name == "Python (botox-market)"
    code = [c for c in nb.cells if c.cell_type == "code"]
    checked = [c for c in code if c.source.startswith("# NBVAL_CHECK_OUTPUT")]  # nbval's reference output, kept small
    assert len(checked) == 1 and all(o.output_type == "stream" for o in checked[0].outputs)
    assert all(not c.outputs and c.execution_count is None for c in code if c not in checked)
    assert code[0].metadata.get("tags") == ["parameters"]
    assert notebook_parameter_defaults(NOTEBOOK) == {
        "state": "US",
        "profession": "registered_nurse",
        **{f"{name}_path": None for name in ("courses", "state_rules", "prices", "unit_conversions")},
        **{f"{name}_path": None for name in ("product_costs", "units_per_area", "provider_counts")},
    }
