"""A plotly renderer that works both in JupyterLab and in the exported offline HTML reports.

Under papermill the default renderer is ``plotly_mimetype``, which nbconvert cannot render (the HTML
silently has no charts); ``notebook`` embeds ~5 MB of plotly.js in every report and
``notebook_connected`` loads plotly.js from a CDN (blank offline). The ``botox_report`` renderer emits
one output with two representations:

- ``application/vnd.plotly.v1+json`` — JupyterLab renders it interactively with its plotly extension;
- ``text/html`` — the figure ``<div>`` plus a ``Plotly.newPlot`` script, *without* plotly.js; the report
  page loads plotly.js once from ``assets/plotly.min.js`` (see :mod:`analysis.report.export`).

Notebooks call :func:`use_report_renderer` in their first code cell after the parameters.
"""

from __future__ import annotations

from typing import Any

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer, PlotlyRenderer

RENDERER_NAME = "botox_report"
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


class ReportRenderer(MimetypeRenderer):
    """Plotly mimetype for JupyterLab + an HTML div/script (no plotly.js, no MathJax) for nbconvert."""

    def __init__(self, config: dict[str, Any] | None = None, default_height: int = 450) -> None:
        self.config = dict(config) if config else {}
        self.default_height = default_height

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        bundle = PlotlyRenderer(config=self.config).to_mimebundle(dict(fig_dict))
        html = pio.to_html(
            fig_dict,
            config=self.config or None,
            include_plotlyjs=False,  # the page loads plotly.js once, from a relative path
            include_mathjax=False,  # never a CDN
            full_html=False,
            auto_play=False,
            default_width="100%",
            default_height=self.default_height,
            validate=False,
        )
        return {PLOTLY_MIMETYPE: bundle[PLOTLY_MIMETYPE], "text/html": html}


def register_report_renderer() -> None:
    """Add the ``botox_report`` renderer to ``plotly.io.renderers`` (idempotent)."""
    pio.renderers[RENDERER_NAME] = ReportRenderer(config={"displaylogo": False})


def use_report_renderer() -> None:
    """Register ``botox_report`` and make it plotly's default renderer.

    Returns ``None`` so that a cell ending with this call shows nothing in the report.
    """
    register_report_renderer()
    pio.renderers.default = RENDERER_NAME
