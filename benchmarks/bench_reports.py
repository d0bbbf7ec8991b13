"""Batch report benchmark: the serial CLI loop against ``botox-market reports``.

On ≥ 24 reports (several states × the real notebooks under ``notebooks/`` when they all exist, else
24 states × the stand-in ``tests/data/notebooks/bench_work.ipynb``) it measures

(a) a serial loop of the ``papermill`` CLI then ``jupyter nbconvert --to html --no-input`` CLI;
(b) ``botox-market reports`` from scratch (a new output directory);
(c) the sum of the notebooks' own cell execution times (recorded by (b) in the manifest);
(d) the same ``botox-market reports`` again with nothing changed;

plus the size of every report and what the optional RFC 3987 parsers cost a Jupyter process.

Targets: (b) ≥ 6× faster than (a); (b) ≤ 2·(c)/cores; (d) < 5 s; every report < 500 kB.

    python benchmarks/bench_reports.py            # prints a markdown table
    BENCH_SERIAL_SAMPLE=6 python benchmarks/bench_reports.py   # time (a) on 6 reports, scale to all

Work files go to ``benchmarks/_work/reports/`` (git-ignored; rebuilt on every run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / "benchmarks" / "_work" / "reports"  # only this: _work/ is shared with other benchmarks
BIN = Path(sys.executable).parent
REAL = ("overview", "pricing", "providers", "training")
REAL_STATES = ("US", "CA", "TX", "FL", "NY", "WA")
FALLBACK_STATES = (
    "US", "CA", "TX", "FL", "NY", "WA", "IL", "PA", "OH", "GA", "NC", "MI",
    "NJ", "VA", "AZ", "MA", "TN", "IN", "MO", "MD", "WI", "CO", "MN", "SC",
)  # fmt: skip
FALLBACK_NOTEBOOK = PROJECT / "tests" / "data" / "notebooks" / "bench_work.ipynb"
REPORT_BUDGET_BYTES = 500_000


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT), env.get("PYTHONPATH", "")) if p)
    env.pop("BOTOX_MARKET_SUMMARY_PATH", None)
    return env


def plan() -> tuple[str, list[dict[str, Any]]]:
    """``(label, reports)``: each report is ``{notebook, path, parameters}`` with default parameters."""
    sys.path.insert(0, str(PROJECT))
    from analysis.report.parameters import NOTEBOOKS

    if all(NOTEBOOKS[name].path.is_file() for name in REAL):
        reports = []
        for name in REAL:
            spec = NOTEBOOKS[name]
            for state in REAL_STATES:
                params = {p.name: p.default for p in spec.parameters}
                params["state"] = state
                reports.append({"notebook": name, "path": spec.path, "parameters": params})
        return f"{len(REAL_STATES)} states × notebooks/{{{','.join(REAL)}}}", reports
    reports = [
        {
            "notebook": "bench_work",
            "path": FALLBACK_NOTEBOOK,
            "parameters": {"state": s, "price_cap": 500.0, "prices_path": None},
        }
        for s in FALLBACK_STATES
    ]
    return (
        f"{len(FALLBACK_STATES)} states × tests/data/notebooks/bench_work.ipynb (notebooks/ not complete yet)",
        reports,
    )


def run_serial(reports: list[dict[str, Any]], out: Path, kernel: str) -> float:
    """(a): one ``papermill`` process and one ``jupyter nbconvert`` process per report."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for report in reports:
        params = report["parameters"]
        stem = f"{params['state']}_{report['notebook']}"
        executed = out / f"{stem}.ipynb"
        env = _env() | {"BOTOX_MARKET_SUMMARY_PATH": str(out / f"{stem}.summary.json")}
        subprocess.run(
            [str(BIN / "papermill"), str(report["path"]), str(executed), "-y", json.dumps(params), "-k", kernel,
             "--cwd", str(Path(report["path"]).parent), "--no-progress-bar", "--log-level", "ERROR"],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed), "--output-dir", str(out)],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    return time.perf_counter() - started


def _reports_command(reports: list[dict[str, Any]], out: Path) -> list[str]:
    states = ",".join(dict.fromkeys(r["parameters"]["state"] for r in reports))
    notebooks = ",".join(dict.fromkeys(r["notebook"] for r in reports))
    args = ["reports", "--states", states, "--notebooks", notebooks, "--out", str(out)]
    if notebooks == "bench_work":  # the stand-in notebook is not one of the CLI's notebooks
        return [sys.executable, str(Path(__file__).resolve()), "--cli-with-stand-in", *args]
    return [sys.executable, "-m", "analysis.cli", *args]


def run_cli(reports: list[dict[str, Any]], out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(_reports_command(reports, out), env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"botox-market reports failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done


def iri_checker_cost() -> tuple[float, float]:
    """Seconds to import nbformat + nbconvert + nbclient in a fresh process, with and without the
    optional RFC 3987 parsers (best of 3 each)."""
    code = "import time; t = time.perf_counter(); import nbformat, nbconvert, nbclient; print(time.perf_counter() - t)"
    skip = "import sys; sys.modules['rfc3987_syntax'] = None; "
    timings = []
    for prefix in ("", skip):
        runs = [
            float(
                subprocess.run([sys.executable, "-c", prefix + code], capture_output=True, text=True, check=True).stdout
            )
            for _ in range(3)
        ]
        timings.append(min(runs))
    return timings[0], timings[1]


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(PROJECT))
    from analysis.report.kernel import ensure_kernel, kernel_name

    ensure_kernel()
    kernel = kernel_name()
    label, reports = plan()
    cores = os.cpu_count() or 1
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)

    sample = int(os.environ.get("BENCH_SERIAL_SAMPLE", "0")) or len(reports)
    serial_s = run_serial(reports[:sample], WORK / "serial", kernel) * len(reports) / min(sample, len(reports))
    batch_s, _ = run_cli(reports, WORK / "batch")
    manifest = json.loads((WORK / "batch" / "manifest.json").read_text())
    records = [r for r in manifest["reports"] if r.get("ran")]
    cells_s = sum(r["durations"]["cells_s"] for r in records)
    startups = [r["worker"]["kernel_startup"]["total_s"] for r in records if r.get("worker", {}).get("kernel_startup")]
    # (d) needs "nothing changed". In a shared checkout someone may edit the package (part of the
    # cache key) between (b) and (d); then that run is not (d): report why and try again.
    second_s, edits = float("nan"), []
    previous = {(r["state"], r["notebook"]): r.get("cache_recipe", {}) for r in records}
    for _attempt in range(3):
        elapsed, _ = run_cli(reports, WORK / "batch")
        manifest = json.loads((WORK / "batch" / "manifest.json").read_text())
        if manifest["batch"]["ran"] == 0:
            second_s = elapsed
            break
        changed = set()
        for r in manifest["reports"]:
            old = previous.get((r["state"], r["notebook"]), {})
            changed |= {k for k, v in r.get("cache_recipe", {}).items() if old.get(k) != v}
        edits.append(f"{manifest['batch']['ran']} re-ran, changed: {', '.join(sorted(changed)) or '?'}")
        previous = {(r["state"], r["notebook"]): r.get("cache_recipe", {}) for r in manifest["reports"]}
        print(f"note: inputs changed between runs ({edits[-1]}); running again", file=sys.stderr)
    sizes = [p.stat().st_size for p in (WORK / "batch").glob("*/*.html")]
    plotly_copies = len([p for p in (WORK / "batch").rglob("plotly*.js")])
    plain_import, skipped_import = iri_checker_cost()

    n = len(reports)
    row = lambda variant, metric, value, target="", ok=None: {  # noqa: E731 - ok=None: no target
        "benchmark": f"{n} reports",
        "variant": variant,
        "metric": metric,
        "value": value,
        "target": target,
        "ok": ok,
    }
    print(f"workload: {label}; {cores} cores; kernel {kernel!r}", file=sys.stderr)
    return [
        row(
            "a serial papermill + nbconvert CLI" + (f" (timed on {sample}, scaled)" if sample < n else ""),
            "wall_s",
            round(serial_s, 1),
        ),
        row("a serial papermill + nbconvert CLI", "s_per_report", round(serial_s / n, 2)),
        row(
            "b botox-market reports, from scratch",
            "wall_s",
            round(batch_s, 1),
            f"≤ a/6 = {serial_s / 6:.1f}",
            batch_s * 6 <= serial_s,
        ),
        row(
            "b botox-market reports, from scratch",
            "speedup_vs_a",
            round(serial_s / batch_s, 1),
            "≥ 6",
            serial_s / batch_s >= 6,
        ),
        row("c notebooks' own cell time (sum)", "cells_s", round(cells_s, 1)),
        row(
            "b vs c",
            "wall_s",
            round(batch_s, 1),
            f"≤ 2·c/{cores} cores = {2 * cells_s / cores:.1f}",
            batch_s <= 2 * cells_s / cores,
        ),
        row("b worker start (kernel + warm-up, each)", "s_max", round(max(startups), 2) if startups else 0.0),
        row(
            "d second run, nothing changed"
            + (f" (after {len(edits)} run(s) re-done by concurrent edits: {'; '.join(edits)})" if edits else ""),
            "wall_s",
            round(second_s, 2),
            "< 5",
            second_s < 5,
        ),
        row(
            "b every report",
            "max_kb",
            round(max(sizes) / 1000, 1),
            "< 500",
            max(sizes) < REPORT_BUDGET_BYTES and len(sizes) == n,
        ),
        row("b plotly.js copies", "files", plotly_copies, "1", plotly_copies == 1),
        row("Jupyter stack import, fresh process", "s", round(plain_import, 2)),
        row("Jupyter stack import, RFC 3987 checkers skipped", "s", round(skipped_import, 2)),
    ]


def to_markdown(rows: list[dict[str, Any]]) -> str:
    keys = ["benchmark", "variant", "metric", "value", "target", "ok"]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def _cli_with_stand_in(argv: list[str]) -> int:
    """``botox-market reports`` with the stand-in notebook registered (used by (b) and (d))."""
    sys.path.insert(0, str(PROJECT))
    from analysis.report import parameters, runner
    from analysis.report.cli import app

    spec = parameters.NotebookSpec(
        "bench_work",
        FALLBACK_NOTEBOOK,
        (parameters.STATE, parameters.PRICE_CAP, parameters.PRICES_PATH),
        title="Benchmark workload",
    )
    parameters.NOTEBOOKS = runner.NOTEBOOKS = {"bench_work": spec}
    try:
        app(argv, prog_name="botox-market", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cli-with-stand-in"]:
        sys.exit(_cli_with_stand_in(sys.argv[3:] if sys.argv[2:3] == ["reports"] else sys.argv[2:]))
    print(to_markdown(run()))
