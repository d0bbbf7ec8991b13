"""The one channel from a notebook to the report index: a small JSON of headline numbers.

A notebook calls :func:`publish` with its headline numbers. Under the batch runner the environment
variable ``BOTOX_MARKET_SUMMARY_PATH`` names the file to write; in JupyterLab it is unset and
:func:`publish` does nothing, so the same notebook runs everywhere unchanged.

This module is imported inside kernels, so it uses the standard library only. It also holds the
atomic-write helpers the rest of :mod:`analysis.report` uses.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SUMMARY_ENV = "BOTOX_MARKET_SUMMARY_PATH"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one.

    The bytes go to a temporary file in the same directory (same filesystem), are flushed to disk, and
    the temporary file is renamed over ``path`` with :func:`os.replace`.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(value: Any) -> Any:
    """Turn numpy / polars scalars, paths and non-finite floats into plain JSON values.

    Non-finite floats (NaN, ±inf) become ``None``: JSON has no spelling for them.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    item = getattr(value, "item", None)  # numpy scalars, 0-d arrays
    if callable(item):
        try:
            return to_jsonable(item())
        except (TypeError, ValueError):
            pass
    isoformat = getattr(value, "isoformat", None)  # date, datetime
    if callable(isoformat):
        return isoformat()
    raise TypeError(f"summary value of type {type(value).__name__} is not JSON-serialisable: {value!r}")


def publish(values: Mapping[str, Any]) -> None:
    """Hand a notebook's headline numbers to the report index.

    Writes ``values`` as JSON to the file named by ``$BOTOX_MARKET_SUMMARY_PATH`` (atomically); writes
    nothing when the variable is unset (JupyterLab). Returns ``None`` either way, so a cell that ends
    with ``publish(...)`` shows no output in the report.
    Calling it several times merges the values, later keys winning. Put ``"synthetic": True`` in the
    values when the numbers come from synthetic sample data: the report then shows a banner.

    Values must be JSON-friendly: numbers, strings, booleans, None, lists and dicts of them (numpy
    and polars scalars are converted; NaN and infinities become null).
    """
    if not isinstance(values, Mapping):
        raise TypeError(f"publish() takes a mapping of name -> value, got {type(values).__name__}")
    target = os.environ.get(SUMMARY_ENV)
    if not target:
        return
    merged = read_summary(target)
    merged.update(to_jsonable(dict(values)))
    atomic_write_text(target, json.dumps(merged, indent=2, sort_keys=True, allow_nan=False) + "\n")


def read_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The summary at ``path``, or ``{}`` when there is none (or it is not a JSON object)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def headline_text(values: Mapping[str, Any], *, decimals: int = 2) -> str:
    """The headline numbers as stable text, one ``key: value`` per line, floats rounded.

    The notebooks print this in a cell marked ``NBVAL_CHECK_OUTPUT``, so nbval catches any change to
    the default run's key numbers.
    """
    lines = []
    for key, value in sorted(to_jsonable(dict(values)).items()):
        if isinstance(value, float):
            value = round(value, decimals)
        lines.append(f"{key}: {value}")
    return "\n".join(lines)
