"""Batch reports end to end, with the tiny notebooks in tests/data/notebooks (real kernels; ~1 min)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from analysis import config
from analysis.report import cache, kernel, runner
from analysis.report.parameters import PRICE_CAP, PRICES_PATH, STATE, NotebookSpec, build_requests
from analysis.report.summary import SUMMARY_ENV

NOTEBOOK_DIR = Path(__file__).parent / "data" / "notebooks"
SPECS = {
    "tiny_state": NotebookSpec(
        "tiny_state", NOTEBOOK_DIR / "tiny_state.ipynb", (STATE, PRICE_CAP, PRICES_PATH), title="Tiny state"
    ),
    "tiny_fail": NotebookSpec("tiny_fail", NOTEBOOK_DIR / "tiny_fail.ipynb", (STATE,), title="Tiny fail"),
    "tiny_crash": NotebookSpec("tiny_crash", NOTEBOOK_DIR / "tiny_crash.ipynb", (STATE,), title="Tiny crash"),
}
EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)


def run(out, *, states, notebooks, overrides=None, jobs=2, force=False):
    requests = build_requests(states=states, notebooks=notebooks, overrides=overrides, specs=SPECS)
    return runner.run_batch(requests, out=out, jobs=jobs, force=force, specs=SPECS)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three good reports, one failing notebook and one whose kernel dies, on two workers."""
    out = tmp_path_factory.mktemp("reports")
    good = run(out, states="CA,TX,NY", notebooks="tiny_state")
    bad = run(out, states="CA", notebooks="tiny_fail,tiny_crash")
    return out, good, bad


def test_three_reports_are_written_in_the_layout(batch):
    out, good, _ = batch
    assert good.ok and good.ran == 3
    for state in ("CA", "TX", "NY"):
        assert (out / state / "tiny_state.html").is_file()
        assert (out / "executed" / state / "tiny_state.ipynb").is_file()
        assert (out / "executed" / state / "tiny_state.summary.json").is_file()


def test_reports_have_a_plotly_div_and_no_external_urls(batch):
    out, _, _ = batch
    for page in out.glob("*/tiny_state.html"):
        html = page.read_text()
        assert 'class="plotly-graph-div"' in html and "Plotly.newPlot(" in html
        assert not EXTERNAL.search(html), EXTERNAL.search(html)
        assert '<script src="../assets/plotly.min.js"></script>' in html
        assert "require.js" not in html and "mathjax" not in html.lower()


def test_code_and_prompts_are_hidden(batch):
    out, _, _ = batch
    html = (out / "CA" / "tiny_state.html").read_text()
    assert "use_report_renderer" not in html and "In&nbsp;[" not in html and "Out[" not in html


def test_plotly_js_is_written_once_and_reports_stay_small(batch):
    out, _, _ = batch
    copies = [
        p for p in out.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000 and p.suffix in {".js", ".html"}
    ]
    assert copies == [out / "assets" / "plotly.min.js"]
    for page in out.glob("*/*.html"):
        assert page.stat().st_size < 500_000


def test_summary_and_synthetic_banner(batch):
    out, _, _ = batch
    summary = json.loads((out / "executed" / "TX" / "tiny_state.summary.json").read_text())
    assert summary["state"] == "TX" and summary["letter_sum"] == ord("T") + ord("X") and summary["synthetic"] is True
    assert "Synthetic sample data" in (out / "TX" / "tiny_state.html").read_text()


def test_footer_lists_parameters_data_files_version_and_date(batch):
    out, _, _ = batch
    html = (out / "CA" / "tiny_state.html").read_text()
    footer = html[html.index("<footer>") :]
    assert "price_cap" in footer and "500.0" in footer
    assert "botox-market" in footer and re.search(r"run \d{4}-\d\d-\d\d", footer)
    states_csv = config.REFERENCE_FILES["states"]
    if states_csv.exists():
        from analysis.report.cache import sha256_file

        assert sha256_file(states_csv) in footer


def test_index_links_every_report_with_status(batch):
    out, _, _ = batch
    html = (out / "index.html").read_text()
    for state in ("CA", "TX", "NY"):
        assert f'href="{state}/tiny_state.html"' in html
    assert "status-failed" in html and "letter sum" in html
    assert not EXTERNAL.search(html)


def test_manifest_has_facts_durations_and_fingerprints(batch):
    out, _, _ = batch
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"reports": 5, "ok": 3, "failed": 2}
    entry = next(r for r in manifest["reports"] if r["state"] == "NY" and r["notebook"] == "tiny_state")
    assert entry["status"] == "ok" and entry["parameters"] == {"state": "NY", "price_cap": 500.0, "prices_path": None}
    assert len(entry["cache_key"]) == 64 and entry["summary"]["letter_sum"] == ord("N") + ord("Y")
    assert entry["durations"]["total_s"] > 0 and entry["durations"]["cells"]
    assert all(len(i["sha256"]) == 64 for i in entry["inputs"] if i["role"].startswith("reference:"))


def test_failing_notebook_is_recorded_with_cell_and_error(batch):
    out, good, bad = batch
    failed = {r["notebook"]: r for r in bad.failures}
    error = failed["tiny_fail"]["error"]
    assert error["ename"] == "ValueError" and error["evalue"] == "no data for CA"
    assert error["source_cell_index"] == 3 and error["cell_index"] == 4  # +1: papermill's injected cell
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(r for r in manifest["reports"] if r["notebook"] == "tiny_fail")
    assert entry["status"] == "failed" and entry["error"]["cell_index"] == 4
    assert "This report failed" in (out / "CA" / "tiny_fail.html").read_text()


def test_dead_kernel_fails_its_report_and_is_restarted(batch):
    _, _, bad = batch
    crash = next(r for r in bad.records if r["notebook"] == "tiny_crash")
    assert crash["status"] == "failed" and crash["error"]["ename"] == "DeadKernelError"


def test_second_run_skips_everything_and_is_fast(tmp_path, monkeypatch):
    # The package source is part of the cache key; pin it here so that edits made to the checkout while
    # the test runs cannot turn a cache hit into a miss (test_package_fingerprint covers it).
    monkeypatch.setattr(cache.Fingerprinter, "package", lambda self: "pinned")
    first = run(tmp_path, states="CA,TX", notebooks="tiny_state", jobs=1)
    assert first.ran == 2
    html_before = (tmp_path / "CA" / "tiny_state.html").stat().st_mtime_ns
    started = time.perf_counter()
    second = run(tmp_path, states="CA,TX", notebooks="tiny_state", jobs=1)
    assert time.perf_counter() - started < 5
    assert (second.ran, second.cached) == (0, 2)
    assert (tmp_path / "CA" / "tiny_state.html").stat().st_mtime_ns == html_before
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [r["ran"] for r in manifest["reports"]] == [False, False]
    assert {r["cache_key"] for r in manifest["reports"]} == {r["cache_key"] for r in first.records}

    changed = run(tmp_path, states="CA,TX", notebooks="tiny_state", overrides={"price_cap": "300"}, jobs=1)
    assert (changed.ran, changed.cached) == (2, 0)
    assert json.loads((tmp_path / "executed" / "CA" / "tiny_state.summary.json").read_text())["price_cap"] == 300.0

    data = tmp_path / "prices.csv"
    data.write_text("a\nb\n")
    with_file = run(
        tmp_path, states="CA", notebooks="tiny_state", overrides={"price_cap": "300", "prices_path": str(data)}, jobs=1
    )
    assert with_file.ran == 1
    again = run(
        tmp_path, states="CA", notebooks="tiny_state", overrides={"price_cap": "300", "prices_path": str(data)}, jobs=1
    )
    assert again.cached == 1
    data.write_text("a\nb\nc\n")  # same parameters, new data: runs again
    edited = run(
        tmp_path, states="CA", notebooks="tiny_state", overrides={"price_cap": "300", "prices_path": str(data)}, jobs=1
    )
    assert edited.ran == 1
    assert json.loads((tmp_path / "executed" / "CA" / "tiny_state.summary.json").read_text())["prices_lines"] == 3

    forced = run(tmp_path, states="TX", notebooks="tiny_state", overrides={"price_cap": "300"}, jobs=1, force=True)
    assert forced.ran == 1


def test_package_fingerprint_follows_the_source(tmp_path, monkeypatch):
    package = tmp_path / "analysis"
    (package / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(config, "PACKAGE_DIR", package)
    before = cache.Fingerprinter().package()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    assert cache.Fingerprinter().package() == before
    (package / "a.py").write_text("x = 2\n")
    assert cache.Fingerprinter().package() != before


def test_interrupted_output_is_resumed(tmp_path, monkeypatch):
    """A report without its record (the commit marker) counts as not done; stray temp files go."""
    monkeypatch.setattr(cache.Fingerprinter, "package", lambda self: "pinned")
    run(tmp_path, states="CA,TX", notebooks="tiny_state", jobs=1)
    (tmp_path / "executed" / "TX" / "tiny_state.record.json").unlink()
    stray = tmp_path / "TX" / ".tiny_state.html.abc.tmp"
    stray.write_text("half a page")
    resumed = run(tmp_path, states="CA,TX", notebooks="tiny_state", jobs=1)
    assert (resumed.ran, resumed.cached) == (1, 1)
    assert not stray.exists()


def test_warm_kernel_result_equals_a_fresh_papermill_run(tmp_path, monkeypatch):
    """TX runs second in the same kernel as CA; its summary must equal a fresh kernel's, probes included."""
    import papermill

    warm = run(tmp_path / "warm", states="CA,TX", notebooks="tiny_state", jobs=1)
    assert warm.ok
    warm_summary = json.loads((tmp_path / "warm" / "executed" / "TX" / "tiny_state.summary.json").read_text())

    fresh_summary_path = tmp_path / "fresh.summary.json"
    monkeypatch.setenv(SUMMARY_ENV, str(fresh_summary_path))
    monkeypatch.setenv("PYTHONPATH", str(config.PROJECT_DIR))
    papermill.execute_notebook(
        str(NOTEBOOK_DIR / "tiny_state.ipynb"),
        str(tmp_path / "fresh.ipynb"),
        parameters={"state": "TX", "price_cap": 500.0, "prices_path": None},
        kernel_name=kernel.kernel_name(),
        cwd=str(NOTEBOOK_DIR),
        progress_bar=False,
    )
    fresh_summary = json.loads(fresh_summary_path.read_text())
    assert warm_summary == fresh_summary
    assert warm_summary["probe_leftover_global"] is False and warm_summary["probe_env"] is None
