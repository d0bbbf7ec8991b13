"""Run a batch of reports in a pool of worker processes, each holding one warm Jupyter kernel.

The slow parts of "papermill then nbconvert, once per report" are starting a kernel, importing the
Jupyter stack (nbformat pulls in jsonschema, whose format checkers build three Earley parsers from
``rfc3987-syntax`` at import: ~1.5 s), importing polars/plotly in the kernel, and starting two CLI
processes. Here each worker process imports the Jupyter stack once, starts one kernel once and keeps it:

1. the notebook is read and papermill's parameter injection adds the validated parameters as data;
2. the kernel is reset to the state of a fresh kernel: ``%reset -f``; environment, ``sys.path``,
   warnings filters and working directory restored; the project's own modules (``analysis.*``)
   dropped from ``sys.modules`` so they are imported afresh; polars' config, plotly's default renderer
   and template, numpy's print options and pandas' options put back; ``$BOTOX_MARKET_SUMMARY_PATH``
   pointed at this report's summary;
3. nbclient executes the cells one by one in that kernel, timing each;
4. the executed notebook, the summary, the HTML page and finally the report's record (its manifest
   entry, which commits the report for the cache) are written atomically.

A failing cell fails its report only; a kernel that died or timed out is restarted. The main process
validates and plans (cache), hands out one report at a time, shows progress and writes the index.
It never imports nbformat, so a batch with nothing to do stays well under a second.

Startup, paid once per worker and overlapped (the worker imports while its kernel warms up):
polars/plotly are preloaded in the kernel and then ``gc.freeze()``-d, so the ``gc.collect()`` in each
``%reset -f`` only walks the last report's objects; jsonschema's optional IRI checkers (the
``rfc3987-syntax`` parsers) are skipped in workers and during the kernel preload, see
:func:`~analysis.report.kernel.skip_unused_iri_checkers`.

Where it lives: this module holds the batch (plan with the cache, run, write the index);
:mod:`.pool` the worker processes and the progress display; :mod:`.execute` one report inside a
worker; :mod:`.kernel` the kernel's lifecycle; :mod:`.warm_state` the code that runs inside the kernel
(step 2's reset); :mod:`.records` the report records.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import config

from . import export, index
from .cache import Fingerprinter, cached_record, key_of, remove_stale_temporaries
from .kernel import kernel_name
from .parameters import NOTEBOOKS, NotebookSpec, ParameterError, ReportRequest
from .pool import run_pool

__all__ = ["BatchInterrupted", "BatchResult", "run_batch"]

DEFAULT_CELL_TIMEOUT = 900  # seconds; a cell running longer fails its report and the kernel restarts


@dataclass
class BatchResult:
    """What a batch did. ``records`` are this batch's reports (ran or cached), in request order."""

    out: Path
    records: list[dict[str, Any]]
    ran: int = 0
    cached: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False
    index_path: Path | None = None
    manifest_path: Path | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``result`` holds what was finished (the next run resumes from there)."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__("batch interrupted")
        self.result = result


def run_batch(
    requests: Sequence[ReportRequest],
    *,
    out: Path | str | None = None,
    jobs: int | None = None,
    force: bool = False,
    specs: Mapping[str, NotebookSpec] | None = None,
    progress: bool = False,
    console: Any = None,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    kernel: str | None = None,
    start_method: str | None = None,
    data: Mapping[str, str] | None = None,
) -> BatchResult:
    """Run validated requests (see :func:`analysis.report.parameters.build_requests`) into ``out``.

    Reports whose cache key matches their stored record are not run again unless ``force``.
    Writes ``<out>/index.html`` and ``<out>/manifest.json`` at the end (also after Ctrl-C). ``data`` names the
    user's own data behind the batch (file and sha256), shown at the top of the index and kept in the manifest.
    """
    specs = NOTEBOOKS if specs is None else specs
    out = Path(out if out is not None else config.REPORTS_DIR).resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    started = time.perf_counter()
    with _exclusive(out):
        remove_stale_temporaries(out)
        records, tasks = _plan(requests, out, force=force, specs=specs)
        cached = len(records)
        export.ensure_plotly_js(out)
        interrupted = False
        if tasks:
            settings = {"out": str(out), "kernel_name": kernel or kernel_name(), "cell_timeout": cell_timeout}
            pool = run_pool(
                tasks, jobs, settings, progress=progress, console=console, cached=cached, start_method=start_method
            )
            interrupted = _collect(pool, records)
        ordered = [records[i] for i in sorted(records)]
        elapsed = time.perf_counter() - started
        batch = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "elapsed_s": round(elapsed, 3),
            "jobs": jobs,
            "requested": len(requests),
            "ran": len(ordered) - cached,
            "cached": cached,
            "interrupted": interrupted,
            "force": force,
            **({"data": dict(data)} if data else {}),
        }
        index_path, manifest_path = index.write_outputs(out, batch=batch, batch_records=ordered)
    result = BatchResult(
        out=out,
        records=ordered,
        ran=len(ordered) - cached,
        cached=cached,
        elapsed_s=time.perf_counter() - started,
        interrupted=interrupted,
        index_path=index_path,
        manifest_path=manifest_path,
        failures=[r for r in ordered if r.get("status") != "ok"],
    )
    if interrupted:
        raise BatchInterrupted(result)
    return result


def _collect(pool: Generator[tuple[int, dict[str, Any]], None, None], records: dict[int, dict[str, Any]]) -> bool:
    """Add the pool's records to ``records`` as reports finish; True if Ctrl-C or SIGTERM stopped the batch."""
    try:
        with _terminate_as_interrupt():
            for task_id, record in pool:
                records[task_id] = record | {"ran": True}
    except KeyboardInterrupt:
        return True
    finally:
        pool.close()  # stops the workers now, also when the interrupt came between two reports
    return False


def _plan(
    requests: Sequence[ReportRequest], out: Path, *, force: bool, specs: Mapping[str, NotebookSpec]
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Split the requests into up-to-date records (by request number) and tasks for the workers."""
    fingerprints = Fingerprinter()
    records: dict[int, dict[str, Any]] = {}
    tasks: list[dict[str, Any]] = []
    for number, request in enumerate(requests):
        paths = request.paths(out)
        inputs = fingerprints.inputs(request)
        recipe = fingerprints.recipe(request, inputs)
        key = key_of(recipe)
        hit = None if force else cached_record(paths, key)
        if hit is not None:
            records[number] = hit | {"ran": False}
            continue
        spec = specs.get(request.notebook)
        tasks.append(
            {
                "id": number,
                "out": str(out),
                "state": request.state,
                "notebook": request.notebook,
                "title": (spec.title if spec and spec.title else request.notebook.replace("_", " ").capitalize()),
                "notebook_path": str(request.notebook_path),
                "notebook_display": _display(request.notebook_path),
                "executed_path": str(paths.executed),
                "parameters": dict(request.parameters),
                "inputs": [i.as_dict() for i in inputs],
                "cache_key": key,
                "cache_recipe": recipe,
            }
        )
    return records, tasks


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(config.PROJECT_DIR).as_posix()
    except ValueError:
        return path.name


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One batch at a time per output directory."""
    lock_path = out / ".lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ParameterError(f"another batch is writing to {out}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch like Ctrl-C does: workers and kernels shut down, finished reports kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
