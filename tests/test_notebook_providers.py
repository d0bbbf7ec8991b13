"""notebooks/providers.ipynb runs top to bottom under papermill, with the defaults and with edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from analysis import config
from analysis.figures_renderer import PLOTLY_MIMETYPE
from analysis.narrate.text import md
from analysis.report.summary import SUMMARY_ENV

NOTEBOOK = config.NOTEBOOKS_DIR / "providers.ipynb"


@pytest.fixture(scope="module", autouse=True)
def kernel_installed(botox_kernel) -> None:
    """Every test here runs the notebook in the project's kernel."""


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **parameters: object) -> tuple[nbformat.NotebookNode, dict]:
    summary = tmp_path / "summary.json"
    monkeypatch.setenv(SUMMARY_ENV, str(summary))  # the kernel inherits the environment
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters=parameters, kernel_name=config.KERNEL_NAME, progress_bar=False
    )
    published = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}
    return nbformat.read(out, as_version=4), published


def outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def html_text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
        for o in outputs(nb)
    )


def test_committed_notebook_has_no_outputs_and_one_parameters_cell() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "botox-market"
    assert nb.metadata.kernelspec.display_name == "Python (botox-market)"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is nb.cells[1]
    assert 'state = "US"' in tagged[0].source and "provider_counts_path = None" in tagged[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in code
        if not c.source.startswith("# NBVAL_CHECK_OUTPUT")
    )


@pytest.mark.parametrize(
    ("state", "lower_bound"),
    [
        ("US", True),  # BLS did not release nurse practitioners in GA and RI: uncounted there
        ("TX", False),  # every type is counted in Texas
        ("DC", False),  # DC's LPN and dentist rules are unknown: counted people, not in the pool
    ],
)
def test_notebook_runs_on_published_counts_and_draws_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: str, lower_bound: bool
) -> None:
    nb, published = run(tmp_path, monkeypatch, state=state)
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    assert sum(PLOTLY_MIMETYPE in o.get("data", {}) for o in outputs(nb)) >= 3  # matrix, map, breakdown
    assert "bm-banner synthetic" not in html_text(nb)  # the shipped counts are published, none generated
    assert "different years" in html_text(nb)  # physicians 2020, everyone else 2023: said, not hidden
    assert published["state"] == state
    assert published["synthetic"] is False
    assert published["eligible_pool_per_100k"] > 0
    assert bool(published["uncounted_eligible_types"]) is lower_bound
    assert published["pool_complete"] is not lower_bound
    if state == "DC":
        assert published["types_unknown_rule"] == ["licensed_practical_nurse", "dentist"]
        assert published["people_under_unknown_rules"] > 0


def test_synthetic_counts_come_only_when_asked_and_show_the_banner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb, published = run(tmp_path, monkeypatch, state="TX", provider_counts_path="synthetic")
    assert 'class="bm-banner synthetic"' in html_text(nb)
    assert published["synthetic"] is True


def test_notebook_with_empty_counts_gives_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "counts.csv"
    empty.write_text("state,provider_type,count,source,as_of\n", encoding="utf-8")
    nb, published = run(tmp_path, monkeypatch, state="TX", provider_counts_path=str(empty))
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    assert any(PLOTLY_MIMETYPE in o.get("data", {}) for o in outputs(nb))  # the eligibility matrix still shows
    text = html_text(nb)
    assert md("No provider counts in counts.csv") in text
    assert "bm-banner synthetic" not in text
    assert published["synthetic"] is False
    assert published["eligible_pool_per_100k"] is None


def test_unknown_state_fails_with_the_valid_choices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        run(tmp_path, monkeypatch, state="XX")
    message = str(failure.value)
    assert "unknown state 'XX'" in message
    assert "expected one of US, AK, AL" in message and "TX" in message
