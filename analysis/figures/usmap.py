"""A geographic US choropleth that needs nothing from the network.

plotly's own choropleth fetches its base map from cdn.plot.ly when drawn, so it stays blank in a
report opened offline. Here every state is a filled outline (one scatter trace each) from the
projected Natural Earth shapes in ``data/reference/us_state_shapes.csv`` (see :mod:`analysis.geo`),
coloured on the same scale as a colour bar. Alaska and Hawaii are insets, as on any Albers USA map.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping

import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from analysis.figures.common import HIGHLIGHT_COLOR, MISSING_COLOR, house_layout, state_hover

MARKED_COLOR = "#4b5563"  # dotted outline of marked states (e.g. few quotes): visible on every fill


def outline_paths(shapes: pl.DataFrame) -> dict[str, tuple[list[float | None], list[float | None]]]:
    """Per state, the x and y of all its rings in one path, rings separated by None (plotly's gap)."""
    paths: dict[str, tuple[list[float | None], list[float | None]]] = {}
    for (code, _ring), ring in shapes.group_by(["state", "ring"], maintain_order=True):
        xs, ys = paths.setdefault(str(code), ([], []))
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(ring["x"].to_list())
        ys.extend(ring["y"].to_list())
    return paths


def visible_scale(colorscale: str, *, start: float = 0.15, steps: int = 10) -> list[list[float | str]]:
    """``colorscale`` without its palest end, so that the lowest state still stands out from white."""
    return [[i / steps, sample_colorscale(colorscale, [start + (1 - start) * i / steps])[0]] for i in range(steps + 1)]


def state_colors(
    values: Mapping[str, float | None], scale: list[list[float | str]]
) -> tuple[dict[str, str], float, float]:
    """Each state's fill colour on ``scale`` between the smallest and largest value (grey if none)."""
    known = [v for v in values.values() if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0
    colors = {
        code: MISSING_COLOR if v is None else sample_colorscale(scale, [(v - low) / span])[0]
        for code, v in values.items()
    }
    return colors, low, high


def us_state_map(
    frame: pl.DataFrame,
    shapes: pl.DataFrame,
    *,
    value: str,
    label: str,
    title: str,
    state: str = "state",
    hover: Mapping[str, str] | None = None,
    highlight: str | None = None,
    value_format: str = ",.2f",
    value_prefix: str = "",
    colorscale: str = "Blues",
    marked: Collection[str] = (),
) -> go.Figure:
    """States filled by ``value`` (grey without one), drawn from ``shapes``
    (:func:`analysis.reference.us_state_shapes`); otherwise the arguments of
    :func:`~analysis.figures.common.us_tile_map`. One figure spec read top to bottom (a trace per state,
    the highlighted one last, then the colour bar), hence its length. ``marked`` states get a dotted outline
    (e.g. those with few observations)."""
    by_state = {row[state]: row for row in frame.iter_rows(named=True)}
    paths = outline_paths(shapes)
    values = {code: by_state.get(code, {}).get(value) for code in paths}
    scale = visible_scale(colorscale)
    colors, low, high = state_colors(values, scale)
    fig = go.Figure()
    # the highlighted state last, so that its dark outline is drawn over its neighbours' white ones
    for code in sorted(paths, key=lambda c: c == highlight):
        xs, ys = paths[code]
        outlined = code == highlight
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colors[code],
                line=(
                    {"color": HIGHLIGHT_COLOR, "width": 2.5}
                    if outlined
                    else {"color": MARKED_COLOR, "width": 1.4, "dash": "dot"}
                    if code in marked
                    else {"color": "white", "width": 0.6}
                ),
                hoveron="fills",
                hoverinfo="text",
                text=state_hover(
                    by_state.get(code),
                    code,
                    value=value,
                    label=label,
                    hover=hover,
                    value_format=value_format,
                    value_prefix=value_prefix,
                ),
                name=code,
                showlegend=False,
            )
        )
    # the colour bar: one invisible marker trace that carries the scale
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "color": [low, high],
                "cmin": low,
                "cmax": high,
                "colorscale": scale,
                "showscale": True,
                "colorbar": {"title": {"text": html.escape(label)}, "thickness": 12, "tickprefix": value_prefix},
            },
            hoverinfo="skip",
            showlegend=False,
            name="scale",
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(hovermode="closest")
    return house_layout(fig, title=title, height=520)
