"""The notebook → index channel (publish), atomic writes, the plotly renderer and the index page."""

from __future__ import annotations

import json
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analysis.figures_renderer import PLOTLY_MIMETYPE, RENDERER_NAME, ReportRenderer, use_report_renderer
from analysis.report import index
from analysis.report.summary import SUMMARY_ENV, atomic_write_text, publish, read_summary


def test_publish_does_nothing_outside_the_batch(monkeypatch, tmp_path):
    monkeypatch.delenv(SUMMARY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert publish({"median_price_per_unit_usd": 12.0}) is None
    assert list(tmp_path.iterdir()) == []


def test_publish_writes_json_to_the_path_in_the_environment(monkeypatch, tmp_path):
    target = tmp_path / "s.json"
    monkeypatch.setenv(SUMMARY_ENV, str(target))
    publish({"median_price_per_unit_usd": np.float64(12.5), "n": np.int64(3), "synthetic": True})
    assert json.loads(target.read_text()) == {"median_price_per_unit_usd": 12.5, "n": 3, "synthetic": True}


def test_publish_merges_later_calls(monkeypatch, tmp_path):
    target = tmp_path / "s.json"
    monkeypatch.setenv(SUMMARY_ENV, str(target))
    publish({"a": 1, "b": 2})
    publish({"b": 3})
    assert read_summary(target) == {"a": 1, "b": 3}


def test_publish_turns_non_finite_numbers_into_null(monkeypatch, tmp_path):
    target = tmp_path / "s.json"
    monkeypatch.setenv(SUMMARY_ENV, str(target))
    publish({"nan": math.nan, "inf": np.float32("inf")})
    assert read_summary(target) == {"nan": None, "inf": None}


def test_publish_refuses_values_json_cannot_hold(monkeypatch, tmp_path):
    monkeypatch.setenv(SUMMARY_ENV, str(tmp_path / "s.json"))
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        publish({"frame": object()})


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "deep" / "file.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_report_renderer_bundle_has_the_plotly_mimetype_and_offline_html():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    bundle = ReportRenderer().to_mimebundle(fig.to_dict())
    assert set(bundle) == {PLOTLY_MIMETYPE, "text/html"}
    assert bundle[PLOTLY_MIMETYPE]["data"][0]["type"] == "bar"
    html = bundle["text/html"]
    assert 'class="plotly-graph-div"' in html and "Plotly.newPlot" in html
    assert "<script src" not in html and "cdn" not in html.lower() and "mathjax" not in html.lower()


def test_use_report_renderer_makes_it_the_default():
    previous = pio.renderers.default
    try:
        assert use_report_renderer() is None
        assert pio.renderers.default == RENDERER_NAME
    finally:
        pio.renderers.default = previous


def _record(state, notebook, status="ok", summary=None, error=None):
    return {
        "state": state,
        "notebook": notebook,
        "title": notebook.title(),
        "status": status,
        "summary": summary or {},
        "error": error,
        "html": f"{state}/{notebook}.html",
        "durations": {"total_s": 1.0},
        "run_at": "2026-01-01T00:00:00+00:00",
    }


def _write_record(out, record):
    path = out / "executed" / record["state"] / f"{record['notebook']}.record.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_index_escapes_text_and_lists_headline_numbers(tmp_path):
    _write_record(
        tmp_path, _record("CA", "pricing", summary={"median_price_per_unit_usd": 12.0, "label": "x", "synthetic": True})
    )
    _write_record(
        tmp_path,
        _record(
            "TX",
            "pricing",
            status="failed",
            error={"cell_index": 3, "ename": "ValueError", "evalue": "<script>alert(1)</script>"},
        ),
    )
    index_path, manifest_path = index.write_outputs(
        tmp_path, batch={"ran": 2, "cached": 0, "elapsed_s": 1.0, "interrupted": False}
    )
    html = index_path.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert 'href="CA/pricing.html"' in html and 'href="TX/pricing.html"' in html
    assert "Median $ per unit" in html and 'data-sort="12.0"' in html and "$12.00" in html
    assert "Synthetic sample data" in html
    manifest = json.loads(manifest_path.read_text())
    assert manifest["counts"] == {"reports": 2, "ok": 1, "failed": 1}
    assert [r["state"] for r in manifest["reports"]] == ["CA", "TX"]


def test_headline_keys_are_numeric_summary_values():
    records = [
        _record(
            "CA", "p", summary={"state": "CA", "synthetic": True, "n": 3, "name": "x", "flag": False, "median": 1.5}
        )
    ]
    assert index.headline_keys(records) == ["median", "n"]  # unknown keys alphabetically, after the known ones


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("market_estimate_year", 2024, "2024"),
        ("in_person_courses", 10.0, "10"),
        ("share_above_cap", 0.2734, "27%"),
        ("median_price_per_unit_usd", 13.25, "$13.25"),
        ("market_estimate_usd", 4_032_554_088.0, "$4.03 bn"),
        ("eligible_pool_per_100k", 1643.9, "1,644"),
        ("nearest_in_person_km", 1120.4, "1,120 km"),
        ("anything", None, ""),
    ],
)
def test_index_values_read_as_readers_expect(key, value, shown):
    assert index.format_value(key, value) == shown


def test_index_says_a_number_shared_by_every_row_once_and_keeps_run_details_out_of_the_tables(tmp_path):
    for state, median in (("CA", 12.0), ("TX", 13.0)):
        summary = {"median_price_per_unit_usd": median, "market_estimate_usd": 4e9, "share_above_cap": 0.5}
        summary["price_cap_usd"] = 400.0
        _write_record(tmp_path, _record(state, "pricing", summary=summary))
    index_path, _ = index.write_outputs(tmp_path, batch={"ran": 2, "cached": 0, "elapsed_s": 1.0, "interrupted": False})
    html = index_path.read_text()
    assert "The same in every row:" in html and "$4.00 bn" in html and "$400" in html
    assert html.count("$4.00 bn") == 1  # said once, not in each state's row
    assert "Share of visits over $400" in html
    tables, details = html.split('<details id="run-details">')
    assert "Seconds" not in tables and "Seconds" in details
    assert 'id="filter"' in html and 'id="by-state-table"' in html
