"""Executed notebook → one offline HTML page.

nbconvert's ``HTMLExporter`` runs in-process with the ``basic`` template (cell markup only: no
require.js, no MathJax, no CSS from a CDN) and with code, input prompts and output prompts hidden.
:file:`templates/report.html.j2` wraps that body in a page (jinja2, autoescaped) with

- a ``<script src>`` to plotly.js, stored once per report set at ``<out>/assets/plotly.min.js`` and
  referenced relatively, so every page works from a file share or a USB stick;
- a banner slot (a "Synthetic sample data" banner when the summary says ``"synthetic": true`` and the
  notebook did not already show its own, more specific one; a
  failure banner when a cell raised);
- a footer with the parameters, the data files with their SHA-256, the package version and run date.

Cells tagged ``remove-cell`` are left out, cells tagged ``remove-output`` lose their outputs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from analysis.banner import SYNTHETIC_BANNER_MARK

from .summary import atomic_write_bytes

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PLOTLY_ASSET = Path("assets") / "plotly.min.js"
MAX_REPORT_BYTES = 500_000


@cache
def page_environment() -> jinja2.Environment:
    """The jinja2 environment for report pages and the index; HTML is escaped unless marked safe."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


@cache
def _exporter() -> Any:
    """One ``HTMLExporter`` per process (building it loads templates; reuse is safe)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
    cfg.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    return HTMLExporter(
        config=cfg,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def plotly_js_source() -> Path:
    """plotly.js as shipped inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def ensure_plotly_js(out: Path) -> Path:
    """Write ``<out>/assets/plotly.min.js`` unless an identical copy is already there."""
    source = plotly_js_source()
    target = Path(out) / PLOTLY_ASSET
    data = source.read_bytes()
    if target.is_file() and target.stat().st_size == len(data):
        if hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest():
            return target
    atomic_write_bytes(target, data)
    return target


def relative_href(page: Path, target: Path) -> str:
    """A URL from ``page`` to ``target`` (both under the same output directory)."""
    return Path(os.path.relpath(target, start=page.parent)).as_posix()


def notebook_body(nb: Any) -> str:
    """The notebook's cells as HTML: outputs and markdown only, no code, no prompts."""
    body, _resources = _exporter().from_notebook_node(nb)
    return body


def with_state_in_title(nb: Any, state: str) -> Any:
    """A copy of ``nb`` whose first heading names the place ("# Botox treatment pricing — Texas"): a report read
    on its own must say which state it is about; the notebook itself keeps its general title."""
    import copy

    from analysis.states import state_name

    titled = copy.deepcopy(nb)
    for cell in titled.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        if lines and lines[0].startswith("# "):
            lines[0] = f"{lines[0].rstrip()} — {state_name(state).removeprefix('the ')}"
            cell.source = "\n".join(lines)
        break
    return titled


def render_report(
    nb: Any,
    *,
    out: Path,
    page: Path,
    title: str,
    state: str,
    topic: str,
    notebook_file: str,
    parameters: Mapping[str, Any],
    inputs: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    error: Mapping[str, Any] | None,
    version: str,
    run_at: str,
) -> str:
    """The complete HTML page of one report, to be written at ``page`` under ``out``."""
    template = page_environment().get_template("report.html.j2")
    body = notebook_body(with_state_in_title(nb, state))
    return template.render(
        title=title,
        state=state,
        topic=topic,
        notebook_file=notebook_file,
        body=Markup(body),  # nbconvert's own HTML
        plotly_js=relative_href(page, Path(out) / PLOTLY_ASSET),
        index_href=relative_href(page, Path(out) / "index.html"),
        # one banner per page: the notebook's own (which counts the generated rows) when it shows one
        synthetic=summary.get("synthetic") is True and SYNTHETIC_BANNER_MARK not in body,
        error=error,
        parameters=dict(parameters),
        inputs=list(inputs),
        version=version,
        run_at=run_at,
    )


def write_report(page: Path, html: str) -> int:
    """Write the page atomically; returns its size in bytes."""
    data = html.encode("utf-8")
    atomic_write_bytes(page, data)
    return len(data)
