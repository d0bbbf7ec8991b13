"""Shared figure parts: the US tile map, escaping, tables and the house layout."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

import plotly.graph_objects as go
import polars as pl
from jinja2 import Environment, select_autoescape
from plotly.colors import sample_colorscale

# A tile grid: every state (and DC) one equal square, placed roughly where it lies, so small
# states are as visible as big ones (the geographic map is analysis.figures.usmap; plotly's own
# choropleth is not used because it fetches its base map from a CDN). (row, column); row 0 is the top.
STATE_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 10),
    "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5), "WI": (2, 6),
    "MI": (2, 7), "NY": (2, 8), "RI": (2, 9), "MA": (2, 10),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5), "OH": (3, 6),
    "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5), "WV": (4, 6),
    "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6), "SC": (5, 7),
    "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 8),
}  # fmt: skip

FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
MISSING_COLOR = "#e5e7eb"
MISSING_TEXT_COLOR = "#4b5563"  # 6.4:1 on MISSING_COLOR (WCAG AA)
HIGHLIGHT_COLOR = "#111827"


def safe_text(values: Sequence[object] | pl.Series) -> list[str]:
    """Escape text from data for plotly labels and hover text (plotly interprets a subset of HTML)."""
    return ["" if v is None else html.escape(str(v), quote=True) for v in values]


def reference_line(fig: go.Figure, *, x: float, text: str, color: str) -> go.Figure:
    """A dashed vertical line with its label above the plotting area, where it cannot sit on a bar or a dot."""
    fig.add_vline(x=x, line_dash="dash", line_color=color)
    fig.add_annotation(
        x=x, y=1, xref="x", yref="paper", yanchor="bottom", text=html.escape(text), showarrow=False,
        font={"color": color, "size": 12},
    )  # fmt: skip
    return fig


def house_layout(fig: go.Figure, *, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": html.escape(title), "x": 0, "xanchor": "left"},
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
    )
    return fig


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb`` or ``rgb(r, g, b)``."""
    if color.startswith("#"):
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(v) for v in color[color.index("(") + 1 : color.index(")")].split(",")[:3])
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21 (AA asks 4.5 for normal text)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"  # black, not near-black: only then is 4.5:1 reachable on every fill


def text_color_on(fill: str) -> str:
    """Dark or white text, whichever contrasts more with ``fill`` (each meets 4.5:1 on one half of any scale)."""
    return DARK_TEXT if contrast_ratio(DARK_TEXT, fill) >= contrast_ratio(LIGHT_TEXT, fill) else LIGHT_TEXT


def us_tile_map(
    frame: pl.DataFrame,
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
) -> go.Figure:
    """A US map with one square per state coloured by ``value``; states without a value are grey.

    ``hover`` maps extra columns to their labels; ``highlight`` outlines one state (the report's own);
    ``value_format`` is a Python format spec and ``value_prefix`` goes before it (e.g. ``"$"``).

    One function on purpose: the tiles, their labels, the hover text and the colour bar are one layout
    read top to bottom; split, each piece would need the others' geometry passed back in.
    """
    by_state = {row[state]: row for row in frame.iter_rows(named=True)}
    codes = list(STATE_TILES)
    x = [STATE_TILES[c][1] for c in codes]
    y = [-STATE_TILES[c][0] for c in codes]
    values = [by_state.get(c, {}).get(value) for c in codes]

    def hover_for(code: str) -> str:
        return state_hover(
            by_state.get(code),
            code,
            value=value,
            label=label,
            hover=hover,
            value_format=value_format,
            value_prefix=value_prefix,
        )

    known = [i for i, v in enumerate(values) if v is not None]
    missing = [i for i, v in enumerate(values) if v is None]

    def tiles(indices: list[int], *, marker: dict, text_color: str | list[str], name: str) -> go.Scatter:
        return go.Scatter(
            x=[x[i] for i in indices],
            y=[y[i] for i in indices],
            mode="markers+text",
            text=[codes[i] for i in indices],
            textfont={"color": text_color, "size": 11},
            hovertext=[hover_for(codes[i]) for i in indices],
            hoverinfo="text",
            marker={"symbol": "square", "size": 38, **marker},
            name=name,
            showlegend=False,
        )

    fig = go.Figure()
    outline = [codes[i] == highlight for i in known]
    # each label's colour from its own tile's fill, so that it meets WCAG AA on the darkest and lightest tiles
    known_values = [float(values[i]) for i in known]
    low, high = (min(known_values), max(known_values)) if known_values else (0.0, 1.0)
    span = (high - low) or 1.0
    fills = sample_colorscale(colorscale, [(v - low) / span for v in known_values]) if known_values else []
    label_colors = [text_color_on(fill) for fill in fills]
    fig.add_trace(
        tiles(
            known,
            marker={
                "color": [values[i] for i in known],
                "colorscale": colorscale,
                "showscale": True,
                "colorbar": {"title": {"text": html.escape(label)}, "thickness": 12},
                "line": {
                    "color": [HIGHLIGHT_COLOR if o else "white" for o in outline],
                    "width": [3 if o else 0.5 for o in outline],
                },
            },
            text_color=label_colors,
            name=html.escape(label),
        )
    )
    if missing:
        fig.add_trace(
            tiles(
                missing,
                marker={"color": MISSING_COLOR, "line": {"color": "white", "width": 0.5}},
                text_color=MISSING_TEXT_COLOR,
                name="no data",
            )
        )
    fig.update_xaxes(visible=False, range=[-0.7, 10.7])
    fig.update_yaxes(visible=False, range=[-7.7, 0.7], scaleanchor="x")
    return house_layout(fig, title=title, height=460)


def state_hover(
    row: Mapping[str, object] | None,
    code: str,
    *,
    value: str,
    label: str,
    hover: Mapping[str, str] | None,
    value_format: str,
    value_prefix: str,
) -> str:
    """Hover text of one state on a US map: its value (or "no data") and the ``hover`` columns, escaped."""
    if row is None or row.get(value) is None:
        return f"<b>{code}</b><br>{html.escape(label)}: no data"
    lines = [f"<b>{code}</b>", f"{html.escape(label)}: {value_prefix}{row[value]:{value_format}}"]
    lines += [f"{html.escape(lab)}: {html.escape(_hover_value(row.get(col)))}" for col, lab in (hover or {}).items()]
    return "<br>".join(lines)


def _hover_value(value: object) -> str:
    # an index of 110.5263157894737 reads as 110.5; whole numbers get thousands separators
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TABLE = _env.from_string(
    """<table class="bm-table">
<thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell, is_text in row %}<td{% if is_text %} class="text"{% endif %}>\
{% for text, href in cell %}\
{% if href %}<a href="{{ href }}">{{ text }}</a>{% else %}{{ text }}{% endif %}\
{% endfor %}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>"""
)
_NUMBER_TEXT = re.compile(r"^[\s$€\d.,%–—+\-]*$")


def _is_text(value: object) -> bool:
    """Words read from the left; numbers, also formatted ones ("1,250", "$5 – $7"), line up on the right."""
    return isinstance(value, str) and not _NUMBER_TEXT.match(value)


_URL_IN_TEXT = re.compile(r"(https?://[^\s<>\"';]+)")


def _parts(text: str) -> list[tuple[str, str | None]]:
    """A cell's text as (text, href) parts: every http(s) URL in it becomes a link named by its site, the text
    around it stays text (escaped by the template)."""
    parts: list[tuple[str, str | None]] = []
    for i, piece in enumerate(_URL_IN_TEXT.split(text)):
        if i % 2:
            url = piece.rstrip(".,)")
            parts.append((urlparse(url).netloc.removeprefix("www.") or url, url))
            if url != piece:
                parts.append((piece[len(url) :], None))
        elif piece:
            parts.append((piece, None))
    return parts or [(text, None)]


class Table:
    """A frame shown as a plain, escaped HTML table (in JupyterLab and in reports)."""

    def __init__(
        self,
        frame: pl.DataFrame,
        *,
        labels: Mapping[str, str] | None = None,
        formats: Mapping[str, str] | None = None,
        max_rows: int = 60,
    ) -> None:
        self.frame = frame.head(max_rows)
        self.labels = dict(labels or {})
        self.formats = dict(formats or {})
        self.truncated = frame.height > max_rows

    def _cell(self, column: str, value: object) -> list[tuple[str, str | None]]:
        if value is None:
            return [("—", None)]
        fmt = self.formats.get(column)
        if fmt and isinstance(value, int | float):
            return [(format(value, fmt), None)]
        return _parts(str(value))

    def _repr_html_(self) -> str:
        headers = [self.labels.get(c, c) for c in self.frame.columns]
        rows = [
            [(self._cell(c, v), _is_text(v)) for c, v in zip(self.frame.columns, row, strict=True)]
            for row in self.frame.iter_rows()
        ]
        note = f"<p class='bm-note'>First {self.frame.height} rows shown.</p>" if self.truncated else ""
        return _TABLE.render(headers=headers, rows=rows) + note

    def __repr__(self) -> str:  # plain-text fallback (e.g. a terminal)
        return repr(self.frame)
