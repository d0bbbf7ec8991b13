"""Provider figures: the eligibility matrix, the eligible pool on the US map, one state's breakdown.

Also the small escaped HTML/Markdown pieces the providers notebook shows (the synthetic-data banner,
the list of sources), so that the notebook's cells stay short. Builders return a figure or a string
and never display anything.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from analysis.figures.common import HIGHLIGHT_COLOR, Table, house_layout, safe_text, us_tile_map
from analysis.providers import RULE_CLASSES
from analysis.schemas import PROVIDER_TYPE_LABELS, PROVIDER_TYPES

# may_inject → (colour, cell mark, legend label); the mark keeps the matrix readable without colour.
# Every value of analysis.schemas.MAY_INJECT has a style (tests/test_providers.py checks it).
MAY_INJECT_STYLE: dict[str, tuple[str, str, str]] = {
    "yes": ("#1d4ed8", "Y", "yes"),
    "conditional": ("#93c5fd", "C", "conditional"),
    "no": ("#fca5a5", "–", "no"),
    "unknown": ("#e5e7eb", "?", "unknown (no usable source)"),
}
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "independent": ("#1d4ed8", "Independent"),
    "supervised": ("#60a5fa", "Supervised / delegated"),
    "conditional": ("#bfdbfe", "Conditional (not in pool)"),
    "unknown_rule": ("#9ca3af", "Rule unknown (not in pool)"),
    "not_allowed": ("#fecaca", "Not allowed"),
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")  # < > & are left to html.escape


def md_escape(text: object) -> str:
    """Data text made safe for Markdown: Markdown punctuation backslash-escaped, then HTML-escaped."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text)), quote=False)


def _wrap(text: str | None, width: int = 80) -> str:
    """Escaped text with ``<br>`` every ~``width`` characters (plotly hover labels do not wrap)."""
    if not text:
        return ""
    return "<br>".join(html.escape(line, quote=True) for line in textwrap.wrap(text, width))


def eligibility_heatmap(
    matrix: pl.DataFrame, *, highlight: str | None = None, title: str = "Who may inject, by state and provider type"
) -> go.Figure:
    """States × provider types coloured by ``may_inject`` (yes / conditional / no / unknown), with a legend.

    Parameters
    ----------
    matrix
        The output of :func:`analysis.providers.eligibility_matrix`: ``state, provider_type,
        may_inject, supervision``, optionally ``may_purchase, notes, reliability``.
    highlight
        A state code to outline (the report's own state).

    Hover shows the rule, the supervision, who may buy, the source strength and the note, escaped.
    Long because it is one figure spec read top to bottom: a trace per rule value (so the legend works),
    the cell marks, the highlighted state's outline and the axes.
    """
    states = sorted(matrix["state"].unique().to_list())
    present = set(matrix["provider_type"].unique().to_list())
    types = [t for t in PROVIDER_TYPES if t in present] + sorted(present - set(PROVIDER_TYPES))
    cells = {(r["state"], r["provider_type"]): r for r in matrix.iter_rows(named=True)}
    categories = list(MAY_INJECT_STYLE)  # yes, conditional, no, unknown: the legend's order too
    code = {v: i for i, v in enumerate(categories)}
    z, text, custom = [], [], []
    for t in types:
        z_row, t_row, c_row = [], [], []
        for s in states:
            r = cells.get((s, t), {})
            may = r.get("may_inject") or "unknown"
            z_row.append(code.get(may, code["unknown"]))
            t_row.append(MAY_INJECT_STYLE.get(may, MAY_INJECT_STYLE["unknown"])[1])
            c_row.append(
                [
                    *safe_text(
                        [
                            may,
                            (r.get("supervision") or "unknown").replace("_", " "),
                            r.get("may_purchase") or "unknown",
                            r.get("reliability") or "—",
                        ]
                    ),
                    _wrap(r.get("notes")) or "no note",
                ]
            )
        z.append(z_row)
        text.append(t_row)
        custom.append(c_row)
    n = len(categories)
    colorscale = []
    for i, v in enumerate(categories):
        colorscale += [[i / n, MAY_INJECT_STYLE[v][0]], [(i + 1) / n, MAY_INJECT_STYLE[v][0]]]
    y_labels = safe_text([PROVIDER_TYPE_LABELS.get(t, t) for t in types])
    x_labels = safe_text(states)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=y_labels,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=custom,
            colorscale=colorscale,
            zmin=-0.5,
            zmax=n - 0.5,
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate=(
                "<b>%{x} · %{y}</b><br>May inject: %{customdata[0]}<br>Supervision: %{customdata[1]}"
                "<br>May buy: %{customdata[2]}<br>Source strength: %{customdata[3]}<br>%{customdata[4]}<extra></extra>"
            ),
        )
    )
    for v in categories:  # legend entries: the heatmap itself has no legend for categories
        colour, mark, label = MAY_INJECT_STYLE[v]
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=html.escape(f"{mark} {label}"),
                marker={"symbol": "square", "size": 12, "color": colour, "line": {"color": "#9ca3af", "width": 1}},
                showlegend=True,
                hoverinfo="skip",
            )
        )
    if highlight in states:
        i = states.index(highlight)
        fig.add_shape(
            type="rect",
            x0=i - 0.5,
            x1=i + 0.5,
            y0=-0.5,
            y1=len(types) - 0.5,
            line={"color": HIGHLIGHT_COLOR, "width": 2},
        )
    fig.update_xaxes(tickfont={"size": 10}, tickangle=-90, showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig = house_layout(fig, title=title, height=440)
    fig.update_layout(legend={"orientation": "h", "y": -0.18, "x": 0}, margin={"l": 150, "b": 90})
    return fig


def _list_text(values: Sequence[str] | None, *, empty: str = "none") -> str:
    if not values:
        return empty
    return ", ".join(PROVIDER_TYPE_LABELS.get(v, v) for v in values)


def pool_map(
    pool: pl.DataFrame, *, highlight: str | None = None, title: str = "Eligible injectors per 100,000 residents"
) -> go.Figure:
    """The eligible pool per 100k residents on the US tile map; states whose pool is unknown are grey.

    Parameters
    ----------
    pool
        The output of :func:`analysis.providers.eligible_pool`.
    highlight
        A state code to outline.

    Hover shows the pool, its split, the people under unknown rules and the eligible types with no
    count (the pool is then a lower bound).
    """

    def fmt(v: float | None) -> str:
        return "unknown" if v is None else f"{v:,.0f}"

    rows = [
        {
            "state": r["state"],
            "eligible_pool_per_100k": r["eligible_pool_per_100k"],
            "__pool": fmt(r["eligible_pool"]),
            **{f"__{c}": fmt(r[f"{c}_per_100k"]) for c in ("independent", "supervised", "conditional")},
            "__unknown": fmt(r["unknown_rule"]),
            "__unknown_types": _list_text(r["unknown_rule_types"]),
            "__uncounted": _list_text(r["uncounted_eligible_types"]),
        }
        for r in pool.iter_rows(named=True)
    ]
    frame = (
        pl.DataFrame(rows, schema_overrides={"eligible_pool_per_100k": pl.Float64})
        if rows
        else pl.DataFrame(schema={"state": pl.String, "eligible_pool_per_100k": pl.Float64})
    )
    return us_tile_map(
        frame,
        value="eligible_pool_per_100k",
        label="Eligible injectors per 100k",
        title=title,
        hover={
            "__pool": "Eligible injectors (counted)",
            "__independent": "independent per 100k",
            "__supervised": "supervised per 100k",
            "__conditional": "conditional per 100k (not in the pool)",
            "__unknown": "people under unknown rules (not counted)",
            "__unknown_types": "types with unknown rules",
            "__uncounted": "eligible types with no count (pool is a lower bound)",
        },
        highlight=highlight,
        value_format=",.1f",
    )


def state_breakdown(shares: pl.DataFrame, *, title: str) -> go.Figure:
    """People per provider type, stacked by rule class; types with no count are labelled, not drawn as 0.

    Parameters
    ----------
    shares
        The output of :func:`analysis.providers.pool_shares`.
    """
    rows = shares.to_dicts()
    names = safe_text([r["label"] + ("" if r["counted"] else " — no count (unknown)") for r in rows])
    fig = go.Figure()
    for cls in RULE_CLASSES:
        colour, label = CLASS_STYLE[cls]
        values = [r[cls] if r["counted"] else None for r in rows]
        if not any(values):
            continue
        share = [
            f"{r['share_of_pool']:.1%} of the counted pool"
            if r["share_of_pool"] is not None and cls in ("independent", "supervised", "conditional") and r[cls]
            else ""
            for r in rows
        ]
        fig.add_trace(
            go.Bar(
                x=values,
                y=names,
                orientation="h",
                name=html.escape(label),
                marker_color=colour,
                customdata=safe_text(share),
                hovertemplate="%{y}<br>" + html.escape(label) + ": %{x:,.0f}<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2, "x": 0})
    fig.update_xaxes(title_text="People (counts as published or generated; see sources)", rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    fig = house_layout(fig, title=title, height=max(320, 120 + 34 * len(rows)))
    fig.update_layout(margin={"l": 230, "b": 110})
    return fig


def sources_html(sources: pl.DataFrame, *, column: str = "source", note: str = "") -> str:
    """A list of sources as escaped HTML; http(s) URLs become links, anything else stays text."""
    items = []
    for value in sources[column].to_list():
        if value is None:
            continue
        escaped = html.escape(str(value), quote=True)
        if re.match(r"^https?://\S+$", str(value)):
            items.append(f'<li><a href="{escaped}" rel="noopener noreferrer">{escaped}</a></li>')
        else:
            items.append(f"<li>{escaped}</li>")
    lead = f"<p>{html.escape(note)}</p>" if note else ""
    return f'{lead}<ul class="bm-sources">{"".join(items)}</ul>'


def shares_table(shares: pl.DataFrame, *, state_columns: bool = True) -> Table:
    """:func:`analysis.providers.pool_shares` as an escaped HTML table; uncounted types read "unknown (no count)".

    ``state_columns`` keeps the "states where eligible / unknown" columns (useful for the national table).
    """

    def people(value: int | None, counted: bool) -> str:
        return "unknown (no count)" if not counted or value is None else f"{value:,}"

    rows = [
        {
            "Provider type": r["label"],
            "May inject (people)": people(r["eligible"], r["counted"]),
            "Share of counted pool": "—" if r["share_of_pool"] is None else f"{r['share_of_pool']:.1%}",
            "Under unknown rules": people(r["unknown_rule"], r["counted"]),
            "Not allowed": people(r["not_allowed"], r["counted"]),
            "States where eligible": r["states_eligible"],
            "States where unknown": r["states_unknown"],
        }
        for r in shares.iter_rows(named=True)
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            k: (pl.Int64 if k.startswith("States") else pl.String) for k in (rows[0] if rows else {"Provider type": ""})
        },
    )
    if not state_columns:
        frame = frame.drop([c for c in frame.columns if c.startswith("States")])
    return Table(frame)


# --- running a practice, state by state (practice_rules.csv) -------------------------------------------------------

_SHORT = {
    "np_practice_authority": {"full": "full", "reduced": "reduced", "restricted": "restricted"},
    "nlc_status": {"member": "member", "partial": "partial", "not_member": "not a member"},
    "cpom": {"strict": "strict", "moderate": "moderate", "weak_or_none": "weak or none"},
    "gfe_telehealth": {"allowed": "allowed", "not_allowed": "in person"},
    "md_on_site": {"required": "required", "not_required": "not required"},
}
_EXAMINER = {"physician": "MD/DO", "nurse_practitioner": "NP", "physician_assistant": "PA", "registered_nurse": "RN"}
PRACTICE_RULES_LABELS = {
    "name": "State",
    "np_practice_authority": "NP authority",
    "pa_ratio": "PA ratio cap",
    "nlc_status": "Nurse compact",
    "cpom": "Corporate practice",
    "gfe_who": "Prior exam by",
    "gfe_telehealth": "Exam by telehealth",
    "md_on_site": "Physician on site",
    "grades": "Reliability (NP/PA · compact/ownership · exam · director)",
}


def practice_rules_view(rules: pl.DataFrame, states: pl.DataFrame) -> pl.DataFrame:
    """One row per state, each practice rule in a word or two ('—' where no source was found); the grades of the
    sources in the last column. The cited sources are in the state's own report and in ``practice_rules.csv``."""
    frame = rules.join(states.select("state", "name"), on="state", how="left").sort("name")
    who = (
        pl.col("gfe_who")
        .str.split(";")
        .list.eval(pl.element().replace_strict(_EXAMINER, default=pl.element()))
        .list.join(", ")
    )
    grade = [pl.col(c).fill_null("—") for c in ("np_pa_reliability", "nlc_cpom_reliability", "gfe_reliability",
                                               "md_reliability")]  # fmt: skip
    short = {c: pl.col(c).replace_strict(words, default=None) for c, words in _SHORT.items()}
    return frame.select(
        "name",
        short["np_practice_authority"],
        "pa_ratio",
        short["nlc_status"],
        short["cpom"],
        who.alias("gfe_who"),
        short["gfe_telehealth"],
        short["md_on_site"],
        pl.concat_str(grade, separator=" · ").alias("grades"),
    )
