"""A report's record: the fields every record starts with, and the record of a report that never ran.

A worker writes one record per report (``executed/<STATE>/<notebook>.record.json``; see :mod:`.index`
for what it holds). These builders live apart from :mod:`.execute` because the batch process needs
them too, when a worker dies, and must not import the Jupyter stack that :mod:`.execute` imports.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__

from .parameters import ReportPaths
from .summary import atomic_write_text

__all__ = ["base_record", "failure_record", "now"]


def now() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def base_record(task: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every report record starts with: what was asked, and a status of failed until it succeeds."""
    return {
        "state": task["state"],
        "notebook": task["notebook"],
        "title": task["title"],
        "status": "failed",
        "parameters": dict(task["parameters"]),
        "inputs": list(task["inputs"]),
        "cache_key": task["cache_key"],
        "summary": {},
        "warnings": [],
        "version": __version__,
        "run_at": now(),
    }


def failure_record(task: Mapping[str, Any], ename: str, evalue: str, *, detail: str = "") -> dict[str, Any]:
    """The record of a report that could not even be attempted (written, so the manifest shows it)."""
    paths = ReportPaths(Path(task["out"]), task["state"], task["notebook"])
    record = {
        **base_record(task),
        "html": paths.relative(paths.html) if paths.html.exists() else None,
        "executed": None,
        "summary_path": None,
        "error": {
            "cell_index": None,
            "source_cell_index": None,
            "ename": ename,
            "evalue": evalue,
            "detail": detail[-4000:],
        },
        "durations": {},
    }
    with contextlib.suppress(OSError):
        atomic_write_text(paths.record, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record
