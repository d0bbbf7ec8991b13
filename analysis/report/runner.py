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
:func:`skip_unused_iri_checkers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import queue
import signal
import sys
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis import __version__, config

from .cache import Fingerprinter, cached_record, key_of, remove_stale_temporaries
from .parameters import NOTEBOOKS, NotebookSpec, ReportPaths, ReportRequest
from .summary import SUMMARY_ENV, atomic_write_text, read_summary

__all__ = [
    "BatchInterrupted",
    "BatchResult",
    "WarmKernel",
    "ensure_kernel",
    "kernel_name",
    "run_batch",
    "skip_unused_iri_checkers",
]

WARM_MODULE = "_botox_report_warm"
DEFAULT_CELL_TIMEOUT = 900  # seconds; a cell running longer fails its report and the kernel restarts
_STARTUP_TIMEOUT = 120
# Modules every report notebook uses; imported once per kernel, before the first report.
_KERNEL_PRELOAD = ("polars", "plotly.io", "plotly.graph_objects", "plotly.express", "numpy")
# Imported once by the fork server and shared by every worker it forks. Deliberately light: the
# Jupyter stack is imported in each worker after skip_unused_iri_checkers(), overlapping the kernel's
# warm-up (see _warm_worker).
_WORKER_PRELOAD = ["analysis.report.runner", "jupyter_client.manager"]


# --- the kernel -----------------------------------------------------------------------------


def kernel_name() -> str:
    """``config.KERNEL_NAME`` when that kernelspec is registered, else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def ensure_kernel() -> str:
    """Register the ``botox-market`` kernelspec for this interpreter in its prefix if it is missing.

    Equivalent to ``python -m ipykernel install --sys-prefix --name botox-market``. Returns the
    kernelspec directory.
    """
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if config.KERNEL_NAME in specs:
        return specs[config.KERNEL_NAME]
    return install(kernel_name=config.KERNEL_NAME, display_name="Python (botox-market)", prefix=sys.prefix)


def kernel_environment() -> dict[str, str]:
    """The kernels' environment: ours, with the project importable and no summary path yet."""
    env = dict(os.environ)
    env.pop(SUMMARY_ENV, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(config.PROJECT_DIR), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules warning
    return env


# Runs once in each new kernel: imports the common libraries and snapshots what a fresh kernel looks
# like, in a module that ``%reset -f`` does not touch. Constant code: no values are formatted in.
_WARMUP_CODE = f"""
def __botox_install_warm_state(skip_iri_checkers):
    import gc, importlib, os, sys, types, warnings

    # See skip_unused_iri_checkers(): plotly.io imports nbformat, which imports jsonschema, whose
    # optional IRI checkers cost ~1.5 s to build. Skipped while preloading only; afterwards
    # ``import rfc3987_syntax`` works again for any notebook that wants it.
    plotly_io = renderer = template = None
    blocked = skip_iri_checkers and "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None
    try:
        for name in {_KERNEL_PRELOAD!r}:
            try:
                importlib.import_module(name)
            except Exception:
                pass
        plotly_io = sys.modules.get("plotly.io")
        if plotly_io is not None:  # lazy submodules: the renderers import nbformat (hence jsonschema)
            renderer = plotly_io.renderers.default
            template = plotly_io.templates.default
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    environ = dict(os.environ)
    path = list(sys.path)
    filters = list(warnings.filters)
    numpy = sys.modules.get("numpy")
    print_options = numpy.get_printoptions() if numpy else None
    prefixes = tuple({{os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}})
    baseline = {{name for name in sys.modules if name != "analysis" and not name.startswith("analysis.")}}
    outside = set()

    def is_project_module(module, project):
        if module is None:
            return False
        name = getattr(module, "__name__", "") or ""
        if name == "analysis" or name.startswith("analysis."):
            return True
        origin = getattr(module, "__file__", None)
        if not origin:
            return False
        origin = os.path.realpath(origin)
        return origin.startswith(project + os.sep) and not origin.startswith(prefixes)

    def reset(summary_path, cwd, project):
        os.environ.clear()
        os.environ.update(environ)
        os.environ[{SUMMARY_ENV!r}] = summary_path
        os.chdir(cwd)
        sys.path[:] = path
        warnings.filters[:] = filters
        warnings._filters_mutated()
        project = os.path.realpath(project)
        for name, module in list(sys.modules.items()):
            if name in baseline or name in outside:
                continue
            if is_project_module(module, project):
                del sys.modules[name]
            else:
                outside.add(name)  # a library a notebook imported: it stays, and is not looked at again
        importlib.invalidate_caches()
        polars = sys.modules.get("polars")
        if polars is not None:
            polars.Config.restore_defaults()
        if plotly_io is not None:  # setters validate (the template's takes ~0.4 s): only when changed
            if plotly_io.renderers.default != renderer:
                plotly_io.renderers.default = renderer
            if plotly_io.templates.default != template:
                plotly_io.templates.default = template
        if numpy is not None:
            numpy.set_printoptions(**print_options)
        pandas = sys.modules.get("pandas")
        if pandas is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pandas.reset_option("all")
        from IPython import get_ipython

        get_ipython().execution_count = 1

    sys.modules[{WARM_MODULE!r}] = types.SimpleNamespace(reset=reset)
    # Everything alive now (the libraries) is kept out of later garbage collections: %reset -f runs
    # gc.collect(), which otherwise walks all of plotly's and polars' objects (~0.3 s a report).
    gc.collect()
    gc.freeze()


__botox_install_warm_state(SKIP_IRI_CHECKERS)
del __botox_install_warm_state
"""


def warmup_code(*, skip_iri_checkers: bool) -> str:
    return _WARMUP_CODE.replace("SKIP_IRI_CHECKERS", "True" if skip_iri_checkers else "False")


class KernelFailure(RuntimeError):
    """The kernel died, hung, or refused our own (hidden) code."""


class WarmKernel:
    """One long-lived kernel (jupyter_client ``AsyncKernelManager``) that is reset between reports."""

    def __init__(self, name: str, *, log_path: Path | None = None, skip_iri_checkers: bool = True) -> None:
        self.name = name
        self.skip_iri_checkers = skip_iri_checkers
        self.log_path = log_path
        self.km: Any = None
        self.kc: Any = None
        self.language_info: dict[str, Any] = {}
        self.starts = 0
        self.startup: dict[str, float] = {}

    async def start(self, *, while_warming: Callable[[], None] | None = None) -> None:
        """Start the kernel and run the warm-up in it; ``while_warming`` runs meanwhile in this process."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.paths import jupyter_runtime_dir

        # IPC sockets in the Jupyter runtime dir: no TCP ports, no "unencrypted TCP" warning. The socket
        # path prefix is set explicitly: jupyter_client's default can be a relative "kernel-ipc" that
        # two workers' kernels would share.
        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        self.km = AsyncKernelManager(
            kernel_name=self.name, transport="ipc", ip=str(runtime / f"botox-{os.getpid()}-{uuid.uuid4().hex[:8]}-ipc")
        )
        t0 = time.perf_counter()
        log = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = self.log_path.open("ab")
        try:
            await self.km.start_kernel(
                env=kernel_environment(),
                cwd=str(config.PROJECT_DIR),
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
                stdout=log,
                stderr=log,
            )
        finally:
            if log is not None:
                log.close()  # the kernel holds its own descriptor
        t_launched = time.perf_counter()
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=_STARTUP_TIMEOUT)
        t_ready = time.perf_counter()
        self.kc.allow_stdin = False
        info = await self.kc.kernel_info(reply=True, timeout=_STARTUP_TIMEOUT)
        self.language_info = dict(info["content"].get("language_info", {}))
        warmup = warmup_code(skip_iri_checkers=self.skip_iri_checkers)
        warming = asyncio.ensure_future(self.run_hidden(warmup, timeout=_STARTUP_TIMEOUT))
        await asyncio.sleep(0)  # the request is on its way; the kernel imports while we do
        if while_warming is not None:
            while_warming()
        t_worker = time.perf_counter()
        await warming
        t_warm = time.perf_counter()
        self.starts += 1
        self.startup = {
            "launch_s": round(t_launched - t0, 3),
            "ready_s": round(t_ready - t_launched, 3),
            "worker_imports_s": round(t_worker - t_ready, 3),
            "kernel_warmup_s": round(t_warm - t_ready, 3),
            "total_s": round(t_warm - t0, 3),
        }

    async def run_hidden(self, code: str, *, timeout: float = 120) -> None:
        """Run our own code silently (no history, no outputs); raise :class:`KernelFailure` on error."""
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        try:
            reply = await self.kc.execute_interactive(
                code, silent=True, store_history=False, allow_stdin=False, timeout=timeout, output_hook=hook
            )
        except TimeoutError as exc:
            raise KernelFailure(f"kernel did not answer within {timeout:g} s") from exc
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise KernelFailure(
                f"{content.get('ename', 'error')}: {content.get('evalue', '')} {' '.join(errors)}".strip()
            )

    async def reset(self, *, summary_path: Path, cwd: Path) -> None:
        """Bring the kernel back to a fresh kernel's state for the next report."""
        from papermill.translators import translate_parameters

        await self.run_hidden("%reset -f")
        # The values travel like notebook parameters: through papermill's translator, as data.
        assignments = translate_parameters(
            self.name,
            "python",
            {"_botox_summary": str(summary_path), "_botox_cwd": str(cwd), "_botox_project": str(config.PROJECT_DIR)},
            "report runner",
        )
        await self.run_hidden(
            assignments
            + f"__import__('sys').modules[{WARM_MODULE!r}].reset(_botox_summary, _botox_cwd, _botox_project)\n"
            + "del _botox_summary, _botox_cwd, _botox_project\n"
        )

    async def is_alive(self) -> bool:
        return self.km is not None and bool(await self.km.is_alive())

    async def restart(self) -> None:
        await self.shutdown()
        await self.start()

    async def shutdown(self) -> None:
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                await self.km.shutdown_kernel(now=True)
            with contextlib.suppress(Exception):
                await self.km.cleanup_resources()
            self.km = None


# --- one report, inside a worker ------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _prepare_notebook(task: Mapping[str, Any], kernel: WarmKernel) -> Any:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(task["notebook_path"])
    nb = parameterize_notebook(nb, dict(task["parameters"]), kernel_name=kernel.name, language="python")
    nb.metadata.papermill["input_path"] = task["notebook_path"]
    nb.metadata.papermill["output_path"] = task["executed_path"]
    if kernel.language_info:
        nb.metadata["language_info"] = kernel.language_info
    return nb


async def _execute(
    nb: Any, kernel: WarmKernel, *, cell_timeout: float
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Execute the notebook's cells in the warm kernel; returns per-cell times and the first error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

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
        start_wall, started = _now(), time.perf_counter()
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
            status=status, duration=seconds, start_time=start_wall, end_time=_now(), exception=status == "failed"
        )
        if cell.cell_type == "code" and cell.source.strip():
            times.append({"index": index, "seconds": round(seconds, 6)})
    return times, error


async def _run_report(task: Mapping[str, Any], kernel: WarmKernel, *, cell_timeout: float) -> dict[str, Any]:
    import nbformat

    from . import export

    out = Path(task["out"])
    paths = ReportPaths(out, task["state"], task["notebook"])
    paths.executed_dir.mkdir(parents=True, exist_ok=True)
    scratch = paths.executed_dir / f".{task['notebook']}.summary.{os.getpid()}.tmp"
    scratch.unlink(missing_ok=True)
    record: dict[str, Any] = {
        **_base_record(task),
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
    error: dict[str, Any] | None = None
    cell_times: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    cwd = Path(task["notebook_path"]).parent
    try:
        if not await kernel.is_alive():
            await kernel.restart()
        await kernel.reset(summary_path=scratch, cwd=cwd)
    except Exception:  # a wedged kernel: one fresh start, then give up on this report
        try:
            await kernel.restart()
            await kernel.reset(summary_path=scratch, cwd=cwd)
        except Exception as exc:
            error = {"cell_index": None, "source_cell_index": None, "ename": type(exc).__name__, "evalue": str(exc)}
    timings["reset_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if error is None:
        cell_times, error = await _execute(nb, kernel, cell_timeout=cell_timeout)
        if error is not None and error["ename"] in {"DeadKernelError", "CellTimeoutError"}:
            record["warnings"].append(f"kernel restarted after {error['ename']}")
            await kernel.restart()
    timings["execute_s"] = time.perf_counter() - t0
    timings["cells_s"] = sum(c["seconds"] for c in cell_times)
    nb.metadata.papermill.update(
        start_time=record["run_at"], end_time=_now(), duration=timings["execute_s"], exception=error is not None
    )

    t0 = time.perf_counter()
    atomic_write_text(paths.executed, nbformat.writes(nb))
    summary = read_summary(scratch)
    if scratch.exists():
        os.replace(scratch, paths.summary)
    else:
        paths.summary.unlink(missing_ok=True)
    record["summary"] = summary
    try:
        html = export.render_report(
            nb,
            out=out,
            page=paths.html,
            title=f"{task['title']} — {task['state']}",
            state=task["state"],
            topic=task["title"],
            notebook_file=task["notebook_display"],
            parameters=task["parameters"],
            inputs=task["inputs"],
            summary=summary,
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
    timings["export_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    record["status"] = "ok" if error is None else "failed"
    record["error"] = error
    record["durations"] = {k: round(v, 6) for k, v in timings.items()} | {"cells": cell_times}
    atomic_write_text(paths.record, json.dumps(record, indent=2, sort_keys=True) + "\n")  # commits the report
    return record


def skip_unused_iri_checkers() -> None:
    """Keep jsonschema from building its RFC 3987 (IRI) format checkers in this process.

    nbformat imports jsonschema at import time, and jsonschema's format module imports the optional
    ``rfc3987-syntax``, which builds three Earley parsers from a grammar: ~1.5 s of CPU per process
    (5+ s on a loaded machine), more than all other imports of a worker together. Nothing in a worker
    checks IRI formats: nbformat validates with fastjsonschema and its schemas use no ``format``;
    nbclient, nbconvert, papermill and jupyter_client use no format checker. Marking the module as
    absent is the documented way to make an optional import fail, and jsonschema treats it as
    optional. Only worker processes do this: kernels (user code) and the caller's process are left
    as they are.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def _warm_worker() -> None:
    """Import the Jupyter stack and render one tiny page, so the first report pays nothing extra."""
    import nbclient  # noqa: F401
    import nbformat
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401
    import papermill.translators  # noqa: F401

    from . import export

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# warm-up\n\n*text*")])
    export.notebook_body(nb)
    export.page_environment().get_template("report.html.j2")


def _worker_main(worker_id: int, tasks: Any, results: Any, settings: Mapping[str, Any]) -> None:
    """A worker process: start one kernel, then run the reports it is handed until it gets ``None``."""
    skip_unused_iri_checkers()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides; it stops us with SIGTERM

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stop)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    log_path = Path(settings["out"]) / "executed" / ".logs" / f"kernel-{worker_id}.log"
    kernel = WarmKernel(
        settings["kernel_name"], log_path=log_path, skip_iri_checkers=settings.get("skip_iri_checkers", True)
    )
    start_error: str | None = None
    try:
        try:
            loop.run_until_complete(kernel.start(while_warming=_warm_worker))
        except Exception as exc:
            start_error = f"{type(exc).__name__}: {exc}"
        parent = mp.parent_process()
        while True:
            try:
                task = tasks.get(timeout=1.0)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    break  # the batch process is gone: stop our kernel and leave
                continue
            if task is None:
                break
            if start_error is not None:
                try:
                    loop.run_until_complete(kernel.restart())
                    start_error = None
                except Exception as exc:
                    start_error = f"{type(exc).__name__}: {exc}"
            try:
                if start_error is not None:
                    raise KernelFailure(f"the kernel {settings['kernel_name']!r} did not start: {start_error}")
                record = loop.run_until_complete(_run_report(task, kernel, cell_timeout=settings["cell_timeout"]))
            except Exception as exc:
                record = _failure_record(task, type(exc).__name__, str(exc), detail=traceback.format_exc())
            results.put(("done", worker_id, task["id"], record))
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(kernel.shutdown())
        loop.close()


def _base_record(task: Mapping[str, Any]) -> dict[str, Any]:
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
        "run_at": _now(),
    }


def _failure_record(task: Mapping[str, Any], ename: str, evalue: str, *, detail: str = "") -> dict[str, Any]:
    """The record of a report that could not even be attempted (written, so the manifest shows it)."""
    paths = ReportPaths(Path(task["out"]), task["state"], task["notebook"])
    record = {
        **_base_record(task),
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


# --- the batch, in the main process ---------------------------------------------------------


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


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One batch at a time per output directory."""
    import fcntl

    lock_path = out / ".lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            from .parameters import ParameterError

            raise ParameterError(f"another batch is writing to {out}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch like Ctrl-C does: workers and kernels shut down, finished reports kept."""
    import threading

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


def _mp_context(method: str | None) -> Any:
    method = (
        method or os.environ.get("BOTOX_MARKET_START_METHOD") or ("forkserver" if sys.platform == "linux" else "spawn")
    )
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(_WORKER_PRELOAD)
    return context


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
) -> BatchResult:
    """Run validated requests (see :func:`analysis.report.parameters.build_requests`) into ``out``.

    Reports whose cache key matches their stored record are not run again unless ``force``.
    Writes ``<out>/index.html`` and ``<out>/manifest.json`` at the end (also after Ctrl-C).
    """
    from . import export, index

    specs = NOTEBOOKS if specs is None else specs
    out = Path(out if out is not None else config.REPORTS_DIR).resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    started = time.perf_counter()
    with _exclusive(out):
        remove_stale_temporaries(out)
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
        cached = len(records)
        export.ensure_plotly_js(out)
        interrupted = False
        if tasks:
            settings = {"out": str(out), "kernel_name": kernel or kernel_name(), "cell_timeout": cell_timeout}
            try:
                with _terminate_as_interrupt():
                    for task_id, record in _run_pool(
                        tasks,
                        jobs,
                        settings,
                        progress=progress,
                        console=console,
                        cached=cached,
                        start_method=start_method,
                    ):
                        records[task_id] = record | {"ran": True}
            except KeyboardInterrupt:
                interrupted = True
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


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``result`` holds what was finished (the next run resumes from there)."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__("batch interrupted")
        self.result = result


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(config.PROJECT_DIR).as_posix()
    except ValueError:
        return path.name


@dataclass
class _Worker:
    process: Any
    tasks: Any
    current: dict[str, Any] | None = None


def _run_pool(
    tasks: list[dict[str, Any]],
    jobs: int,
    settings: Mapping[str, Any],
    *,
    progress: bool,
    console: Any,
    cached: int,
    start_method: str | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Hand tasks to ``jobs`` workers one at a time; yield ``(task id, record)`` as reports finish."""
    context = _mp_context(start_method)
    results = context.Queue()
    pending = deque(tasks)
    workers: dict[int, _Worker] = {}
    next_id = 0
    outstanding = len(tasks)
    bar = _Progress(total=len(tasks), cached=cached, enabled=progress, console=console)

    def spawn() -> None:
        nonlocal next_id
        if not pending:
            return
        inbox = context.Queue()
        process = context.Process(
            target=_worker_main, args=(next_id, inbox, results, dict(settings)), name=f"report-worker-{next_id}"
        )
        process.start()
        worker = _Worker(process, inbox)
        workers[next_id] = worker
        next_id += 1
        hand_out(worker)

    def hand_out(worker: _Worker) -> None:
        worker.current = pending.popleft() if pending else None
        worker.tasks.put(worker.current)

    try:
        with bar:
            for _ in range(min(jobs, len(tasks))):
                spawn()
            while outstanding:
                try:
                    _kind, worker_id, task_id, record = results.get(timeout=0.5)
                except queue.Empty:
                    for worker_id, worker in list(workers.items()):
                        if worker.current is not None and not worker.process.is_alive():
                            task = worker.current
                            worker.current = None
                            del workers[worker_id]
                            record = _failure_record(
                                task, "WorkerDied", f"worker process exited with code {worker.process.exitcode}"
                            )
                            outstanding -= 1
                            bar.advance(record)
                            yield task["id"], record
                            spawn()
                    continue
                outstanding -= 1
                bar.advance(record)
                worker = workers.get(worker_id)
                if worker is not None:
                    hand_out(worker)
                yield task_id, record
    finally:
        for worker in workers.values():
            if worker.process.is_alive() and worker.current is not None:
                worker.process.terminate()  # interrupted: SIGTERM makes the worker stop its kernel
            with contextlib.suppress(Exception):
                worker.tasks.put(None)
        deadline = time.monotonic() + 15
        for worker in workers.values():
            worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
        results.close()


class _Progress:
    """A rich progress bar with done / failed / remaining and elapsed time (or nothing)."""

    def __init__(self, *, total: int, cached: int, enabled: bool, console: Any) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled
        self.progress: Any = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]reports[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "[green]{task.fields[done]} done[/] · [red]{task.fields[failed]} failed[/] · {task.fields[remaining]} remaining"
                ),
                TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[last]}"),
                console=console,
                transient=False,
            )
            if cached:
                self.progress.console.print(f"{cached} report(s) up to date, skipped")
            self.task = self.progress.add_task("reports", total=total, done=0, failed=0, remaining=total, last="")

    def __enter__(self) -> _Progress:
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def advance(self, record: Mapping[str, Any]) -> None:
        if record.get("status") == "ok":
            self.done += 1
        else:
            self.failed += 1
        if self.progress is not None:
            remaining = self.total - self.done - self.failed
            label = f"{record.get('state')}/{record.get('notebook')}"
            self.progress.update(
                self.task, advance=1, done=self.done, failed=self.failed, remaining=remaining, last=label
            )
