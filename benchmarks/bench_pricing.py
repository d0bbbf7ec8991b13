"""Grouped price statistics on 10 million rows: the polars pipeline vs the same computation in pandas.

Both read the same Parquet file of synthetic, already-parsed observations (categorical keys), keep the
per-unit quotes and compute, per (state, provider_type, product, pricing_model): count, mean, median,
P10, P90 of the price per Botox-equivalent unit. Both use the same algebra: the unit conversion factor
is constant within a group (product is a key), so the statistics of the price are divided by it once
per group rather than once per row (exact for mean and linear-interpolated quantiles).

Each side runs in its own long-lived subprocess, so its peak memory (VmHWM) is its own. The first
run of each is the cold one (pandas imports pyarrow inside it, polars starts its thread pool); then
the two take turns, REPEATS rounds, alternating which goes first, so that a slow spell of the machine
falls on both sides alike. The table shows the median of those rounds (and the cold runs for the
record). The results are compared before the timings count. Targets: polars at least 5x faster, at
most half pandas' peak memory.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work" / "pricing"
ROWS = 10_000_000
REPEATS = 7
KEYS = ["state", "provider_type", "product", "pricing_model"]

POLARS = r"""
import json, sys, time
import polars as pl
from benchmarks.groupstats import group_stats
path, conv = sys.argv[1], sys.argv[2]

def compute():
    per_unit = pl.scan_parquet(path).filter(pl.col("pricing_model") == "per_unit")
    # price per Botox-equivalent unit = price / factor, and the factor is constant within a group (product
    # is a key), so the statistics of the price are divided once per group instead of once per row
    stats = group_stats(per_unit, by=KEYS, value="price_usd").lazy()
    return (
        stats.join(pl.scan_parquet(conv), on="product", how="inner")
        .with_columns(pl.col(c) / pl.col("factor") for c in ("mean", "median", "p10", "p90"))
        .drop("factor")
        .collect()
    )

def save(out):
    out.with_columns(pl.col(c).cast(pl.String) for c in KEYS).sort(KEYS).write_parquet(sys.argv[3])

SERVE(compute, save)
"""

PANDAS = r"""
import json, sys, time
import pandas as pd
path, conv = sys.argv[1], sys.argv[2]

def compute():
    df = pd.read_parquet(path)
    per_unit = df[df["pricing_model"] == "per_unit"]
    grouped = per_unit.groupby(KEYS, observed=True)["price_usd"]
    out = grouped.agg(["count", "mean", "median"]).rename(columns={"count": "n"})
    quantiles = grouped.quantile([0.1, 0.9]).unstack()
    quantiles.columns = ["p10", "p90"]
    out = out.join(quantiles).reset_index().merge(pd.read_parquet(conv), on="product", how="inner")
    for c in ("mean", "median", "p10", "p90"):  # the same per-group division as the polars side
        out[c] = out[c] / out["factor"]
    return out.drop(columns="factor")

def save(out):
    for c in KEYS:
        out[c] = out[c].astype(str)
    out.sort_values(KEYS).to_parquet(sys.argv[3], index=False)

SERVE(compute, save)
"""


# The worker loop: "run" computes once and answers its wall time; "finish" saves the last result and
# answers the peak resident memory of this process alone (VmHWM belongs to the address space that exec
# created, while ru_maxrss would carry over the high-water mark of the benchmark process that forked it).
WORKER_CODE = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

def SERVE(compute, save):
    out = None
    print(json.dumps({"ready": True}), flush=True)  # imports done: the parent starts timing only now
    for line in sys.stdin:
        if line.strip() == "run":
            out = None  # hold one result at a time, as a single run would
            start = time.perf_counter()
            out = compute()
            print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
        elif line.strip() == "finish":
            save(out)
            print(json.dumps({"peak_mb": PEAK(), "groups": len(out)}), flush=True)
            return
"""


def make_data(rows: int = ROWS) -> tuple[Path, Path]:
    """Cache a Parquet of ``rows`` parsed synthetic observations (categorical keys) and the conversions."""
    import polars as pl

    from analysis import reference, sample
    from analysis.price_text import parse_price

    WORK.mkdir(parents=True, exist_ok=True)
    path, conv = WORK / f"prices_{rows}.parquet", WORK / "conversions.parquet"
    if not path.exists():
        batches = []
        for i, start in enumerate(range(0, rows, 1_000_000)):
            frame = sample.synthetic_prices(min(1_000_000, rows - start), seed=1000 + i)
            batches.append(
                frame.select(
                    # as the loader does: a blank provider type is "unknown" (pandas would drop null keys)
                    *[pl.col(c).fill_null("unknown").cast(pl.Categorical) for c in KEYS],
                    parse_price(pl.col("price_usd")).struct.field("price_usd").alias("price_usd"),
                ).drop_nulls("price_usd")
            )
        tmp = path.with_suffix(".tmp")
        pl.concat(batches).write_parquet(tmp)
        tmp.replace(path)
    reference.unit_conversions().select(
        pl.col("product").cast(pl.Categorical), pl.col("botox_units_per_product_unit_mid").alias("factor")
    ).write_parquet(conv)
    return path, conv


class _Worker:
    """One side of the benchmark in its own Python process, answering "run" and "finish" a line each."""

    def __init__(self, code: str, path: Path, conv: Path, out: Path) -> None:
        script = f"KEYS = {KEYS!r}\n{WORKER_CODE}\n" + code
        self.stderr = tempfile.TemporaryFile(mode="w+")
        args = [sys.executable, "-c", script, str(path), str(conv), str(out)]
        project = Path(__file__).resolve().parent.parent  # the polars side imports benchmarks.groupstats
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=project
        )

    def ask(self, command: str | None) -> dict:
        """Send ``command`` (None: only wait for the next answer) and return the answer."""
        if command is not None:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            raise RuntimeError(f"benchmark worker died:\n{self.stderr.read()[-2000:]}")
        return json.loads(line)

    def finish(self) -> dict:
        answer = self.ask("finish")
        self.proc.wait()
        return answer


def _measure(path: Path, conv: Path, polars_out: Path, pandas_out: Path) -> tuple[dict, dict]:
    """Cold run each, then REPEATS alternating rounds; returns each side's cold, median and peak."""
    sides = {"polars": _Worker(POLARS, path, conv, polars_out), "pandas": _Worker(PANDAS, path, conv, pandas_out)}
    for worker in sides.values():  # both have imported their libraries before anything is timed
        worker.ask(None)
    cold = {name: worker.ask("run")["seconds"] for name, worker in sides.items()}
    runs: dict[str, list[float]] = {name: [] for name in sides}
    for round_ in range(REPEATS):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for name in order:
            runs[name].append(sides[name].ask("run")["seconds"])
    results = {}
    for name, worker in sides.items():
        results[name] = {
            "cold": cold[name],
            "seconds": statistics.median(runs[name]),
            "runs": runs[name],
            **worker.finish(),
        }
    return results["polars"], results["pandas"]


def _same_results(a: Path, b: Path) -> bool:
    import polars as pl
    from polars.testing import assert_frame_equal

    left = pl.read_parquet(a).with_columns(pl.col("n").cast(pl.Int64))
    right = pl.read_parquet(b).with_columns(pl.col("n").cast(pl.Int64)).select(left.columns)
    left, right = left.sort(KEYS), right.sort(KEYS)
    try:
        assert_frame_equal(left, right, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    except AssertionError:
        return False
    return True


def run(rows: int = ROWS) -> list[dict]:
    start = time.perf_counter()
    path, conv = make_data(rows)
    prepare = time.perf_counter() - start
    polars_out, pandas_out = WORK / "stats_polars.parquet", WORK / "stats_pandas.parquet"
    pol, pdn = _measure(path, conv, polars_out, pandas_out)
    same = _same_results(polars_out, pandas_out)
    speedup = pdn["seconds"] / pol["seconds"]
    memory_ratio = pol["peak_mb"] / pdn["peak_mb"]
    b = f"grouped price stats, {rows:,} rows"
    return [
        {
            "benchmark": b,
            "variant": "data",
            "metric": "prepare/cached data (s)",
            "value": prepare,
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "polars",
            "metric": "first (cold) run (s)",
            "value": pol["cold"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "pandas",
            "metric": "first (cold) run (s)",
            "value": pdn["cold"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "polars",
            "metric": f"wall, median of {REPEATS} alternating runs (s)",
            "value": pol["seconds"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "pandas",
            "metric": f"wall, median of {REPEATS} alternating runs (s)",
            "value": pdn["seconds"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "polars",
            "metric": "peak RSS (MB)",
            "value": pol["peak_mb"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "pandas",
            "metric": "peak RSS (MB)",
            "value": pdn["peak_mb"],
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "polars vs pandas",
            "metric": "same results",
            "value": same,
            "target": "True",
            "ok": same,
        },
        {
            "benchmark": b,
            "variant": "polars vs pandas",
            "metric": "speed-up (x)",
            "value": speedup,
            "target": ">= 5",
            "ok": speedup >= 5,
        },
        {
            "benchmark": b,
            "variant": "polars vs pandas",
            "metric": "memory ratio",
            "value": memory_ratio,
            "target": "<= 0.5",
            "ok": memory_ratio <= 0.5,
        },
    ]


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS):
        print(row)
