"""The worker pool: worker processes, each holding one warm kernel, and the progress display.

:func:`run_pool` (in the batch process) starts up to ``jobs`` workers, hands each one task at a time,
and yields each report's record as it finishes; a worker that dies costs only its current report.
:func:`_worker_main` (in a worker) starts its :class:`~analysis.report.kernel.WarmKernel` and runs the
reports it is handed with :func:`analysis.report.execute.run_report`.

On Linux the workers are forked from a fork server that has imported this module (light: no
nbformat); each worker then imports the Jupyter stack itself, after
:func:`~analysis.report.kernel.skip_unused_iri_checkers`, while its kernel warms up.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import queue
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kernel import KernelFailure, WarmKernel, skip_unused_iri_checkers
from .records import failure_record

__all__ = ["run_pool"]

# Imported once by the fork server and shared by every worker it forks. Deliberately light: the
# Jupyter stack is imported in each worker after skip_unused_iri_checkers(), overlapping the kernel's
# warm-up (see _warm_worker).
_WORKER_PRELOAD = [__name__, "jupyter_client.manager"]


def _mp_context(method: str | None) -> Any:
    method = (
        method or os.environ.get("BOTOX_MARKET_START_METHOD") or ("forkserver" if sys.platform == "linux" else "spawn")
    )
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(_WORKER_PRELOAD)
    return context


# --- in the batch process -------------------------------------------------------------------


@dataclass
class _Worker:
    process: Any
    tasks: Any
    current: dict[str, Any] | None = None


def run_pool(
    tasks: list[dict[str, Any]],
    jobs: int,
    settings: Mapping[str, Any],
    *,
    progress: bool,
    console: Any,
    cached: int,
    start_method: str | None,
) -> Generator[tuple[int, dict[str, Any]], None, None]:
    """Hand tasks to ``jobs`` workers one at a time; yield ``(task id, record)`` as reports finish.

    Longer than most functions here: spawning, handing out, noticing a dead worker and the shutdown
    in ``finally`` share the worker table and the count of outstanding reports.
    """
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
                            record = failure_record(
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
            # Imported here, not at the top: the fork server imports this module for the workers, which
            # show no progress (rich.progress is ~25 ms the fork server would pay before the first worker).
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("[bold]reports[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "[green]{task.fields[done]} done[/] · [red]{task.fields[failed]} failed[/] · "
                    "{task.fields[remaining]} remaining"
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


# --- in a worker process --------------------------------------------------------------------


def _warm_worker() -> None:
    """Import the Jupyter stack and render one tiny page, so the first report pays nothing extra.

    Runs while the worker's kernel warms up (:meth:`WarmKernel.start`'s ``while_warming``).
    """
    # Imported here, not at the top: .execute imports nbformat, nbclient and papermill, which neither
    # the batch process nor the fork server may import (the fork server would build jsonschema's IRI
    # checkers, serially, before any worker exists); a worker imports them now, after
    # skip_unused_iri_checkers(), while its kernel imports polars and plotly.
    from . import execute

    execute.warm_up()


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
        from . import execute  # imported by _warm_worker already, unless the kernel failed to start

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
                record = loop.run_until_complete(
                    execute.run_report(task, kernel, cell_timeout=settings["cell_timeout"])
                )
            except Exception as exc:
                record = failure_record(task, type(exc).__name__, str(exc), detail=traceback.format_exc())
            results.put(("done", worker_id, task["id"], record))
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(kernel.shutdown())
        loop.close()
