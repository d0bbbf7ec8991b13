"""Training figures: in-person availability on the US tile map, price vs hours, treatments to break even.

Each builder takes a frame from :mod:`analysis.training` and returns a ``go.Figure``; none shows or saves.
Course and organisation names come from the catalogue, so they reach plotly through ``safe_text``.
The narration helpers at the end turn the same frames into Markdown sentences for the notebook, with
data text escaped (:func:`md_text`) and every ``$`` escaped so that Jupyter's MathJax leaves it alone.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go
import polars as pl

from analysis import training
from analysis.figures.common import house_layout, safe_text, us_tile_map
from analysis.schemas import SUPERVISION_TEXT

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
    """Treatments needed to recover each priced course's fee (:func:`analysis.training.break_even_table`), fewest first."""
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


# --- narration: Markdown sentences built from the frames --------------------------------------------
# Jupyter renders Markdown with MathJax, so every "$" is escaped; data text is also HTML-escaped.

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$#])")
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


def md_text(value: object) -> str:
    """Data text made safe for a Markdown output: Markdown/MathJax characters backslash-escaped, HTML escaped."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value)), quote=False)


def md_usd(value: float | None, *, decimals: int = 0) -> str:
    """``\\$1,500`` (escaped for MathJax), or ``unknown``."""
    return "unknown" if value is None else f"\\${value:,.{decimals}f}"


def _lower_first(text: str) -> str:
    """``Registered nurse`` → ``registered nurse``; acronyms (``LPN``) keep their case."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def plural(label: str, *, lower: bool = False) -> str:
    """``Physician (MD/DO)`` → ``Physicians (MD/DO)``; ``lower`` for use inside a sentence."""
    match = re.match(r"^(.*?)(\s*\(.*\))?$", label)
    text = f"{match[1]}s{match[2] or ''}"
    return _lower_first(text) if lower else text


def _a(word: str) -> str:
    acronym = word[1:2].isupper()  # read letter by letter: "an LPN", "an MD"
    vowel_sound = word[:1] in "AEFHILMNORSX" if acronym else word[:1].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {word}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def availability_markdown(courses: pl.DataFrame, availability: pl.DataFrame, *, state: str) -> str:
    """Where in-person courses are held, for ``state`` (or the whole US), in two or three sentences."""
    online = availability["online_courses"][0] if availability.height else 0
    no_city = courses.filter(pl.col("format").is_in(["in_person", "hybrid"])).height - training.count_in_person(
        courses.filter(pl.col("format").is_in(["in_person", "hybrid"]))
    )
    tail = (
        f" {_plural(online, 'online course')} can be taken from any state; "
        f"{_plural(no_city, 'in-person or hybrid course')} in the catalogue do not name their cities and are not on the map."
    )
    if state == "US":
        held = availability.filter(pl.col("in_person_courses") > 0)
        places = ", ".join(f"{s} ({n})" for s, n in held.select("state", "in_person_courses").iter_rows())
        return (
            f"Of the catalogue's {courses.height} course offerings, {training.count_in_person(courses)} name a US city "
            f"for their in-person sessions, in {_plural(held.height, 'state')}: {md_text(places)}." + tail
        )
    row = availability.filter(pl.col("state") == state).row(0, named=True)
    name = md_text(row["name"])
    if row["in_person_courses"] > 0:
        lead = (
            f"**{name}** has {_plural(row['in_person_courses'], 'in-person course')} in the catalogue "
            f"(in {md_text(row['in_person_cities'])})."
        )
    elif row["nearest_in_person_state"] is None:
        lead = f"**{name}** has no in-person course with a named city, and neither has any other state."
    else:
        lead = (
            f"**{name}** has no in-person course with a named city in the catalogue. The nearest state with one is "
            f"**{md_text(row['nearest_in_person_state'])}**, about {row['distance_km']:,.0f} km ({row['distance_mi']:,.0f} mi) "
            "away, measured between the two states' 2010 Census centres of population: a rough guide to the trip, "
            "not the distance to a venue."
        )
    return lead + tail


def cost_markdown(costs: pl.DataFrame) -> str:
    """How much of the catalogue has a price, hours and CME credits, and the price range."""
    n = costs.height
    priced = costs.filter(pl.col("list_price_usd").is_not_null())
    hours = costs["price_per_hour_usd"].count()
    cme = costs["cme_credits"].count()
    per_credit = costs["price_per_cme_credit_usd"].count()
    per_credit_text = "unknown for every course" if per_credit == 0 else f"known for {_plural(per_credit, 'course')}"
    if priced.is_empty():
        return f"None of the {n} courses states a list price, so nothing here can be compared on cost."
    return (
        f"{priced.height} of {n} courses state a list price, from {md_usd(priced['list_price_usd'].min())} "
        f"to {md_usd(priced['list_price_usd'].max())}; {hours} also state their contact hours "
        f"(so a price per hour is known for {_plural(hours, 'course')}), and {cme} state CME credits, "
        f"of which {per_credit} also have a price: the price per CME credit is "
        f"{per_credit_text}. "
        "The prices lean towards small providers whose web pages show them; treat the comparison as anecdotal."
    )


def rule_markdown(rule: dict | None, *, rules: pl.DataFrame, state: str, profession: str, label: str) -> str:
    """What the state rules say about ``profession`` injecting in ``state`` (or across states for ``US``)."""
    who = md_text(label)
    if state == "US":
        counts = training.practice_by_state(rules, profession)
        parts = [
            f"**{r['may_inject']}** in {r['states']} ({md_text(r['codes'])})" for r in counts.iter_rows(named=True)
        ]
        lead = (
            f"May {_a(_lower_first(who))} inject cosmetic neurotoxins? The state rules say: " + "; ".join(parts) + "."
        )
        if not training.can_practise(rules, state, profession):
            lead = f"**{plural(who)} may not inject cosmetic neurotoxins in any state** in the rules table. " + lead
        return lead + " Pick a state to see the rule, its conditions and its sources."
    if rule is None:
        return f"The state rules have no entry for {_a(_lower_first(who))} in {md_text(state)}: **unknown rule** — check the state board before enrolling."
    verdict = {
        "yes": f"{plural(who)} **may inject** cosmetic neurotoxins in {state}",
        "conditional": f"{plural(who)} **may inject in {state} only under conditions**",
        "no": f"**{plural(who)} may not inject cosmetic neurotoxins in {state}**",
    }.get(rule["may_inject"], f"Whether {plural(who, lower=True)} may inject in {state} is **unknown**")
    supervision = md_text(SUPERVISION_TEXT.get(rule["supervision"], rule["supervision"]))
    text = f"{verdict} (supervision: {supervision}). Notes: {md_text(rule['notes'])}. Sources: {md_text(rule['source'])} (as of {md_text(rule['as_of'])}; reliability {md_text(rule.get('reliability'))})."
    if rule["may_inject"] == "no":
        text += f" The courses below may admit {_a(_lower_first(who))}, but completing one does not make injecting legal here."
    return text


def summary_view(summary: pl.DataFrame) -> pl.DataFrame:
    """A :func:`analysis.training.cost_summary` table with readable format names."""
    if "format" not in summary.columns:
        return summary
    return summary.with_columns(
        pl.col("format").replace_strict(FORMAT_LABELS, default=NOT_STATED, return_dtype=pl.String)
    )


def options_view(options: pl.DataFrame) -> pl.DataFrame:
    """The options table: listed eligibility first, then held in the state, online, priced; readable columns."""
    order = [c for c in OPTION_LABELS if c in options.columns]
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


def break_even_markdown(
    result: dict,
    *,
    price: dict,
    cost: dict,
    units: dict,
    bounds: tuple[int | None, int | None],
    n_priced: int,
    n_options: int,
) -> str:
    """The headline break-even with every input stated (:func:`analysis.training.break_even`)."""
    scope = "the United States" if price["scope"] == "US" else price["scope"]
    fallback = (
        f" ({md_text(price['state_n'])} Botox quotes in the state were too few, so the national median is used)"
        if price["fallback"]
        else ""
    )
    inputs = (
        f"- course fee: {md_usd(result['course_fee_usd'])}, the median of the {n_priced} priced courses among {n_options} options\n"
        f"- price per unit: {md_usd(result['price_per_unit_usd'], decimals=2)}, the median Botox Cosmetic price per unit in {scope} "
        f"(n = {price['n']:,}; 95% CI {md_usd(price['ci_low_usd'], decimals=2)}–{md_usd(price['ci_high_usd'], decimals=2)}){fallback}\n"
        f"- product cost per unit: {md_usd(result['cost_per_unit_usd'], decimals=2)}, the median of {cost['n_sources']} cited purchase prices "
        f"(range {md_usd(cost['low_usd'], decimals=2)}–{md_usd(cost['high_usd'], decimals=2)}; data/reference/product_costs.csv)\n"
        f"- units per treatment: {units['units']:g}, {md_text(units['label']).lower()} ({md_text(units['basis'])} dose)\n"
    )
    if result["treatments"] is None:
        return f"**No break-even**: {md_text(result['note'])}.\n\n" + inputs
    low, high = bounds
    spread = f" ({low}–{high} across the cited cost range)" if None not in (low, high) and low != high else ""
    return (
        f"**About {result['treatments']:,} treatments**{spread} recover the median course fee: each treatment leaves "
        f"{md_usd(result['margin_per_treatment_usd'])} after product. Before the injector's time, rent, supervision fees "
        "and product wasted in opened vials — so the real number is higher.\n\n" + inputs
    )
