"""Inside a warm kernel: preload the libraries once, and bring the kernel back to a fresh state per report.

This module runs in the report kernels, not in the batch process. :class:`~analysis.report.kernel.WarmKernel`
imports it once in each new kernel, as hidden code::

    import analysis.report.warm_state as _botox_warm
    _botox_warm.install(skip_iri_checkers=True)

:func:`install` preloads the libraries every report uses, records what ``%reset -f`` does not reset
(environment, ``sys.path``, warnings filters, the modules present, plotly's default renderer and
template, numpy's print options), and freezes everything alive into ``gc``'s permanent generation.
Before each report the kernel runs ``%reset -f`` and then ``sys.modules[ALIAS].reset(...)``
(:func:`reset`), which puts those back.

:func:`reset` drops the project's modules (``analysis.*``) from ``sys.modules`` so that each report
imports them afresh — this module among them. It survives that: :func:`install` registers it under
:data:`ALIAS`, a name outside ``analysis.*`` that :func:`reset` skips, and its state lives in this module
object, not in ``sys.modules["analysis.report.warm_state"]``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analysis.report.summary import SUMMARY_ENV

__all__ = ["ALIAS", "PRELOAD", "install", "reset"]

ALIAS = "_botox_report_warm"
# Modules every report notebook uses; imported once per kernel, before the first report.
PRELOAD = ("polars", "plotly.io", "plotly.graph_objects", "plotly.express", "numpy")
PROJECT_PACKAGE = "analysis"


@dataclass
class _Fresh:
    """What a fresh kernel looks like, as far as ``%reset -f`` does not restore it."""

    environ: dict[str, str]
    path: list[str]
    filters: list[Any]
    baseline: set[str]  # modules present after the preload (the project's own excepted)
    prefixes: tuple[str, ...]  # the interpreter's install prefixes: nothing under them is project code
    plotly_io: Any = None
    renderer: Any = None
    template: Any = None
    numpy: Any = None
    print_options: dict[str, Any] | None = None
    outside: set[str] = field(default_factory=set)  # libraries a notebook imported later: kept, not looked at again


_fresh: _Fresh | None = None


def install(*, skip_iri_checkers: bool, preload: Iterable[str] = PRELOAD) -> None:
    """Preload ``preload``, record the fresh state, register this module as :data:`ALIAS`, freeze the heap."""
    global _fresh
    plotly_io, renderer, template = _preload(preload, skip_iri_checkers=skip_iri_checkers)
    numpy = sys.modules.get("numpy")
    _fresh = _Fresh(
        environ=dict(os.environ),
        path=list(sys.path),
        filters=list(warnings.filters),
        baseline={name for name in sys.modules if not _is_project_name(name)},
        prefixes=tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}),
        plotly_io=plotly_io,
        renderer=renderer,
        template=template,
        numpy=numpy,
        print_options=numpy.get_printoptions() if numpy else None,
    )
    sys.modules[ALIAS] = sys.modules[__name__]
    # Everything alive now (the libraries) is kept out of later garbage collections: %reset -f runs
    # gc.collect(), which otherwise walks all of plotly's and polars' objects (~0.3 s a report).
    gc.collect()
    gc.freeze()


def _preload(names: Iterable[str], *, skip_iri_checkers: bool) -> tuple[Any, Any, Any]:
    """Import ``names`` (a failing one is left to the notebook that needs it); return plotly.io and its defaults.

    See :func:`analysis.report.kernel.skip_unused_iri_checkers`: plotly.io imports nbformat, which
    imports jsonschema, whose optional IRI checkers cost ~1.5 s to build. They are skipped while
    preloading only; afterwards ``import rfc3987_syntax`` works again for any notebook that wants it.
    """
    plotly_io = renderer = template = None
    blocked = skip_iri_checkers and "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # the notebook that imports it reports the error
                pass
        plotly_io = sys.modules.get("plotly.io")
        if plotly_io is not None:  # lazy submodules: the renderers import nbformat (hence jsonschema)
            renderer = plotly_io.renderers.default
            template = plotly_io.templates.default
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return plotly_io, renderer, template


def _is_project_name(name: str) -> bool:
    return name == PROJECT_PACKAGE or name.startswith(PROJECT_PACKAGE + ".")


def _is_project_module(module: Any, project: str, prefixes: tuple[str, ...]) -> bool:
    """``analysis.*``, or a module loaded from a file in the project directory (not from the environment)."""
    if module is None:
        return False
    if _is_project_name(getattr(module, "__name__", "") or ""):
        return True
    origin = getattr(module, "__file__", None)
    if not origin:
        return False
    origin = os.path.realpath(origin)
    return origin.startswith(project + os.sep) and not origin.startswith(prefixes)


def reset(summary_path: str, cwd: str, project: str) -> None:
    """Put back what ``%reset -f`` left: environment (plus the summary path), cwd, paths, modules, library options."""
    fresh = _fresh
    if fresh is None:
        raise RuntimeError("warm_state.install() has not run in this kernel")
    os.environ.clear()
    os.environ.update(fresh.environ)
    os.environ[SUMMARY_ENV] = summary_path
    os.chdir(cwd)
    sys.path[:] = fresh.path
    warnings.filters[:] = fresh.filters
    warnings._filters_mutated()  # type: ignore[attr-defined]
    project = os.path.realpath(project)
    for name, module in list(sys.modules.items()):
        if name == ALIAS or name in fresh.baseline or name in fresh.outside:
            continue
        if _is_project_module(module, project, fresh.prefixes):
            del sys.modules[name]
        else:
            fresh.outside.add(name)
    importlib.invalidate_caches()
    _restore_library_options(fresh)
    # Imported here, not at the top: .kernel imports this module (for its name and ALIAS) in the batch
    # process and the fork server, which need no IPython; in a kernel it is loaded already.
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:  # always, in a kernel
        shell.execution_count = 1


def _restore_library_options(fresh: _Fresh) -> None:
    polars = sys.modules.get("polars")
    if polars is not None:
        polars.Config.restore_defaults()
    plotly_io = fresh.plotly_io
    if plotly_io is not None:  # setters validate (the template's takes ~0.4 s): only when changed
        if plotly_io.renderers.default != fresh.renderer:
            plotly_io.renderers.default = fresh.renderer
        if plotly_io.templates.default != fresh.template:
            plotly_io.templates.default = fresh.template
    if fresh.numpy is not None:
        fresh.numpy.set_printoptions(**fresh.print_options)
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        _reset_pandas_options(pandas)


def _reset_pandas_options(pandas: Any) -> None:
    """Every pandas option back to its default, one by one: ``reset_option("all")`` stops at the first
    option whose validator fails (the plotting backend needs matplotlib, which need not be installed), and a
    failed reset would cost the kernel a restart."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in list(pandas._config.config._registered_options):
            try:
                pandas.reset_option(key)
            except (ImportError, ValueError, TypeError):
                continue  # that option cannot take its default here; it was never changed from it either
