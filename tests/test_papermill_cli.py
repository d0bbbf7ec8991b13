"""Every notebook under the plain `papermill` command line, as a user would run it.

For US, a typical state, a state with no price data and each edge parameter (unknown profession,
price cap of 0, empty data file) the result is either a report with a clear explanation or a clear
parameter error — never a traceback inside a finished report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config

PAPERMILL = [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "botox-market"]
HEADER = "clinic,state,city,provider_type,product,price,source\n"


def run(notebook: str, out: Path, *params: str) -> subprocess.CompletedProcess[str]:
    args = [arg for pair in zip(["-p"] * (len(params) // 2), params[::2], params[1::2], strict=True) for arg in pair]
    return subprocess.run(
        [*PAPERMILL, str(config.NOTEBOOKS_DIR / f"{notebook}.ipynb"), str(out), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def outputs(path: Path) -> list[dict]:
    return [o for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def text_of(path: Path) -> str:
    parts = []
    for o in outputs(path):
        data = o.get("data", {})
        parts.append(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"]))
        for key in ("text/markdown", "text/html", "text/plain"):
            value = data.get(key, "")
            parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def assert_clean_report(done: subprocess.CompletedProcess[str], out: Path) -> str:
    assert done.returncode == 0, done.stderr[-2000:]
    assert not [o for o in outputs(out) if o.get("output_type") == "error"]
    return text_of(out)


@pytest.fixture(scope="module")
def texas_only_prices(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("prices") / "texas_only.csv"
    path.write_text(
        HEADER + "".join(f"Spa {i},TX,Austin,RN,Botox,${11 + i % 4}/unit,https://example.com/{i}\n" for i in range(12))
    )
    return path


@pytest.mark.parametrize("notebook", ["overview", "pricing", "providers", "training", "economics"])
@pytest.mark.parametrize("state", ["US", "CA"])
def test_notebook_runs_for_us_and_a_typical_state(tmp_path, notebook, state):
    text = assert_clean_report(run(notebook, tmp_path / "out.ipynb", "state", state), tmp_path / "out.ipynb")
    assert "Traceback" not in text


def test_state_without_price_data_gets_a_clear_note(tmp_path, texas_only_prices):
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("pricing", out, "state", "WY", "prices_path", str(texas_only_prices)), out)
    assert "No per-unit prices for Wyoming" in text


def test_price_cap_of_zero_flags_every_priced_treatment(tmp_path):
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("pricing", out, "state", "TX", "price_cap", "0"), out)
    assert "(100%) are above the \\$0 cap" in text


def test_empty_price_file_gives_an_explanation_not_a_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("pricing", out, "state", "TX", "prices_path", str(empty)), out)
    assert "**0** price quotes read" in text and "No per-unit prices" in text


def test_empty_counts_file_gives_an_explanation(tmp_path):
    empty = tmp_path / "counts.csv"
    empty.write_text("state,provider_type,count,source,as_of\n")
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("providers", out, "state", "TX", "provider_counts_path", str(empty)), out)
    assert "No counts in this file" in text


def test_profession_that_may_not_inject_is_explained(tmp_path):
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("training", out, "state", "CA", "profession", "aesthetician"), out)
    assert "may not inject cosmetic neurotoxins in CA" in text


def test_economics_for_two_states_and_a_profession_that_may_not_inject(tmp_path):
    for state in ("TX", "NY"):
        out = tmp_path / f"{state}.ipynb"
        text = assert_clean_report(run("economics", out, "state", state), out)
        assert "Break-even:" in text and "cover the fixed costs" in text
    out = tmp_path / "aesthetician.ipynb"
    text = assert_clean_report(run("economics", out, "state", "CA", "provider_type", "aesthetician"), out)
    assert "may not inject cosmetic neurotoxins in California" in text and "Break-even:" not in text


def test_economics_takes_the_readers_own_numbers(tmp_path):
    out = tmp_path / "mine.ipynb"
    params = ("state", "TX", "price_per_unit", "20", "visits_per_month", "50", "rent_per_month", "0")
    text = assert_clean_report(run("economics", out, *params), out)
    assert "**50 visits** of 42 units at \\$20.00 a unit" in text and "your input" in text


@pytest.mark.parametrize(
    ("notebook", "params", "message"),
    [
        ("economics", ("waste_share", "1.5"), "waste_share must be a finite number ≥ 0 and < 1"),
        ("economics", ("units_per_visit", "0"), "units_per_visit must be a finite number ≥ 1 and < 1e+07"),
        ("economics", ("provider_type", "wizard"), "unknown provider_type 'wizard'; expected one of physician"),
        ("training", ("profession", "wizard"), "unknown profession 'wizard'; expected one of physician"),
        ("pricing", ("state", "ZZ"), "unknown state 'ZZ'; expected one of US, AK"),
        ("pricing", ("price_cap", "-5"), "price_cap must be a finite number"),
        ("pricing", ("product", "snake_oil"), "unknown product 'snake_oil'; expected one of all, botox_cosmetic"),
        ("providers", ("state", "../../etc"), "unknown state"),
    ],
)
def test_bad_parameter_is_a_clear_error(tmp_path, notebook, params, message):
    done = run(notebook, tmp_path / "out.ipynb", *params)
    assert done.returncode != 0
    assert message in done.stderr


def test_economics_without_a_botox_price_says_what_to_set(tmp_path):
    dysport = tmp_path / "dysport.csv"
    dysport.write_text(
        HEADER + "".join(f"Spa {i},TX,Austin,RN,Dysport,${4 + i % 2}/unit,https://e.com/{i}\n" for i in range(8))
    )
    out = tmp_path / "out.ipynb"
    text = assert_clean_report(run("economics", out, "state", "TX", "prices_path", str(dysport)), out)
    assert "No month can be computed: no value for price per botox unit" in text and "Break-even:" not in text
