"""Batch reports: validate parameters, run notebooks in a warm-kernel pool, export offline HTML.

Modules (imported on demand, so a kernel that only calls :func:`summary.publish` stays light):

- :mod:`.parameters` — the notebooks' parameters as data, validation, output layout
- :mod:`.summary`    — ``publish()`` for notebooks, atomic writes
- :mod:`.cache`      — fingerprints and cache keys
- :mod:`.runner`     — a batch: plan with the cache, run in the worker pool, write the index
- :mod:`.pool`       — the worker processes, each holding one warm kernel, and the progress display
- :mod:`.execute`    — one report inside a worker: parameterize, execute, write
- :mod:`.records`    — the report records (also written by the batch process when a worker dies)
- :mod:`.kernel`     — the kernelspec and :class:`~.kernel.WarmKernel`, one long-lived kernel
- :mod:`.warm_state` — runs inside each kernel: preload, and reset to a fresh state per report
- :mod:`.export`     — executed notebook → self-contained offline HTML
- :mod:`.index`      — ``index.html`` and ``manifest.json``
- :mod:`.cli`        — the ``botox-market reports`` command
"""

from __future__ import annotations

from typing import Any

__all__ = ["ParameterError", "publish", "run_batch"]


def __getattr__(name: str) -> Any:
    if name == "ParameterError":
        from .parameters import ParameterError

        return ParameterError
    if name == "publish":
        from .summary import publish

        return publish
    if name == "run_batch":
        from .runner import run_batch

        return run_batch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
