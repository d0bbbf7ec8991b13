"""Generated reports and the index, opened in headless Chromium with the network off.

The report set is built by the real command (`botox-market reports`) once per module. Each page must
render every plotly chart as SVG, log no console error, request nothing outside the machine, and
every link in the index must resolve. Text from data that looks like HTML must show as text, and no
script from data may run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.browser import browser_page, chromium_path

STATES = ["US", "TX", "DC"]
NOTEBOOKS = ["overview", "pricing", "providers", "training", "economics"]
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]


def run_reports(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", "reports", "--out", str(out), "--jobs", "2", *extra],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def report_set(tmp_path_factory) -> Path:
    chromium_path()
    out = tmp_path_factory.mktemp("reports")
    done = run_reports(out, "--states", ",".join(STATES))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """A pricing report over a price list whose text fields carry HTML and script."""
    chromium_path()
    folder = tmp_path_factory.mktemp("hostile")
    prices = folder / "prices.csv"
    lines = ["clinic,state,city,provider_type,product,price,source"]
    for i in range(30):
        name = XSS[i % 2]
        lines.append(f'"{name}",TX,"{name}",RN,Botox,${10 + i % 7}/unit,"{name}"')
    prices.write_text("\n".join(lines) + "\n")
    out = folder / "reports"
    done = run_reports(out, "--states", "TX", "--notebooks", "pricing", f"prices_path={prices}")
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "TX" / "pricing.html"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_report_renders_every_chart_offline_without_errors(report_set, state, notebook):
    page_path = report_set / state / f"{notebook}.html"
    with browser_page() as (page, log):
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        plots = page.locator("div.plotly-graph-div")
        assert plots.count() >= 1, "a report without a chart"
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))",
            timeout=20_000,
        )
        for i in range(plots.count()):
            assert plots.nth(i).locator("svg.main-svg").first.bounding_box()["height"] > 50
            assert plots.nth(i).locator("g.trace, g.barlayer, g.boxlayer, g.scatterlayer").count() > 0
    assert log.console_errors == []
    assert log.blocked_requests == []


def test_index_links_resolve_and_the_index_makes_no_request(report_set):
    with browser_page() as (page, log):
        page.goto((report_set / "index.html").as_uri())
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert log.console_errors == [] and log.blocked_requests == []
    report_links = [h for h in hrefs if h.endswith(".html")]
    assert len(report_links) >= len(STATES) * len(NOTEBOOKS)
    for href in hrefs:
        assert href.startswith("file://"), href
        assert Path(unquote(urlparse(href).path)).exists(), href


def test_index_table_sorts_when_a_header_is_clicked(report_set):
    with browser_page() as (page, _log):
        page.goto((report_set / "index.html").as_uri())
        table = page.locator("table").first
        column = "els => els.map(e => e.querySelector('td').innerText.split(/\\s/)[0])"
        table.locator("th").first.click()
        once = table.locator("tbody tr").evaluate_all(column)
        table.locator("th").first.click()
        twice = table.locator("tbody tr").evaluate_all(column)
    assert once in (sorted(once), sorted(once, reverse=True)) and len(set(once)) == len(STATES)
    assert twice == list(reversed(once))


def test_plotly_js_is_stored_once_for_the_whole_set(report_set):
    copies = list(report_set.rglob("plotly*.js"))
    assert len(copies) == 1
    for html in report_set.glob("*/*.html"):
        assert html.stat().st_size < 500_000
        assert "cdn.plot.ly" not in html.read_text() and "cdn.jsdelivr" not in html.read_text()


def test_html_from_data_shows_as_text_and_never_runs(hostile_report):
    with browser_page() as (page, log):
        page.goto(hostile_report.as_uri())
        page.wait_for_function("() => document.querySelector('svg.main-svg')", timeout=20_000)
        text = page.inner_text("body")
        injected = page.locator("img[src='x']").count()
    assert log.dialogs == [], "a script from the data ran"
    assert injected == 0
    assert XSS[0] in text and XSS[1] in text  # shown as text in the sources table


# --- what each reader sees first, at a laptop's and a phone's width (issue #14) ----------------------------------

PLACES = {"US": "United States", "TX": "Texas", "DC": "District of Columbia"}


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_scrolls_sideways_at_laptop_and_phone_width(report_set, width):
    pages = [report_set / "index.html"] + [report_set / s / f"{n}.html" for s in STATES for n in NOTEBOOKS]
    too_wide = []
    with browser_page() as (page, _log):
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            page.goto(path.as_uri())
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                too_wide.append((path.relative_to(report_set).as_posix(), scroll))
    assert too_wide == []


@pytest.mark.parametrize("state", STATES)
def test_every_report_names_its_state_opens_with_an_answer_and_shows_no_test_output(report_set, state):
    with browser_page() as (page, _log):
        for notebook in NOTEBOOKS:
            page.goto((report_set / state / f"{notebook}.html").as_uri())
            heading = page.inner_text("h1")
            assert heading.endswith(f"— {PLACES[state]}"), heading
            assert page.locator(".bm-callout.answer").count() >= 1, notebook
            first_box = page.locator(".bm-callout").first
            assert "answer" in (first_box.get_attribute("class") or "") or notebook == "providers"
            body = page.inner_text("body")
            assert "NBVAL" not in body and "synthetic: False" not in body and "_usd:" not in body, notebook


def test_the_index_filter_keeps_only_matching_states(report_set):
    with browser_page() as (page, _log):
        page.goto((report_set / "index.html").as_uri())
        page.fill("#filter", "texas")
        visible = page.locator("#by-state-table tbody tr:not([hidden])")
        assert visible.count() == 1 and visible.first.inner_text().startswith("TX")
        page.fill("#filter", "")
        assert page.locator("#by-state-table tbody tr:not([hidden])").count() == len(STATES)


def test_reports_print_to_pdf_with_charts_and_selectable_text(tmp_path):
    chromium_path()
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        message = "poppler-utils (pdftotext, pdftoppm) is not installed; .ci/run installs it"
        if os.environ.get("BOTOX_MARKET_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    done = run_reports(tmp_path, "--states", "TX", "--notebooks", "pricing", "--pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / "TX" / "pricing.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Botox treatment pricing — Texas" in text and "What clinics charge in Texas" in text
    assert "Price per Botox-equivalent unit by pricing model" in text  # a chart's title: drawn, as text
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 5_000 for p in pages)


def test_tile_map_labels_meet_wcag_aa_contrast_as_drawn(report_set):
    from analysis.figures.common import contrast_ratio

    pairs = []
    with browser_page() as (page, _log):
        for notebook in ("providers", "training"):
            page.goto((report_set / "TX" / f"{notebook}.html").as_uri())
            page.wait_for_function("() => document.querySelector('svg.main-svg')", timeout=20_000)
            pairs += page.evaluate(
                """() => Array.from(document.querySelectorAll('g.trace.scatter')).flatMap(trace => {
                    const points = Array.from(trace.querySelectorAll('g.points path.point'));
                    const labels = Array.from(trace.querySelectorAll('g.textpoint text'));
                    if (!labels.length || labels.length !== points.length) return [];
                    return points.map((p, i) => [getComputedStyle(p).fill, getComputedStyle(labels[i]).fill]);
                })"""
            )
    assert len(pairs) >= 51  # at least one tile map with every state drawn
    low = [(fill, text) for fill, text in pairs if contrast_ratio(text, fill) < 4.5]
    assert low == []
