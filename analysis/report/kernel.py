"""The report kernels: which kernelspec, its environment, and :class:`WarmKernel`, one long-lived kernel.

A worker process (:mod:`.pool`) starts one :class:`WarmKernel` and keeps it for all its reports. The
code that runs inside the kernel to keep it warm is the ordinary module :mod:`.warm_state`; this module
only sends it, as hidden code. The batch process uses :func:`kernel_name` and :func:`ensure_kernel`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipykernel.kernelspec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir

from analysis import config

from . import warm_state
from .summary import SUMMARY_ENV

__all__ = [
    "KernelFailure",
    "WarmKernel",
    "ensure_kernel",
    "kernel_environment",
    "kernel_name",
    "skip_unused_iri_checkers",
    "warmup_code",
]

STARTUP_TIMEOUT = 120


def kernel_name() -> str:
    """``config.KERNEL_NAME`` when that kernelspec is registered, else ``python3``."""
    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def ensure_kernel() -> str:
    """Register the ``botox-market`` kernelspec for this interpreter in its prefix if it is missing.

    Equivalent to ``python -m ipykernel install --sys-prefix --name botox-market``. Returns the
    kernelspec directory.
    """
    specs = KernelSpecManager().find_kernel_specs()
    if config.KERNEL_NAME in specs:
        return specs[config.KERNEL_NAME]
    return ipykernel.kernelspec.install(
        kernel_name=config.KERNEL_NAME, display_name="Python (botox-market)", prefix=sys.prefix
    )


def kernel_environment() -> dict[str, str]:
    """The kernels' environment: ours, with the project importable and no summary path yet."""
    env = dict(os.environ)
    env.pop(SUMMARY_ENV, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(config.PROJECT_DIR), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules warning
    return env


def skip_unused_iri_checkers() -> None:
    """Keep jsonschema from building its RFC 3987 (IRI) format checkers in this process.

    nbformat imports jsonschema at import time, and jsonschema's format module imports the optional
    ``rfc3987-syntax``, which builds three Earley parsers from a grammar: ~1.5 s of CPU per process
    (5+ s on a loaded machine), more than all other imports of a worker together. Nothing in a worker
    checks IRI formats: nbformat validates with fastjsonschema and its schemas use no ``format``;
    nbclient, nbconvert, papermill and jupyter_client use no format checker. Marking the module as
    absent is the documented way to make an optional import fail, and jsonschema treats it as
    optional. Only worker processes do this: kernels (user code) and the caller's process are left
    as they are (a kernel skips them during its preload only, see :mod:`.warm_state`).
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def warmup_code(*, skip_iri_checkers: bool) -> str:
    """The hidden code run once in each new kernel: :func:`analysis.report.warm_state.install`."""
    return (
        f"import {warm_state.__name__} as _botox_warm\n"
        f"_botox_warm.install(skip_iri_checkers={bool(skip_iri_checkers)!r})\n"
        "del _botox_warm\n"
    )


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
        await self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        t_ready = time.perf_counter()
        self.kc.allow_stdin = False
        info = await self.kc.kernel_info(reply=True, timeout=STARTUP_TIMEOUT)
        self.language_info = dict(info["content"].get("language_info", {}))
        warmup = warmup_code(skip_iri_checkers=self.skip_iri_checkers)
        warming = asyncio.ensure_future(self.run_hidden(warmup, timeout=STARTUP_TIMEOUT))
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
        """Bring the kernel back to a fresh kernel's state for the next report (see :func:`warm_state.reset`)."""
        # Imported here, not at the top: papermill imports nbformat and nbclient, and the batch process
        # imports this module (kernel_name, ensure_kernel) but must not pay for those. A worker has
        # imported papermill already (pool._warm_worker), so this costs nothing there.
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
            + f"__import__('sys').modules[{warm_state.ALIAS!r}].reset(_botox_summary, _botox_cwd, _botox_project)\n"
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
