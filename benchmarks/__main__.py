"""`make bench`: run every benchmark module and print one table of measured values against targets.

``python -m benchmarks [name ...]`` runs only the named modules (e.g. ``pricing``).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

MODULES = ("parse", "pricing", "nppes", "reports")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str]) -> int:
    names = argv or list(MODULES)
    rows: list[dict] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        start = time.perf_counter()
        print(f"running benchmarks/bench_{name}.py …", flush=True)
        rows.extend(module.run())
        print(f"  done in {time.perf_counter() - start:,.0f} s", flush=True)
    print("\n| benchmark | variant | metric | value | target | ok |\n|---|---|---|---|---|---|")
    for r in rows:
        ok = {True: "yes", False: "NO", None: ""}[r.get("ok")]
        print(
            f"| {r['benchmark']} | {r['variant']} | {r['metric']} | {_fmt(r['value'])} | "
            f"{r.get('target') or ''} | {ok} |"
        )
    out = Path(__file__).resolve().parent / "_work" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1, default=str))
    return 0 if all(r.get("ok") is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
