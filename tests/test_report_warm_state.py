"""analysis.report.warm_state, called directly in this process (the batch tests run it inside real kernels).

install() and reset() change process-wide state on purpose; the ``isolated`` fixture saves all of it
and puts it back, including the ``analysis.*`` modules that reset() drops from ``sys.modules``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import types
import warnings

import IPython
import numpy as np
import plotly.io as pio
import polars as pl
import pytest

from analysis.report import kernel, warm_state
from analysis.report.summary import SUMMARY_ENV

TOY_MODULES = ("botox_toy_project_module", "botox_toy_library", "botox_toy_iri_probe")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A project dir and a library dir under tmp_path; all global state restored afterwards."""
    renderer, template = pio.renderers.default, pio.templates.default  # loads plotly's lazy renderers now
    environ, path, filters, cwd = dict(os.environ), list(sys.path), list(warnings.filters), os.getcwd()
    modules = dict(sys.modules)
    polars_config = pl.Config.save()
    print_options = np.get_printoptions()
    monkeypatch.setattr(warm_state, "_fresh", None)
    # reset() resets pandas' options one by one when a notebook imported pandas; like the real pandas without
    # matplotlib, the stand-in fails on plotting.backend, and that one failure must not stop the others. It
    # has the two classes plotly looks for when pandas is loaded.
    pandas_calls = []

    def reset_option(key: str) -> None:
        if key == "plotting.backend":
            raise ImportError("matplotlib is required for plotting")
        pandas_calls.append(key)

    options = {"display.max_rows": 60, "plotting.backend": "matplotlib", "mode.copy_on_write": False}
    fake_pandas = types.SimpleNamespace(
        reset_option=reset_option,
        _config=types.SimpleNamespace(config=types.SimpleNamespace(_registered_options=options)),
        Series=type("Series", (), {}),
        Index=type("Index", (), {}),
    )
    monkeypatch.setitem(sys.modules, "pandas", fake_pandas)
    project, library = tmp_path / "project", tmp_path / "library"
    project.mkdir()
    library.mkdir()
    (project / "botox_toy_project_module.py").write_text("VALUE = 1\n")
    (library / "botox_toy_library.py").write_text("VALUE = 2\n")
    try:
        yield project, library, pandas_calls
    finally:
        gc.unfreeze()
        os.environ.clear()
        os.environ.update(environ)
        sys.path[:] = path
        warnings.filters[:] = filters
        warnings._filters_mutated()
        os.chdir(cwd)
        for name in list(sys.modules):
            if name not in modules and (name.startswith("analysis") or name in TOY_MODULES):
                del sys.modules[name]
        sys.modules.pop(warm_state.ALIAS, None)
        sys.modules.update({name: module for name, module in modules.items() if name.startswith("analysis")})
        pl.Config.load(polars_config)
        if pio.renderers.default != renderer:
            pio.renderers.default = renderer
        if pio.templates.default != template:
            pio.templates.default = template
        np.set_printoptions(**print_options)


def test_install_records_the_fresh_state_registers_the_alias_and_freezes_the_heap(isolated):
    warm_state.install(skip_iri_checkers=False, preload=("polars", "plotly.io", "numpy", "no_such_module_botox"))
    assert sys.modules[warm_state.ALIAS] is warm_state
    assert gc.get_freeze_count() > 0
    fresh = warm_state._fresh
    assert fresh.environ == dict(os.environ) and fresh.path == sys.path
    assert fresh.renderer == pio.renderers.default and fresh.template == pio.templates.default
    assert fresh.numpy is np and fresh.print_options == np.get_printoptions()
    assert "polars" in fresh.baseline and not any(name.startswith("analysis") for name in fresh.baseline)


def test_iri_checkers_are_skipped_during_the_preload_only(isolated, monkeypatch):
    project, _, _ = isolated
    (project / "botox_toy_iri_probe.py").write_text("import sys\nSEEN = sys.modules.get('rfc3987_syntax', 'absent')\n")
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    warm_state.install(skip_iri_checkers=True, preload=("botox_toy_iri_probe",))
    assert sys.modules["botox_toy_iri_probe"].SEEN is None  # blocked while preloading
    assert "rfc3987_syntax" not in sys.modules  # and importable again afterwards


def test_reset_restores_what_reset_f_leaves(isolated, monkeypatch):
    project, library, pandas_calls = isolated
    warm_state.install(skip_iri_checkers=False, preload=("polars", "plotly.io", "numpy"))
    shell = types.SimpleNamespace(execution_count=7)
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    fresh_environ, fresh_path, fresh_filters = dict(os.environ), list(sys.path), list(warnings.filters)
    renderer, template = pio.renderers.default, pio.templates.default
    print_options = np.get_printoptions()

    # What a report might leave behind.
    os.environ["BOTOX_WARM_STATE_PROBE"] = "left over"
    sys.path[:0] = [str(project), str(library)]
    warnings.simplefilter("error", UserWarning)
    os.chdir(library)
    pl.Config.set_tbl_rows(3)
    pio.renderers.default = "json"
    pio.templates.default = "plotly_dark"
    np.set_printoptions(precision=2)
    old_summary = importlib.import_module("analysis.report.summary")
    importlib.import_module("botox_toy_project_module")
    importlib.import_module("botox_toy_library")

    sys.modules[warm_state.ALIAS].reset("/tmp/summary.json", str(project), str(project))

    assert os.environ.pop(SUMMARY_ENV) == "/tmp/summary.json"
    assert dict(os.environ) == {k: v for k, v in fresh_environ.items() if k != SUMMARY_ENV}
    assert os.getcwd() == str(project)
    assert sys.path == fresh_path and warnings.filters == fresh_filters
    assert "POLARS_FMT_MAX_ROWS" not in pl.Config.state(if_set=True)
    assert (pio.renderers.default, pio.templates.default) == (renderer, template)
    assert np.get_printoptions() == print_options
    assert pandas_calls == ["display.max_rows", "mode.copy_on_write"]  # plotting.backend failed, the rest ran
    assert shell.execution_count == 1
    # The project's modules are gone, to be imported afresh; a library a notebook imported stays.
    assert not any(name == "analysis" or name.startswith("analysis.") for name in sys.modules)
    assert "botox_toy_project_module" not in sys.modules
    assert "botox_toy_library" in sys.modules
    assert importlib.import_module("analysis.report.summary") is not old_summary


def test_the_module_survives_its_own_reset(isolated):
    project, _, _ = isolated
    warm_state.install(skip_iri_checkers=False, preload=())
    sys.modules[warm_state.ALIAS].reset("/tmp/a.json", str(project), str(project))
    assert "analysis.report.warm_state" not in sys.modules
    assert sys.modules[warm_state.ALIAS] is warm_state
    importlib.import_module("analysis.report.summary")  # the next report imports the project again
    sys.modules[warm_state.ALIAS].reset("/tmp/b.json", str(project), str(project))
    assert os.environ[SUMMARY_ENV] == "/tmp/b.json"
    assert "analysis.report.summary" not in sys.modules


def test_reset_before_install_is_an_error(isolated, tmp_path):
    with pytest.raises(RuntimeError, match="install"):
        warm_state.reset("/tmp/a.json", str(tmp_path), str(tmp_path))


def test_warmup_code_installs_this_module():
    code = kernel.warmup_code(skip_iri_checkers=True)
    assert "import analysis.report.warm_state as _botox_warm" in code
    assert "_botox_warm.install(skip_iri_checkers=True)" in code
    assert "skip_iri_checkers=False" in kernel.warmup_code(skip_iri_checkers=False)
    compile(code, "<warmup>", "exec")
