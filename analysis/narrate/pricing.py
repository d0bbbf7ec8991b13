"""Sentences of the pricing report, built from the frames of :mod:`analysis.pricing`; Markdown, data escaped."""

from __future__ import annotations

import polars as pl

from analysis.narrate.text import md, usd
from analysis.pooling import FEW_QUOTES
from analysis.pricing import MIN_COMPARE_N, NOT_COMPARED


def describe_load(loaded: object, scope: pl.DataFrame, *, set_aside: int, state_label: str, product_label: str) -> str:
    """One paragraph: every row's fate — read, used, left out and why — and what this report covers."""
    split = loaded.n_read - loaded.n_file_rows
    text = f"**{loaded.n_file_rows:,}** price quotes read from {md(loaded.path.name)}"
    if split:
        text += f" ({loaded.n_read:,} prices: some cells priced several brands and count once per brand)"
    text += f": {loaded.n_accepted:,} could be used, {loaded.n_rejected:,} were left out"
    if loaded.n_rejected:
        reasons = "; ".join(f"{n:,} × {md(reason)}" for reason, n in loaded.reason_counts().iter_rows())
        text += f" ({reasons})"
    no_state = loaded.accepted["state"].null_count()
    if no_state:
        text += (
            f". {no_state:,} usable quote{'s name' if no_state > 1 else ' names'} no state: "
            f"{'they count' if no_state > 1 else 'it counts'} toward the national figures only"
        )
    text += f". This report covers **{md(state_label)}**, {md(product_label)}: **{scope.height:,}** quotes"
    with_unit = scope.filter(pl.col("price_per_botox_unit_usd").is_not_null())
    text += f", {with_unit.height:,} of them with a price per unit"
    if "per_unit_basis" in scope.columns and with_unit.height:
        counts = dict(with_unit["per_unit_basis"].fill_null("quoted").value_counts().iter_rows())
        parts = [
            f"{counts[key]:,} {words}"
            for key, words in (
                ("quoted", "quoted per unit"),
                ("derived", "derived from a price and its stated unit count"),
                ("inferred", "read as per unit from a bare amount of $30 or less"),
            )
            if counts.get(key)
        ]
        text += f" ({', '.join(parts)})"
    text += "."
    if set_aside:
        text += (
            f" A further {set_aside:,} promotional, member, new-patient or therapeutic (TMJ, sweating) prices are set "
            "aside: they are not what most patients pay for a cosmetic treatment."
        )
    return text


def narrate_yours_vs_published(comparison: pl.DataFrame, *, state_label: str) -> str:
    """Your prices beside the published quotes, per scope, each median with its n; no verdict below FEW_QUOTES."""
    lines = []
    for scope in comparison["scope"].unique(maintain_order=True).to_list():
        rows = {r["data"]: r for r in comparison.filter(pl.col("scope") == scope).iter_rows(named=True)}
        yours, published = rows["Your prices"], rows["Published clinic quotes"]
        where = "The US" if scope == "US" else md(state_label)
        if not yours["n"] or not published["n"]:
            missing = "your file holds" if not yours["n"] else "the published quotes hold"
            lines.append(f"- **{where}**: {missing} no price per unit here, so there is nothing to set beside.")
            continue
        line = (
            f"- **{where}**: your median {usd(yours['median'])} per Botox-equivalent unit (n = {yours['n']:,}) "
            f"against {usd(published['median'])} in the published clinic quotes (n = {published['n']:,})"
        )
        if min(yours["n"], published["n"]) < FEW_QUOTES:
            line += f"; too few quotes (under {FEW_QUOTES}) on one side to compare"
        lines.append(line + ".")
    return "\n".join(lines)


def narrate_unit_stats(stats: pl.DataFrame, *, state_label: str) -> str:
    row = stats.row(0, named=True)
    return (
        f"In {md(state_label)} the median price is **{usd(row['median'])} per Botox-equivalent unit** "
        f"(95% CI {usd(row['median_ci_low'])}–{usd(row['median_ci_high'])}, n = {row['n']:,}); "
        f"half of the quotes lie between {usd(row['q1'])} and {usd(row['q3'])}, "
        f"and 80% between {usd(row['p10'])} and {usd(row['p90'])}. The mean is {usd(row['mean'])}."
    )


def narrate_comparisons(
    comparisons: pl.DataFrame, stats: pl.DataFrame, *, by: str, labels: dict[str, str], min_n: int = MIN_COMPARE_N
) -> str:
    """Which groups of ``by`` differ, from :func:`analysis.pricing.compare_groups` (rank test, Holm over every
    comparison in the report); groups under ``min_n`` quotes are named as too few to compare, never ranked."""
    what = by.replace("_", " ")
    shown = stats.filter((pl.col("n") > 0) & ~pl.col(by).is_in(NOT_COMPARED))
    unknown = int(stats.filter(pl.col(by).is_in(NOT_COMPARED))["n"].sum())
    few = shown.filter(pl.col("n") < min_n).sort("n", descending=True)
    pairs = comparisons.filter(pl.col("grouping") == by)
    family = comparisons.height

    def name(key: str) -> str:
        return md(labels.get(key, key))

    parts = []
    if pairs.is_empty():
        parts.append(
            f"Too few quotes to compare {md(what)}s: a group needs at least {min_n} per-unit quotes, and fewer than "
            "two have them here."
        )
    else:
        differ = pairs.filter(pl.col("differs"))
        method = (
            f"Each pair of {md(what)}s with at least {min_n} quotes is compared with a Mann–Whitney rank test, "
            f"Holm-corrected over the {family:,} comparison{'s' if family != 1 else ''} in this report"
        )
        if differ.is_empty():
            parts.append(f"{method}: no pair differs beyond chance (adjusted p ≥ 0.05).")
        else:
            found = "; ".join(
                f"**{name(r['a'])}** {usd(r['median_a'])} (n = {r['n_a']:,}) above **{name(r['b'])}** "
                f"{usd(r['median_b'])} (n = {r['n_b']:,}), adjusted p = {r['p_holm']:.3f}"
                for r in differ.sort("p_holm").iter_rows(named=True)
            )
            rest = pairs.height - differ.height
            tail = f"; the other {rest:,} pair{'s' if rest != 1 else ''} do not differ beyond chance" if rest else ""
            parts.append(f"{method}: {found}{tail}.")
    if few.height:
        listed = ", ".join(f"{name(k)} ({n:,})" for k, n in few.select(by, "n").iter_rows())
        parts.append(f"Too few quotes to compare (under {min_n}): {listed}.")
    if unknown:
        parts.append(f"{unknown:,} quotes without a known {md(what)} are left out of the comparison.")
    return " ".join(parts)


def narrate_index(index: pl.DataFrame, *, state: str) -> str:
    if index.is_empty():
        return "No state has per-unit prices in this data."
    ranked = index.sort("median", descending=True).with_row_index("rank", offset=1)
    text = f"{ranked.height} states have per-unit prices; the national median is {usd(ranked['national_median'][0])}."
    if state != "US":
        mine = ranked.filter(pl.col("state") == state)
        if mine.is_empty():
            return text + f" {md(state)} has no per-unit prices in this data."
        row = mine.row(0, named=True)
        text += (
            f" {md(state)} ranks **{row['rank']} of {ranked.height}** (most expensive first) "
            f"with an index of **{row['price_index']:.0f}** (n = {row['n']:,})."
        )
        if row["n"] < 30:
            text += " With fewer than 30 observations, treat the rank as rough."
    return text


def narrate_cap(cap_share: pl.DataFrame, *, cap_usd: float) -> str:
    row = cap_share.row(0, named=True) if cap_share.height else {"n_with_treatment_price": 0}
    if not row["n_with_treatment_price"]:
        return "No quote here gives a whole-treatment price, so none can be compared with the cap."
    return (
        f"Of {row['n_with_treatment_price']:,} quotes with a whole-treatment price (per area, per session, packages, "
        f"or per unit with a unit count), **{row['n_above_cap']:,} ({row['share_above_cap']:.0%}) are above the "
        f"\\${cap_usd:,.0f} cap**. They stay in every statistic above: the cap flags, it does not filter."
    )


def no_unit_prices(state_label: str) -> str:
    """The notice shown instead of the per-unit figures when a state has none."""
    return (
        f"No per-unit prices for {md(state_label)} in this data, so this section has no chart; the map below sets "
        "the states that have quotes side by side, and the US report gives the national spread."
    )


def chart_title(what: str, state_label: str) -> str:
    """A chart title naming its place (plotly titles are plain text, not Markdown)."""
    return f"{what} — {state_label}"


def narrate_pooled(pooled: pl.DataFrame, *, state: str) -> str:
    """The state's raw median beside its pooled estimate (or, for the US, how many states have quotes)."""
    with_quotes = pooled.filter(pl.col("n") > 0)
    if with_quotes.is_empty():
        return "No state has per-unit quotes, so there is nothing to pool."
    if state == "US":
        few = with_quotes.filter(pl.col("n") < FEW_QUOTES).height
        return (
            f"{with_quotes.height} of {pooled.height} states have per-unit quotes; {few} of them fewer than "
            f"{FEW_QUOTES}, "
            "so their estimates lean mostly on their division (dotted outline on the map). States without quotes "
            "stay grey: no estimate is made for them."
        )
    row = pooled.filter(pl.col("state") == state).row(0, named=True)
    name, division = md(row["name"]), md(row["division"])
    if not row["n"]:
        return (
            f"There are no per-unit quotes for {name}, so it gets no estimate: the table shows the other states of "
            f"the {division} division for reference, not as {name}'s price."
        )
    text = (
        f"{name}: raw median **{usd(row['raw_median_usd'])}** per Botox-equivalent unit from {row['n']} "
        f"quote{'s' if row['n'] != 1 else ''}; pooled estimate **{usd(row['pooled_usd'])}** (95% interval "
        f"{usd(row['pooled_low_usd'])}–{usd(row['pooled_high_usd'])})"
    )
    if row["own_weight"] < 0.005:
        return text + (
            f". The quotes show no more difference between states of one division than chance gives (the spread "
            f"between states is estimated at zero), so {name}'s estimate is its division's: the {division} "
            f"division's {row['division_n']} quotes, pulled toward the nation as far as their number warrants."
        )
    return text + (
        f", {row['own_weight']:.0%} of it from {name}'s own quotes and the rest from the {division} division "
        f"({row['division_n']} quotes) and the nation."
    )


POOLING_METHOD = (
    "**How the pooled estimate is made.** A state's few quotes are noisy, so its estimate borrows from its Census "
    "division and the nation, in proportion to how few quotes it has (empirical Bayes on the log price per "
    "Botox-equivalent unit: the spread between states and between divisions is estimated from the quotes "
    "themselves by the DerSimonian–Laird moment method; a state's own share is between-state variance / "
    "(between-state variance + within-state variance / n)). The estimate is a typical (geometric-mean) price; the "
    "95% interval leaves out the uncertainty of the variances themselves, so it is a little too narrow for the "
    "smallest states. Promotional, member, new-patient and therapeutic prices are left out; states without "
    "quotes get none."
)


def price_answer(answer: dict, *, state_label: str, pooled: dict | None = None) -> str:
    """The answer box of the pricing report: the typical band per unit, per common area and by city, with n."""
    unit, min_n = answer["unit"], answer["min_n"]
    lines = [f"**What clinics charge in {md(state_label)}**"]
    if unit["n"] >= min_n:
        basis = unit.get("basis", {})
        how = ", ".join(
            f"{basis[k]:,} {w}"
            for k, w in (("quoted", "quoted"), ("derived", "derived"), ("inferred", "inferred"))
            if basis.get(k)
        )
        lines.append(
            f"- **{usd(unit['p25'])}–{usd(unit['p75'])} per Botox-equivalent unit** (middle half of "
            f"{unit['n']:,} per-unit quotes: {how}; median {usd(unit['median'])})."
        )
    elif pooled and pooled.get("pooled_usd") is not None:
        lines.append(
            f"- Only {unit['n']:,} per-unit quote{'s' if unit['n'] != 1 else ''} here, too few for a band: the "
            f"pooled estimate is **{usd(pooled['pooled_usd'])} per Botox-equivalent unit** (95% interval "
            f"{usd(pooled['pooled_low_usd'])}–{usd(pooled['pooled_high_usd'])}), leaning on the Census division."
        )
    elif unit["n"] == 0:
        lines.append(
            "- No clinic quote here gives a price per unit, so there is no typical price for this state; the map "
            "below shows the neighbouring states."
        )
    else:
        lines.append(f"- Only {unit['n']:,} per-unit quotes here: too few to give a typical price.")
    for row in answer["areas"]:
        how = (
            f"quoted per-area prices, n = {row['n']:,}"
            if row["basis"] == "quoted"
            else f"the per-unit band × {row['units']:g} typical units"
        )
        lines.append(f"- {md(row['label'])}: **{usd(row['p25'], decimals=0)}–{usd(row['p75'], decimals=0)}** ({how}).")
    if answer["cities"]:
        cities = "; ".join(
            f"{md(c['city'])} {usd(c['p25'])}–{usd(c['p75'])} (n = {c['n']:,})" for c in answer["cities"][:6]
        )
        lines.append(f"- By city, per unit: {cities}.")
    elif unit["n"]:
        lines.append(f"- No city here has {min_n} or more per-unit quotes, so there is no band by city.")
    if answer.get("few_cities"):
        few = "; ".join(f"{md(c['city'])} median {usd(c['median'])} (n = {c['n']:,})" for c in answer["few_cities"][:8])
        more = len(answer["few_cities"]) - 8
        lines.append(
            f"- Cities with fewer than {min_n} per-unit quotes (too few for a band, shown for orientation): {few}"
            + (f"; {more:,} more" if more > 0 else "")
            + "."
        )
    if answer.get("no_city"):
        n = answer["no_city"]
        lines.append(f"- {n:,} per-unit quote{'s name' if n != 1 else ' names'} no city (the source gives none).")
    return "\n".join(lines)


def narrate_trend(by_year: pl.DataFrame, *, min_n: int = 5) -> str:
    """A trend only when the dated quotes span two years or more and two of those years have ``min_n`` quotes;
    otherwise one line that says why there is none."""
    if by_year.is_empty():
        return "None of these quotes carries a date, so there is no trend over time."
    first, last = by_year["year"].min(), by_year["year"].max()
    counts = "; ".join(f"{y}: n = {n:,}" for y, n in by_year.select("year", "n").iter_rows())
    if last - first < 2:
        return f"The dated quotes all fall in {first}–{last} ({counts}): too short a span for a trend."
    solid = by_year.filter(pl.col("n") >= min_n)
    if solid.height < 2:
        return (
            f"The dated quotes span {first}–{last} ({counts}), but fewer than two years have {min_n} or more, "
            "so no trend can be read from them."
        )
    rows = "; ".join(f"{y}: {usd(m)} (n = {n:,})" for y, n, m in solid.select("year", "n", "median").iter_rows())
    return f"Median per Botox-equivalent unit by the year quotes are dated (years with {min_n}+ quotes): {rows}."


def narrate_cities(answer: dict) -> str:
    """Cities with enough quotes for a band, from :func:`analysis.pricing.price_answer`."""
    if not answer["cities"]:
        return f"No city has {answer['min_n']} or more per-unit quotes here, so prices are not broken down by city."
    return (
        "Per-unit prices by city (middle half, n): "
        + "; ".join(f"**{md(c['city'])}** {usd(c['p25'])}–{usd(c['p75'])} (n = {c['n']:,})" for c in answer["cities"])
        + "."
    )
