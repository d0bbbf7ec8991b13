"""Fingerprints and cache keys: a report whose inputs did not change is not run again.

A report's cache key is the SHA-256 of

- the notebook file's bytes,
- its validated parameters,
- the SHA-256 of every data file it reads (its ``*_path`` parameters resolved, shipped defaults included,
  plus the reference files that exist),
- the source of the ``analysis`` package (the notebooks call it; the report templates live in it),
- the versions of Python and of the libraries that compute or render the numbers.

The key is stored in the report's record (and so in ``manifest.json``). A report is skipped when its
record has the same key, finished ``ok``, and its HTML is still there; failed reports always rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis import config

from .parameters import ReportPaths, ReportRequest

KEY_VERSION = 2  # bump when the key's recipe changes
_LIBRARIES = ("polars", "plotly", "numpy", "nbconvert", "papermill", "ipykernel", "jinja2")
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def display_path(path: Path) -> str:
    """``path`` relative to the project when it is inside it, else absolute."""
    try:
        return path.resolve().relative_to(config.PROJECT_DIR).as_posix()
    except ValueError:
        return str(path.resolve())


@dataclass(frozen=True)
class InputFile:
    role: str
    path: str  # as shown to readers: project-relative when possible
    sha256: str | None  # None: the file does not exist

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "path": self.path, "sha256": self.sha256}


class Fingerprinter:
    """Hashes each file once per batch (keyed by path, size and mtime)."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, int, int], str] = {}
        self._package: str | None = None
        self._environment: dict[str, str] | None = None

    def file(self, path: Path) -> str | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in self._files:
            self._files[key] = sha256_file(path)
        return self._files[key]

    def package(self) -> str:
        """SHA-256 over the ``analysis`` package's files (names and bytes), caches excluded."""
        if self._package is None:
            digest = hashlib.sha256()
            root = config.PACKAGE_DIR
            files = sorted(
                p
                for p in root.rglob("*")
                if p.is_file()
                and "__pycache__" not in p.parts
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
                and p.suffix not in {".pyc", ".pyo", ".tmp"}
            )
            for path in files:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            self._package = digest.hexdigest()
        return self._package

    def environment(self) -> dict[str, str]:
        if self._environment is None:
            versions = {"python": platform.python_version()}
            for name in _LIBRARIES:
                try:
                    versions[name] = metadata.version(name)
                except metadata.PackageNotFoundError:
                    versions[name] = "absent"
            self._environment = versions
        return self._environment

    def inputs(self, request: ReportRequest) -> list[InputFile]:
        """The data files a report reads, as its parameters declare them (missing ones included, with no
        hash): a change to any of them, and to no other file, makes the report stale."""
        seen: set[str] = set()
        result: list[InputFile] = []
        for role, path in request.data_files:
            shown = display_path(path)
            if shown not in seen:
                seen.add(shown)
                result.append(InputFile(role, shown, self.file(path)))
        return result

    def cache_key(self, request: ReportRequest, inputs: list[InputFile]) -> str:
        return key_of(self.recipe(request, inputs))

    def recipe(self, request: ReportRequest, inputs: list[InputFile]) -> dict[str, Any]:
        """Everything the cache key covers (stored in the record, so a cache miss can be explained)."""
        return {
            "key_version": KEY_VERSION,
            "notebook": request.notebook,
            "notebook_sha256": self.file(request.notebook_path),
            "parameters": request.parameters,
            "inputs": sorted((i.path, i.sha256 or "") for i in inputs),
            "package_sha256": self.package(),
            "environment": self.environment(),
        }


def key_of(recipe: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()


def load_record(path: Path) -> dict[str, Any] | None:
    """A report's record (its manifest entry), or ``None`` when missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def cached_record(paths: ReportPaths, key: str) -> dict[str, Any] | None:
    """The stored record when the report is up to date for ``key``; ``None`` when it must run."""
    record = load_record(paths.record)
    if record is None or record.get("cache_key") != key or record.get("status") != "ok":
        return None
    if not (paths.html.is_file() and paths.executed.is_file()):
        return None
    return record


def remove_stale_temporaries(directory: Path) -> None:
    """Delete temporary files an interrupted run left behind (they never replaced a real file)."""
    if not directory.is_dir():
        return
    for tmp in directory.rglob(".*.tmp"):
        try:
            if tmp.is_file():
                os.unlink(tmp)
        except OSError:
            pass
