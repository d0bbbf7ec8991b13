"""Figure builders: a tidy polars frame and column names in, a ``plotly.graph_objects.Figure`` out.

Builders never show or save; notebooks display what they return. Text that comes from data reaches
plotly through :func:`analysis.figures.common.safe_text`, so a clinic named ``<script>`` shows as text.
Shared parts live in :mod:`analysis.figures.common`; each topic has its own module.
"""
