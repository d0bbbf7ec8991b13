"""Training figures: in-person availability on the US tile map, price vs hours, treatments to break even.

Each builder takes a frame from :mod:`analysis.training` and returns a ``go.Figure``; none shows or saves.
Course and organisation names come from the catalogue, so they reach plotly through ``safe_text``.
Their sentences are in :mod:`analysis.narrate.training`.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from analysis.figures.common import house_layout, safe_text, us_tile_map

ACCENT = "#2563eb"
FORMAT_LABELS = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}
FORMAT_COLORS = {"in_person": "#2563eb", "online": "#16a34a", "hybrid": "#d97706", None: "#6b7280"}
NOT_STATED = "Not stated"


def _short(text: object, limit: int = 48) -> str:
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(
        text=html.escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 14}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def availability_map(availability: pl.DataFrame, *, highlight: str | None = None) -> go.Figure:
    """In-person courses per state (:func:`analysis.training.availability_by_state`) on the tile map.

    The hover says where the courses are, or the nearest state with one and how far its population
    centre is (2010 Census centres of population, great-circle distance). ``highlight`` outlines a state.
    """
    nearest = (
        pl.when(pl.col("in_person_courses") > 0)
        .then(pl.format("held here: {}", pl.col("in_person_cities")))
        .when(pl.col("nearest_in_person_state").is_not_null())
        .then(
            pl.format(
                "nearest state with one: {} ({} km / {} mi between population centres)",
                pl.col("nearest_in_person_state"),
                pl.col("distance_km").round(0).cast(pl.Int64),
                pl.col("distance_mi").round(0).cast(pl.Int64),
            )
        )
        .otherwise(pl.lit("no state has an in-person course with a city"))
    )
    frame = availability.with_columns(nearest.alias("_where"), pl.col("in_person_courses").cast(pl.Float64))
    return us_tile_map(
        frame,
        value="in_person_courses",
        label="In-person courses",
        title="In-person neurotoxin courses held in each state (catalogue rows that name a city)",
        hover={"_where": "Where", "online_courses": "Online courses (open everywhere)"},
        highlight=highlight,
        value_format=",.0f",
    )


def cost_vs_duration(
    courses: pl.DataFrame,
    *,
    x: str = "duration_hours",
    y: str = "list_price_usd",
    color: str = "format",
) -> go.Figure:
    """List price against contact hours, one colour per delivery format.

    Only courses that state both numbers are plotted; the title says how many of how many, because in a
    thin catalogue the missing points are the main finding.
    """
    plotted = courses.filter(pl.col(x).is_not_null() & pl.col(y).is_not_null())
    title = f"Course price vs contact hours: {plotted.height} of {courses.height} courses state both"
    fig = go.Figure()
    if plotted.is_empty():
        return house_layout(
            _empty(fig, "No course in the catalogue states both a price and its contact hours."), title=title
        )
    groups = plotted[color].unique(maintain_order=True).to_list()
    for group in sorted(groups, key=lambda g: (g is None, str(g))):
        rows = plotted.filter(pl.col(color).is_null() if group is None else pl.col(color) == group)
        names = safe_text(
            [f"{_short(o, 60)} — {_short(c, 60)}" for o, c in rows.select("organization", "course").iter_rows()]
        )
        hover = [
            f"{n}<br>${p:,.0f} for {h:g} h (${p / h:,.0f} per hour)"
            for n, p, h in zip(names, rows[y], rows[x], strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=rows[x].to_list(),
                y=rows[y].to_list(),
                mode="markers",
                name=html.escape(FORMAT_LABELS.get(group, NOT_STATED) if group is not None else NOT_STATED),
                marker={
                    "size": 12,
                    "color": FORMAT_COLORS.get(group, "#6b7280"),
                    "line": {"color": "white", "width": 1},
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_xaxes(title_text="Contact hours", rangemode="tozero")
    fig.update_yaxes(title_text="List price (USD)", tickprefix="$", rangemode="tozero")
    fig.update_layout(legend={"title": {"text": "Format"}})
    return house_layout(fig, title=title)


def break_even_chart(table: pl.DataFrame, *, title: str, value: str = "treatments_to_break_even") -> go.Figure:
    """Treatments needed to recover each priced course's fee (:func:`analysis.training.break_even_table`), fewest
    first."""
    rows = table.filter(pl.col(value).is_not_null()).sort(value, "list_price_usd")
    fig = go.Figure()
    if rows.is_empty():
        return house_layout(_empty(fig, "No course here has both a price and a break-even."), title=title)
    labels = safe_text(
        [
            f"{i}. {_short(org, 40)} (${fee:,.0f})"
            for i, (org, fee) in enumerate(rows.select("organization", "list_price_usd").iter_rows(), start=1)
        ]
    )
    courses = safe_text([_short(c, 90) for c in rows["course"]])
    hover = [
        f"{lab}<br>{course}<br>{n:,} treatments" for lab, course, n in zip(labels, courses, rows[value], strict=True)
    ]
    fig.add_trace(
        go.Bar(
            x=rows[value].to_list(),
            y=labels,
            orientation="h",
            marker_color=ACCENT,
            text=[f"{n:,}" for n in rows[value]],
            textposition="outside",
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Treatments to recover the course fee", rangemode="tozero")
    return house_layout(fig, title=title, height=max(300, 90 + 34 * rows.height))


# --- table views -------------------------------------------------------------------------------

OPTION_LABELS = {
    "organization": "Organisation",
    "course": "Course",
    "format": "Format",
    "where": "Where",
    "hands_on": "Live models",
    "list_price_usd": "Price (USD)",
    "price_per_hour_usd": "USD per hour",
    "eligibility": "Eligibility",
    "caveat": "Caveat in this state",
    "reliability": "Source reliability",
}
SUMMARY_LABELS = {
    "format": "Format",
    "hands_on": "Live models",
    "courses": "Courses",
    "priced": "With a price",
    "median_price_usd": "Median price (USD)",
    "min_price_usd": "Lowest (USD)",
    "max_price_usd": "Highest (USD)",
    "with_hours": "With hours",
    "median_price_per_hour_usd": "Median USD per hour",
}
MONEY_FORMATS = {
    c: ",.0f"
    for c in (
        "list_price_usd",
        "price_per_hour_usd",
        "median_price_usd",
        "min_price_usd",
        "max_price_usd",
        "median_price_per_hour_usd",
    )
}


def summary_view(summary: pl.DataFrame) -> pl.DataFrame:
    """A :func:`analysis.training.cost_summary` table with readable format names."""
    if "format" not in summary.columns:
        return summary
    return summary.with_columns(
        pl.col("format").replace_strict(FORMAT_LABELS, default=NOT_STATED, return_dtype=pl.String)
    )


def options_view(options: pl.DataFrame) -> pl.DataFrame:
    """The options table: listed eligibility first, then held in the state, online, priced; readable columns.
    A caveat that is the same on every row is said once above the table (the answer box), not on each row."""
    order = [c for c in OPTION_LABELS if c in options.columns]
    if "caveat" in order and options["caveat"].n_unique() <= 1:
        order.remove("caveat")
    return (
        options.with_columns(
            pl.when(pl.col("course").str.len_chars() > 90)
            .then(pl.col("course").str.slice(0, 89) + "…")
            .otherwise(pl.col("course"))
            .alias("course"),
            pl.when(pl.col("hands_on"))
            .then(pl.lit("yes"))
            .when(~pl.col("hands_on"))
            .then(pl.lit("no"))
            .alias("hands_on"),
            pl.col("format").replace_strict(FORMAT_LABELS, default=NOT_STATED, return_dtype=pl.String),
        )
        .sort(
            pl.col("eligibility") != "listed",
            ~pl.col("in_state"),
            pl.col("where") != "online",
            pl.col("list_price_usd").is_null(),
            "organization",
        )
        .select(order)
    )


TRAINING_MARKET_LABELS = {
    "state": "State",
    "name": "Name",
    "eligible_pool": "Eligible people",
    "in_person_courses": "In-person courses",
    "people_per_course": "People per course",
    "trainees_per_year": "Trainees a year (assumed uptake)",
    "nearest_in_person_state": "Nearest course state",
    "distance_km": "Distance (km)",
}
TRAINING_MARKET_FORMATS = {
    "eligible_pool": ",.0f",
    "people_per_course": ",.0f",
    "trainees_per_year": ",.0f",
    "distance_km": ",.0f",
}
