"""One synthetic banner per report page: the notebook's own when it shows one, else the page's."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.display import banner
from analysis.narrate.common import synthetic_notice
from analysis.report import export
from analysis.sample import synthetic_prices


def page_for(nb: nbformat.NotebookNode, *, synthetic: bool, tmp_path: Path) -> str:
    return export.render_report(
        nb,
        out=tmp_path,
        page=tmp_path / "TX" / "pricing.html",
        title="Pricing — Texas",
        state="TX",
        topic="pricing",
        notebook_file="pricing.ipynb",
        parameters={"state": "TX"},
        inputs=[],
        summary={"synthetic": synthetic},
        error=None,
        version="0",
        run_at="2026-11-27",
    )


def notebook_with_output(data: dict[str, str]) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(
        "banner", outputs=[nbformat.v4.new_output("display_data", data={**data, "text/plain": ""})]
    )
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Pricing"), cell])


def banners(page: str) -> int:
    return page.count("Synthetic sample data")


@pytest.mark.parametrize(
    ("notebook_banner", "expected_kind"), [(True, "bm-banner synthetic"), (False, "banner-synthetic")]
)
def test_a_synthetic_report_shows_exactly_one_banner(tmp_path, notebook_banner, expected_kind):
    output = (
        {"text/markdown": banner(synthetic_notice(synthetic_prices(20, seed=1), what="price observations")).data}
        if notebook_banner
        else {"text/html": "<p>numbers</p>"}
    )
    page = page_for(notebook_with_output(output), synthetic=True, tmp_path=tmp_path)
    assert banners(page) == 1
    assert expected_kind in page


def test_a_report_on_real_data_shows_no_banner(tmp_path):
    page = page_for(notebook_with_output({"text/html": "<p>numbers</p>"}), synthetic=False, tmp_path=tmp_path)
    assert banners(page) == 0


def test_cells_that_exist_for_tests_are_not_in_the_report(tmp_path):
    check = nbformat.v4.new_code_cell(
        "# NBVAL_CHECK_OUTPUT\nprint(numbers)",
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="median_price_per_unit_usd: 13.0\n")],
        metadata={"tags": ["remove-cell"]},
    )
    nb = notebook_with_output({"text/html": "<p>numbers</p>"})
    nb.cells.append(check)
    page = page_for(nb, synthetic=False, tmp_path=tmp_path)
    assert "<p>numbers</p>" in page and "median_price_per_unit_usd" not in page


@pytest.mark.parametrize("name", ["overview", "pricing", "providers", "training"])
def test_every_notebook_hides_its_check_cell_from_reports(name):
    nb = nbformat.read(config.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert len(checks) == 1 and "remove-cell" in checks[0].metadata.get("tags", [])


@pytest.mark.parametrize(("state", "place"), [("TX", "Texas"), ("US", "United States")])
def test_the_report_heading_names_the_state_and_the_notebook_keeps_its_own(state, place):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Botox treatment pricing\n\nWhat clinics charge.")]
    )
    titled = export.with_state_in_title(nb, state)
    assert titled.cells[0].source.splitlines()[0] == f"# Botox treatment pricing — {place}"
    assert nb.cells[0].source.startswith("# Botox treatment pricing\n")  # the notebook itself is unchanged


@pytest.mark.parametrize("name", ["overview", "pricing", "providers", "training"])
def test_every_notebook_cell_has_an_id(name):
    import json

    cells = json.loads((config.NOTEBOOKS_DIR / f"{name}.ipynb").read_text())["cells"]
    assert all("id" in cell for cell in cells)  # nbformat 4.5: a missing id will become an error
