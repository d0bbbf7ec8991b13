"""Price-text parsing benchmark: how fast the loader reads typed price lists.

Two measurements on 1,000,000 rows cycled from a list of price texts as users type them (plain amounts, ranges,
"per unit" words, unit counts, several brands in one cell, qualifiers, call-for-price):

(a) ``price_text.parse_price`` on the price strings alone (the expression, collected on an in-memory frame);
(b) ``io.load_table(path, "prices")`` on a CSV of those rows with product, state and model columns: everything
    ``botox-market validate`` does except printing (read, match, parse, check, split several-price cells).

(c) (b) with every price text made distinct: the worst case, since the loader parses each distinct text once.

Target: the issue's "validate on 1M typed rows no slower than before" — compare (b) and (c) with the same module
run at the commit before the parser learned unit counts, per-unit statements and multi-product cells (the
README's table has both). (a) has no target: each string now yields more (units, areas, qualifiers). The best of
``REPEATS`` runs is reported (the machine has 2 cores and other work).
"""

from __future__ import annotations

import time
from pathlib import Path

ROWS = 1_000_000
REPEATS = 3
WORK = Path(__file__).resolve().parent / "_work" / "parse"

# Shapes seen in users' typed lists and on clinic pages (no real clinic's text here: see tests/data for those).
TEXTS = (
    "$12/unit",
    "12",
    "$13",
    "$11.50 per unit",
    "$10-$14/unit",
    "from $199",
    "$350 forehead",
    "$450 (3 areas)",
    "Botox $10 per unit, Dysport $4",
    "12 units / $144",
    "15-20 units est. $180-$240+",
    "$600 for a 50-unit vial, which works out to $12 a unit",
    "$390 for three areas, about 30 units",
    "call for price",
    "$9.99/unit new patients only",
    "$12/unit members, $14 non-members",
    "N/A",
    "$1,200/vial",
    "$300 per area",
    "$500 per session",
)
PRODUCTS = ("Botox", "Dysport", "", "tox", "Xeomin")
STATES = ("TX", "California", "ny", "", "FL")


def make_csv(rows: int = ROWS, *, distinct: bool = False) -> Path:
    """The typed list as CSV; with ``distinct`` every price text is made unique (" (row N)" appended): the worst
    case for a loader that parses each distinct text once."""
    import polars as pl

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"typed_{rows}{'_distinct' if distinct else ''}.csv"
    if not path.exists():
        index = pl.int_range(0, rows, eager=True)
        frame = pl.DataFrame(
            {
                "source": pl.Series(["benchmark"]).gather(index * 0),
                "state": pl.Series(STATES).gather(index % len(STATES)),
                "product": pl.Series(PRODUCTS).gather((index // 3) % len(PRODUCTS)),
                "price": pl.Series(TEXTS).gather(index % len(TEXTS)),
            }
        )
        if distinct:
            frame = frame.with_columns(pl.format("{} (row {})", pl.col("price"), pl.Series(index)).alias("price"))
        tmp = path.with_suffix(".tmp")
        frame.write_csv(tmp)
        tmp.replace(path)
    return path


def _best(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(rows: int = ROWS) -> list[dict]:
    import polars as pl

    from analysis.io import load_table
    from analysis.price_text import parse_price

    path, distinct_path = make_csv(rows), make_csv(rows, distinct=True)
    strings = pl.DataFrame({"price": pl.Series(TEXTS).gather(pl.int_range(0, rows, eager=True) % len(TEXTS))})
    parse_s = _best(lambda: strings.select(parse_price(pl.col("price"))))
    load_s = _best(lambda: load_table(path, "prices"))
    distinct_s = _best(lambda: load_table(distinct_path, "prices"))
    result = load_table(path, "prices")
    b = f"price text, {rows:,} typed rows"
    per_million = parse_s * 1_000_000 / rows
    return [
        {
            "benchmark": b,
            "variant": "parse_price",
            "metric": "s per 1M strings (best of 3)",
            "value": per_million,
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "load_table (validate)",
            "metric": "s per 1M rows (best of 3)",
            "value": load_s * 1_000_000 / rows,
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "load_table, every price text distinct",
            "metric": "s per 1M rows (best of 3)",
            "value": distinct_s * 1_000_000 / rows,
            "target": None,
            "ok": None,
        },
        {
            "benchmark": b,
            "variant": "load_table (validate)",
            "metric": "observations accepted / rows read",
            "value": f"{result.n_accepted:,} / {result.n_read:,}",
            "target": None,
            "ok": None,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
