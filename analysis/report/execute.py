"""One report, inside a worker process: parameterize the notebook, run it in the warm kernel, write the results.

:func:`run_report` resets the worker's :class:`~analysis.report.kernel.WarmKernel`, executes the cells
one by one with nbclient (timing each), then writes the executed notebook, the summary, the HTML page
and finally the report's record, which commits the report for the cache.

Only worker processes import this module, and they import it while their kernel warms up (see
:func:`analysis.report.pool._warm_worker`): the Jupyter stack is imported here at the top.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from analysis import __version__

from . import export
from .kernel import WarmKernel
from .parameters import ReportPaths
from .records import base_record, now
from .summary import atomic_write_text, read_summary

__all__ = ["run_report", "warm_up"]

# Errors after which the kernel is restarted before the next report.
_KERNEL_ERRORS = {"DeadKernelError", "CellTimeoutError"}


async def run_report(task: Mapping[str, Any], kernel: WarmKernel, *, cell_timeout: float) -> dict[str, Any]:
    """Run one report in ``kernel``; write its executed notebook, summary, HTML page and (last) its record."""
    out = Path(task["out"])
    paths = ReportPaths(out, task["state"], task["notebook"])
    paths.executed_dir.mkdir(parents=True, exist_ok=True)
    scratch = paths.executed_dir / f".{task['notebook']}.summary.{os.getpid()}.tmp"
    scratch.unlink(missing_ok=True)
    record: dict[str, Any] = {
        **base_record(task),
        "cache_recipe": task["cache_recipe"],
        "html": paths.relative(paths.html),
        "executed": paths.relative(paths.executed),
        "summary_path": paths.relative(paths.summary),
        "error": None,
        "worker": {"pid": os.getpid(), "kernel_starts": kernel.starts, "kernel_startup": dict(kernel.startup)},
    }
    started = time.perf_counter()
    timings: dict[str, Any] = {}
    nb = _prepare_notebook(task, kernel)
    cell_times: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    error = await _reset_kernel(kernel, summary_path=scratch, cwd=Path(task["notebook_path"]).parent)
    timings["reset_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if error is None:
        cell_times, error = await _execute(nb, kernel, cell_timeout=cell_timeout)
        if error is not None and error["ename"] in _KERNEL_ERRORS:
            record["warnings"].append(f"kernel restarted after {error['ename']}")
            await kernel.restart()
    timings["execute_s"] = time.perf_counter() - t0
    timings["cells_s"] = sum(c["seconds"] for c in cell_times)
    nb.metadata.papermill.update(
        start_time=record["run_at"], end_time=now(), duration=timings["execute_s"], exception=error is not None
    )

    t0 = time.perf_counter()
    atomic_write_text(paths.executed, nbformat.writes(nb))
    record["summary"] = read_summary(scratch)
    if scratch.exists():
        os.replace(scratch, paths.summary)
    else:
        paths.summary.unlink(missing_ok=True)
    error = _export(nb, task, paths, record, error)
    timings["export_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    record["status"] = "ok" if error is None else "failed"
    record["error"] = error
    record["durations"] = {k: round(v, 6) for k, v in timings.items()} | {"cells": cell_times}
    atomic_write_text(paths.record, json.dumps(record, indent=2, sort_keys=True) + "\n")  # commits the report
    return record


def warm_up() -> None:
    """Render one tiny page, so the first report pays nothing extra (nbconvert's exporter, the page template)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# warm-up\n\n*text*")])
    export.notebook_body(nb)
    export.page_environment().get_template("report.html.j2")


def _prepare_notebook(task: Mapping[str, Any], kernel: WarmKernel) -> Any:
    """The notebook with papermill's injected-parameters cell, its metadata as papermill would write it."""
    nb = load_notebook_node(task["notebook_path"])
    nb = parameterize_notebook(nb, dict(task["parameters"]), kernel_name=kernel.name, language="python")
    nb.metadata.papermill["input_path"] = task["notebook_path"]
    nb.metadata.papermill["output_path"] = task["executed_path"]
    if kernel.language_info:
        nb.metadata["language_info"] = kernel.language_info
    return nb


async def _reset_kernel(kernel: WarmKernel, *, summary_path: Path, cwd: Path) -> dict[str, Any] | None:
    """Reset the kernel for the next report (restarting a dead one); the error if even a fresh one fails."""
    try:
        if not await kernel.is_alive():
            await kernel.restart()
        await kernel.reset(summary_path=summary_path, cwd=cwd)
    except Exception:  # a wedged kernel: one fresh start, then give up on this report
        try:
            await kernel.restart()
            await kernel.reset(summary_path=summary_path, cwd=cwd)
        except Exception as exc:
            return {"cell_index": None, "source_cell_index": None, "ename": type(exc).__name__, "evalue": str(exc)}
    return None


async def _execute(
    nb: Any, kernel: WarmKernel, *, cell_timeout: float
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Execute the notebook's cells in the warm kernel; returns per-cell times and the first error."""
    client = NotebookClient(
        nb, km=kernel.km, kernel_name=kernel.name, timeout=cell_timeout, allow_errors=False, record_timing=True
    )
    client.kc = kernel.kc
    client.reset_execution_trackers()
    times: list[dict[str, Any]] = []
    error: dict[str, Any] | None = None
    injected = next((i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", [])), None)
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.setdefault("papermill", {})
        if error is not None:
            meta.update(status="pending", duration=None, start_time=None, end_time=None, exception=None)
            continue
        start_wall, started = now(), time.perf_counter()
        try:
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            status = "completed"
        except CellExecutionError as exc:
            error = {"ename": exc.ename, "evalue": exc.evalue}
        except CellTimeoutError as exc:
            error = {
                "ename": "CellTimeoutError",
                "evalue": str(exc).strip().splitlines()[0]
                if str(exc).strip()
                else f"cell ran longer than {cell_timeout:g} s",
            }
        except DeadKernelError:
            error = {"ename": "DeadKernelError", "evalue": "the kernel died while running this cell"}
        seconds = time.perf_counter() - started
        if error is not None and "cell_index" not in error:
            status = "failed"
            error["cell_index"] = index
            error["source_cell_index"] = index - 1 if injected is not None and index > injected else index
        meta.update(
            status=status, duration=seconds, start_time=start_wall, end_time=now(), exception=status == "failed"
        )
        if cell.cell_type == "code" and cell.source.strip():
            times.append({"index": index, "seconds": round(seconds, 6)})
    return times, error


def _export(
    nb: Any, task: Mapping[str, Any], paths: ReportPaths, record: dict[str, Any], error: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Write the report's HTML page; return the report's error (the export's, if only the export failed)."""
    try:
        html = export.render_report(
            nb,
            out=paths.out,
            page=paths.html,
            title=f"{task['title']} — {task['state']}",
            state=task["state"],
            topic=task["title"],
            notebook_file=task["notebook_display"],
            parameters=task["parameters"],
            inputs=task["inputs"],
            summary=record["summary"],
            error=error,
            version=__version__,
            run_at=record["run_at"],
        )
        size = export.write_report(paths.html, html)
        record["html_bytes"] = size
        if size > export.MAX_REPORT_BYTES:
            record["warnings"].append(
                f"report is {size / 1000:.0f} kB, above the {export.MAX_REPORT_BYTES / 1000:.0f} kB budget"
            )
    except Exception as exc:
        record["html"] = None
        error = error or {
            "cell_index": None,
            "source_cell_index": None,
            "ename": type(exc).__name__,
            "evalue": f"export failed: {exc}",
        }
    return error
