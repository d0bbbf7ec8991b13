"""``<out>/index.html`` and ``<out>/manifest.json`` from the reports' records.

Each report's record (``executed/<STATE>/<notebook>.record.json``, written last by the worker) holds
its status, parameters, input fingerprints, cache key, durations, summary and, for a failure, the
failing cell and error. The index and the manifest are rebuilt from every record under ``out`` after
each batch, so they list all reports present (a run for TX does not hide yesterday's CA reports);
``ran`` says whether this batch produced the report or found it up to date.

Headline numbers come from the summaries that notebooks publish (:mod:`.summary`), never from
notebook outputs. All text in the index is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__

from .cache import load_record
from .export import page_environment
from .parameters import NOTEBOOKS
from .summary import atomic_write_text

MANIFEST_VERSION = 1
MAX_HEADLINE_COLUMNS = 6
_HIDDEN_SUMMARY_KEYS = {"state", "synthetic"}


def collect_records(out: Path) -> list[dict[str, Any]]:
    """Every committed report record under ``out``, ordered by topic then state."""
    records = []
    for path in sorted((Path(out) / "executed").glob("*/*.record.json")):
        record = load_record(path)
        if record is not None and {"state", "notebook", "status"} <= record.keys():
            records.append(record)
    order = {name: i for i, name in enumerate(NOTEBOOKS)}
    return sorted(
        records, key=lambda r: (order.get(r["notebook"], len(order)), r["notebook"], r["state"] != "US", r["state"])
    )


# Summary keys shown first, in this order (intervals read low, median, high); the rest follow alphabetically.
_KEY_ORDER = (
    "median_ci_low_usd",
    "median_price_per_unit_usd",
    "median_ci_high_usd",
    "per_unit_quotes",
    "observations",
    "share_above_cap",
    "eligible_pool_per_100k",
    "eligible_pool",
    "in_person_courses",
    "in_person_courses_in_state",
)
_LABELS = {
    "median_price_per_unit_usd": "Median $ per unit",
    "median_ci_low_usd": "95% CI low",
    "median_ci_high_usd": "95% CI high",
    "per_unit_quotes": "Per-unit quotes",
    "observations": "Quotes",
    "eligible_pool_per_100k": "Eligible per 100k residents",
    "eligible_pool": "Eligible people",
    "in_person_courses": "In-person courses here",
    "in_person_courses_in_state": "In-person courses here",
    "market_estimate_usd": "US fee spending (estimate)",
    "market_estimate_year": "Estimate year",
    "price_cap_usd": "Price cap",
}


def headline_keys(records: Iterable[Mapping[str, Any]], limit: int = MAX_HEADLINE_COLUMNS) -> list[str]:
    """Numeric summary keys, the known ones first in a reader's order, then the rest alphabetically; at most
    ``limit``."""
    keys: set[str] = set()
    for record in records:
        for key, value in (record.get("summary") or {}).items():
            if key not in _HIDDEN_SUMMARY_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                keys.add(key)
    order = {k: i for i, k in enumerate(_KEY_ORDER)}
    return sorted(keys, key=lambda k: (order.get(k, len(order)), k))[:limit]


def format_value(key: str, value: Any) -> str:
    """A summary value as a reader expects it: years without a thousands comma, shares in percent, dollars with
    a $, whole counts without decimals ("10", never "10.00"), distances in km."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if key.endswith("year"):
        return str(int(value))
    if key.startswith("share"):
        return f"{value:.0%}"
    if key.endswith("_usd"):
        if abs(value) >= 1e9:
            return f"${value / 1e9:,.2f} bn"
        return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"
    if key.endswith("_km"):
        return f"{value:,.0f} km"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def column_label(key: str, records: Sequence[Mapping[str, Any]] = ()) -> str:
    if key == "share_above_cap":
        caps = {(r.get("summary") or {}).get("price_cap_usd") for r in records} - {None}
        return f"Share of visits over ${caps.pop():,.0f}" if len(caps) == 1 else "Share of visits over the cap"
    return _LABELS.get(key, key.replace("_", " ").removesuffix(" usd") + (" ($)" if key.endswith("_usd") else ""))


def _table(topic: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    keys = headline_keys(records)
    summaries = [(r.get("summary") or {}) if r["status"] == "ok" else {} for r in records]
    # a number that is the same in every row (the national market estimate in each state's row) is said once
    constant = {
        k
        for k in keys
        if len(records) > 1 and len({s.get(k) for s in summaries}) == 1 and summaries[0].get(k) is not None
    }
    shown = [k for k in keys if k not in constant]
    labels = {k: column_label(k, records) for k in keys}
    rows = []
    for record, summary in zip(records, summaries, strict=True):
        # A failed report's partial summary is not shown as if it were a result.
        error = record.get("error") or {}
        rows.append(
            {
                "state": record["state"],
                "status": record["status"],
                "href": record.get("html"),
                "synthetic": summary.get("synthetic") is True,
                "cells": [
                    {
                        "label": labels[k],
                        "text": format_value(k, summary.get(k)),
                        "sort": summary.get(k) if isinstance(summary.get(k), (int, float)) else "",
                    }
                    for k in shown
                ],
                "error": f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else "",
            }
        )
    title = records[0].get("title") or topic
    same = [f"{labels[k]}: {format_value(k, summaries[0][k])}" for k in sorted(constant)]
    return {
        "topic": topic,
        "title": title,
        "columns": [labels[k] for k in shown],
        "rows": rows,
        "same_in_every_row": same,
    }


def _by_state(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per state with the numbers a reader scans for, from the four report notebooks' summaries: the
    median price per unit and its n, whether a registered nurse may inject, the eligible pool, the nearest
    in-person course; and a link to each report. Empty when none of those notebooks is in the set."""
    from analysis.states import state_name

    known = {"overview", "pricing", "providers", "training"}
    if not any(r["notebook"] in known for r in records):
        return []
    by: dict[str, dict[str, Any]] = {}
    for r in records:
        row = by.setdefault(r["state"], {"state": r["state"], "links": []})
        row["links"].append({"title": r.get("title") or r["notebook"], "href": r.get("html"), "status": r["status"]})
        if r["status"] == "ok":
            row[r["notebook"]] = r.get("summary") or {}
    rows = []
    for state, row in by.items():
        pricing, providers, training = (row.get(k, {}) for k in ("pricing", "providers", "training"))
        median, n = pricing.get("median_price_per_unit_usd"), pricing.get("per_unit_quotes")
        if median is not None:
            price = format_value("median_price_per_unit_usd", median) + (f" (n = {n:,})" if n is not None else "")
        else:
            price = "no quotes" if "pricing" in row else ""
        rn = training.get("may_inject") if training.get("profession") == "registered_nurse" else None
        if state == "US" and "training" in row:
            rn = "by state"
        here, nearest, km = (
            training.get("in_person_courses_in_state"),
            training.get("nearest_in_person_state"),
            training.get("nearest_in_person_km"),
        )
        if here:
            course = f"{here:,} here"
        elif nearest and km is not None:
            course = f"nearest: {nearest}, {km / 1.609344:,.0f} mi"
        else:
            course = ""
        pool = providers.get("eligible_pool_per_100k")
        rows.append(
            {
                "state": state,
                "name": "United States" if state == "US" else state_name(state),
                "price": price,
                "price_sort": median if median is not None else "",
                "rn": rn or "",
                "pool": format_value("eligible_pool_per_100k", pool),
                "pool_sort": pool if pool is not None else "",
                "course": course,
                "course_sort": (0 if here else km) if (here or km is not None) else "",
                "links": row["links"],
            }
        )
    return sorted(rows, key=lambda r: (r["state"] != "US", r["state"]))


def _run_details(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "state": r["state"],
            "report": r.get("title") or r["notebook"],
            "status": r["status"],
            "seconds": (r.get("durations") or {}).get("total_s"),
            "ran": "ran" if r.get("ran") else "up to date",
            "run_at": r.get("run_at", ""),
        }
        for r in records
    ]


def render_index(records: Sequence[Mapping[str, Any]], *, batch: Mapping[str, Any]) -> str:
    topics: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        topics.setdefault(record["notebook"], []).append(record)
    failures = [r for r in records if r.get("status") != "ok"]
    template = page_environment().get_template("index.html.j2")
    return template.render(
        by_state=_by_state(records),
        run_details=_run_details(records),
        tables=[_table(topic, rows) for topic, rows in topics.items()],
        failures=failures,
        total=len(records),
        ok=len(records) - len(failures),
        batch=batch,
        version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        synthetic=any((r.get("summary") or {}).get("synthetic") is True for r in records),
    )


def build_manifest(
    records: Sequence[Mapping[str, Any]], *, batch: Mapping[str, Any], ran: Mapping[tuple[str, str], bool]
) -> dict[str, Any]:
    reports = []
    for record in records:
        entry = dict(record)
        entry["ran"] = ran.get((record["state"], record["notebook"]), False)
        entry["in_batch"] = (record["state"], record["notebook"]) in ran
        reports.append(entry)
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "batch": dict(batch),
        "counts": {
            "reports": len(reports),
            "ok": sum(r["status"] == "ok" for r in reports),
            "failed": sum(r["status"] != "ok" for r in reports),
        },
        "assets": {"plotly_js": "assets/plotly.min.js"},
        "reports": reports,
    }


def write_outputs(
    out: Path, *, batch: Mapping[str, Any], batch_records: Sequence[Mapping[str, Any]] = ()
) -> tuple[Path, Path]:
    """Rebuild ``index.html`` and ``manifest.json`` under ``out`` (atomically); returns their paths."""
    out = Path(out)
    records = collect_records(out)
    ran = {(r["state"], r["notebook"]): bool(r.get("ran")) for r in batch_records}
    manifest = build_manifest(records, batch=batch, ran=ran)
    manifest_path = atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    index_path = atomic_write_text(out / "index.html", render_index(records, batch=batch))
    return index_path, manifest_path
