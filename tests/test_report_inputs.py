"""Each report declares exactly the data files it reads, so a change to any of them, and only to them,
makes it stale.

The truth is traced, not declared: each notebook runs (state TX, every parameter at its default) in a
fresh Python process with an audit hook on ``open``, which records every file under ``data/`` the run
opens. Then, in a copy of the project, each shipped data file is changed in turn and the batch's cache
keys are recomputed: exactly the reports whose run opened that file must go stale.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config
from analysis.report.parameters import NOTEBOOKS, build_requests

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Runs one notebook's code cells in an IPython shell (what a kernel runs them in) and prints the data files
# the run opened, relative to the project. Reading through polars' own file reader would escape the hook,
# which is why analysis.reference and analysis.io read files through Python (a test below checks both).
TRACE = r"""
import json, os, sys
from pathlib import Path

data_dir = Path(sys.argv[2]).resolve()
opened = set()

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = Path(os.fsdecode(args[0])).resolve()
        if data_dir in path.parents:
            opened.add(path.relative_to(data_dir.parent).as_posix())

nb = json.loads(Path(sys.argv[1]).read_text())
cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
sys.addaudithook(hook)
for index, source in enumerate(cells):
    if index == 0:
        source += "\nstate = 'TX'"
    result = shell.run_cell(source, silent=True)
    if not result.success:
        raise SystemExit(f"cell {index} failed: {result.error_in_exec or result.error_before_exec!r}")
print("OPENED " + json.dumps(sorted(opened)))
"""

# Cache keys of one TX report per notebook, then, for each file named on stdin, the notebooks whose key
# changes when that file gains one byte (the file is put back before the next one is changed).
STALE = r"""
import json, sys
from pathlib import Path
from analysis.report.cache import Fingerprinter, key_of
from analysis.report.parameters import build_requests

requests = build_requests(states="TX", notebooks="all")

def keys():
    prints = Fingerprinter()
    return {r.notebook: key_of(prints.recipe(r, prints.inputs(r))) for r in requests}

before = keys()
stale = {}
for name in json.loads(sys.stdin.read()):
    path = Path(name)
    original = path.read_bytes()
    path.write_bytes(original + b"\n")
    try:
        stale[name] = sorted(n for n, k in keys().items() if k != before[n])
    finally:
        path.write_bytes(original)
print("STALE " + json.dumps(stale))
"""


def _run(script: str, *args: str, cwd: Path, stdin: str = "") -> str:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def shipped_data_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for folder in (root / "data" / "reference", root / "data" / "sample")
        for p in folder.glob("*.csv")
    )


@pytest.fixture(scope="module")
def traced() -> dict[str, set[str]]:
    """Notebook name → the data files (relative to the project) its default TX run opened."""
    result = {}
    for name, spec in NOTEBOOKS.items():
        out = _run(TRACE, str(spec.path), str(config.DATA_DIR), cwd=config.PROJECT_DIR)
        line = next(x for x in out.splitlines() if x.startswith("OPENED "))
        result[name] = set(json.loads(line.removeprefix("OPENED ")))
    return result


def declared(notebook: str) -> set[str]:
    (request,) = build_requests(states="TX", notebooks=notebook)
    return {path.resolve().relative_to(config.PROJECT_DIR).as_posix() for _, path in request.data_files}


@pytest.mark.parametrize("notebook", list(NOTEBOOKS))
def test_a_report_declares_exactly_the_files_its_run_opens(traced, notebook):
    assert traced[notebook], "the trace saw nothing: the audit hook is not seeing the reads"
    assert declared(notebook) == traced[notebook]


def test_the_trace_sees_every_kind_of_read(traced):
    # a reference table (analysis.reference), a user-replaceable file (analysis.io) and the states list
    assert {"data/reference/state_rules.csv", "data/reference/provider_counts.csv"} <= traced["providers"]
    assert "data/reference/states.csv" in traced["providers"]


def test_changing_a_shipped_file_makes_exactly_the_reports_that_read_it_stale(traced, tmp_path):
    copy = tmp_path / "project"
    for part in ("analysis", "notebooks", "data"):
        shutil.copytree(config.PROJECT_DIR / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "raw"))
    files = shipped_data_files(copy)
    assert len(files) >= 15
    out = _run(STALE, cwd=copy, stdin=json.dumps(files))
    stale = json.loads(next(x for x in out.splitlines() if x.startswith("STALE ")).removeprefix("STALE "))
    expected = {name: sorted(nb for nb, reads in traced.items() if name in reads) for name in files}
    assert stale == expected
    assert stale["data/reference/clinic_price_quotes.csv"] == ["economics", "overview", "pricing", "training"]
    assert stale["data/reference/provider_wages.csv"] == ["economics"]
    assert stale["data/reference/practice_rules.csv"] == ["economics", "providers"]
    assert stale["data/sample/prices_sample.csv"] == []  # synthetic: read only when asked for
    assert stale["data/reference/price_benchmarks.csv"] == []  # read only to make the synthetic sample
