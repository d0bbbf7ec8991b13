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


def headline_keys(records: Iterable[Mapping[str, Any]], limit: int = MAX_HEADLINE_COLUMNS) -> list[str]:
    """Numeric summary keys, in order of first appearance, at most ``limit``."""
    keys: dict[str, None] = {}
    for record in records:
        for key, value in (record.get("summary") or {}).items():
            if key not in _HIDDEN_SUMMARY_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                keys.setdefault(key, None)
    return list(keys)[:limit]


def format_number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"
    return str(value)


def _table(topic: str, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    keys = headline_keys(records)
    rows = []
    for record in records:
        # A failed report's partial summary is not shown as if it were a result.
        summary = (record.get("summary") or {}) if record["status"] == "ok" else {}
        error = record.get("error") or {}
        rows.append(
            {
                "state": record["state"],
                "status": record["status"],
                "href": record.get("html"),
                "synthetic": summary.get("synthetic") is True,
                "seconds": (record.get("durations") or {}).get("total_s"),
                "run_at": record.get("run_at", ""),
                "cells": [
                    {
                        "text": format_number(summary.get(k)),
                        "sort": summary.get(k) if isinstance(summary.get(k), (int, float)) else "",
                    }
                    for k in keys
                ],
                "error": f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else "",
            }
        )
    title = records[0].get("title") or topic
    return {"topic": topic, "title": title, "columns": [k.replace("_", " ") for k in keys], "rows": rows}


def render_index(records: Sequence[Mapping[str, Any]], *, batch: Mapping[str, Any]) -> str:
    topics: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        topics.setdefault(record["notebook"], []).append(record)
    failures = [r for r in records if r.get("status") != "ok"]
    template = page_environment().get_template("index.html.j2")
    return template.render(
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
