"""Sentences of the training report: where courses are held, what they cost, the state's rule for the
profession, and the break-even — built from :mod:`analysis.training`'s frames; Markdown, data escaped."""

from __future__ import annotations

import polars as pl

from analysis import training
from analysis.narrate.text import a_or_an, citations, count_of, lower_first, md, plural, usd
from analysis.schemas import SUPERVISION_TEXT


def availability_markdown(courses: pl.DataFrame, availability: pl.DataFrame, *, state: str) -> str:
    """Where in-person courses are held, for ``state`` (or the whole US), in two or three sentences."""
    online = availability["online_courses"][0] if availability.height else 0
    no_city = courses.filter(pl.col("format").is_in(["in_person", "hybrid"])).height - training.count_in_person(
        courses.filter(pl.col("format").is_in(["in_person", "hybrid"]))
    )
    tail = (
        f" {count_of(online, 'online course')} can be taken from any state; "
        f"{count_of(no_city, 'in-person or hybrid course')} in the catalogue do not name their cities "
        "and are not on the map."
    )
    if state == "US":
        held = availability.filter(pl.col("in_person_courses") > 0)
        places = ", ".join(f"{s} ({n})" for s, n in held.select("state", "in_person_courses").iter_rows())
        return (
            f"Of the catalogue's {courses.height} course offerings, {training.count_in_person(courses)} name a US city "
            f"for their in-person sessions, in {count_of(held.height, 'state')}: {md(places)}." + tail
        )
    row = availability.filter(pl.col("state") == state).row(0, named=True)
    name = md(row["name"])
    if row["in_person_courses"] > 0:
        lead = (
            f"**{name}** has {count_of(row['in_person_courses'], 'in-person course')} in the catalogue "
            f"(in {md(row['in_person_cities'])})."
        )
    elif row["nearest_in_person_state"] is None:
        lead = f"**{name}** has no in-person course with a named city, and neither has any other state."
    else:
        lead = (
            f"**{name}** has no in-person course with a named city in the catalogue. The nearest state with one is "
            f"**{md(row['nearest_in_person_state'])}**, "
            f"about {row['distance_km']:,.0f} km ({row['distance_mi']:,.0f} mi) "
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
    per_credit_text = "unknown for every course" if per_credit == 0 else f"known for {count_of(per_credit, 'course')}"
    if priced.is_empty():
        return f"None of the {n} courses states a list price, so nothing here can be compared on cost."
    return (
        f"{priced.height} of {n} courses state a list price, "
        f"from {usd(priced['list_price_usd'].min(), decimals=0, missing='unknown')} "
        f"to {usd(priced['list_price_usd'].max(), decimals=0, missing='unknown')}; "
        f"{hours} also state their contact hours "
        f"(so a price per hour is known for {count_of(hours, 'course')}), and {cme} state CME credits, "
        f"of which {per_credit} also have a price: the price per CME credit is "
        f"{per_credit_text}. "
        "The prices lean towards small providers whose web pages show them; treat the comparison as anecdotal."
    )


def _verdict(rule: dict, *, who: str, state: str) -> str:
    return {
        "yes": f"{plural(who)} **may inject** cosmetic neurotoxins in {state}",
        "conditional": f"{plural(who)} **may inject in {state} only under conditions**",
        "no": f"**{plural(who)} may not inject cosmetic neurotoxins in {state}**",
    }.get(rule["may_inject"], f"Whether {plural(who, lower=True)} may inject in {state} is **unknown**")


def rule_line(rule: dict | None, *, state: str, label: str) -> str:
    """The profession's rule in one line (the answer box); the full rule with its notes and sources follows below.
    The caveat that a course may admit someone the state does not let inject is said here, once."""
    who = md(label)
    if state == "US":
        return "Whether you may inject depends on the state: pick a state's report for its rule."
    if rule is None:
        return f"The state rules have no entry for {a_or_an(lower_first(who))} here: check the state board first."
    supervision = md(SUPERVISION_TEXT.get(rule["supervision"], rule["supervision"]))
    line = f"{_verdict(rule, who=who, state=state)} (supervision: {supervision})."
    if rule["may_inject"] in ("no", "unknown"):
        line += " A course may still admit you, but completing one does not make injecting legal here."
    return line


def rule_markdown(rule: dict | None, *, rules: pl.DataFrame, state: str, profession: str, label: str) -> str:
    """What the state rules say about ``profession`` injecting in ``state`` (or across states for ``US``)."""
    who = md(label)
    if state == "US":
        counts = training.practice_by_state(rules, profession)
        parts = [f"**{r['may_inject']}** in {r['states']} ({md(r['codes'])})" for r in counts.iter_rows(named=True)]
        lead = (
            f"May {a_or_an(lower_first(who))} inject cosmetic neurotoxins? The state rules say: "
            + "; ".join(parts)
            + "."
        )
        if not training.can_practise(rules, state, profession):
            lead = f"**{plural(who)} may not inject cosmetic neurotoxins in any state** in the rules table. " + lead
        return lead + " Pick a state to see the rule, its conditions and its sources."
    if rule is None:
        return (
            f"The state rules have no entry for {a_or_an(lower_first(who))} in {md(state)}: **unknown rule** — "
            "check the state board before enrolling."
        )
    verdict = _verdict(rule, who=who, state=state)
    supervision = md(SUPERVISION_TEXT.get(rule["supervision"], rule["supervision"]))
    text = (
        f"{verdict} (supervision: {supervision}). Notes: {md(rule['notes'])}. Sources: {citations(rule['source'])} "
        f"(as of {md(rule['as_of'])}; reliability {md(rule.get('reliability'))})."
    )
    if rule["may_inject"] == "no":
        text += (
            f" The courses below may admit {a_or_an(lower_first(who))}, "
            "but completing one does not make injecting legal here."
        )
    return text


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
        f" ({md(price['state_n'])} Botox quotes in the state were too few, so the national median is used)"
        if price["fallback"]
        else ""
    )
    inputs = (
        f"- course fee: {usd(result['course_fee_usd'], decimals=0, missing='unknown')}, "
        f"the median of the {n_priced} priced courses among {n_options} options\n"
        f"- price per unit: {usd(result['price_per_unit_usd'])}, the median Botox Cosmetic price per unit in {scope} "
        "at regular prices "
        f"(n = {price['n']:,}; 95% CI {usd(price['ci_low_usd'])}–{usd(price['ci_high_usd'])}){fallback}\n"
        f"- product cost per unit: {usd(result['cost_per_unit_usd'])}, "
        f"the median of {cost['n_sources']} cited purchase prices "
        f"(range {usd(cost['low_usd'])}–{usd(cost['high_usd'])}; data/reference/product_costs.csv)\n"
        f"- units per treatment: {units['units']:g}, {md(units['label']).lower()} ({md(units['basis'])} dose)\n"
    )
    if result["treatments"] is None:
        return f"**No break-even**: {md(result['note'])}.\n\n" + inputs
    low, high = bounds
    spread = f" ({low}–{high} across the cited cost range)" if None not in (low, high) and low != high else ""
    return (
        f"**About {result['treatments']:,} treatments**{spread} recover the median course fee: each treatment leaves "
        f"{usd(result['margin_per_treatment_usd'], decimals=0, missing='unknown')} after product. "
        "Before the injector's time, rent, supervision fees "
        "and product wasted in opened vials — so the real number is higher.\n\n" + inputs
    )


def profession_heading(label: str, state_label: str) -> str:
    """``### Registered nurse: Texas``."""
    return f"### {md(label)}: {md(state_label)}"


def options_count(options: pl.DataFrame) -> str:
    """How many offerings list the profession and how many do not say who may enrol."""
    listed = options.filter(pl.col("eligibility") == "listed").height
    return (
        f"{options.height} course offerings are open or may be open to this profession: {listed} list it, "
        f"{options.height - listed} do not say who may enrol."
    )


def may_not_practise(label: str, state: str) -> str:
    """The warning above the course table when the state rules out the profession."""
    return (
        f"{md(plural(label))} may not inject cosmetic neurotoxins in {md(state)}: these courses can be taken, "
        "but not used to practise here."
    )


def no_break_even(label: str, state: str) -> str:
    """Instead of a break-even, for a profession that may not inject in the state."""
    return (
        f"No break-even for {md(plural(label, lower=True))} in {md(state)}: they may not inject here, "
        "so no treatment would repay a course fee."
    )


def no_priced_course() -> str:
    return "No course open to this profession states a price, so there is no break-even to chart."


def past_courses(past: pl.DataFrame) -> str:
    """The line above the table of past courses (history, not options)."""
    if past.is_empty():
        return "No course in the catalogue is known to be past."
    return (
        f"{count_of(past.height, 'course')} in the catalogue {'is' if past.height == 1 else 'are'} past (a meeting "
        "that has taken place, an expired CE activity, a withdrawn offer). They are listed here as history and "
        "left out of every count, map, option and break-even above."
    )


def best_courses_answer(best: pl.DataFrame, *, label: str, state_label: str, rule_line: str, n_options: int) -> str:
    """The training report's answer box: the profession's rule here in one line, then the best-fitting courses."""
    lines = [f"**Training for {md(plural(label, lower=True))} in {md(state_label)}**", "", rule_line, ""]
    if best.is_empty():
        lines.append("No current course in the catalogue lists this profession or leaves enrolment open.")
        return "\n".join(lines)
    lines.append(
        f"The {best.height} of {n_options:,} current options to look at first (in person and nearest first, then "
        "live-model practice, a stated price, and the profession named by the provider):"
    )
    lines.append("")
    for r in best.iter_rows(named=True):
        where = md(r.get("where") or "place not stated")
        distance = r.get("distance_km")
        away = "" if distance is None or distance == 0 else f", about {distance / 1.609344:,.0f} mi away"
        hands = {True: "practice on live models", False: "no live models"}.get(
            r.get("hands_on"), "live models not stated"
        )
        price = usd(r.get("list_price_usd"), decimals=0, missing="price not stated")
        enrol = "" if r.get("eligibility") == "listed" else " · enrolment for this profession not stated: ask first"
        lines.append(f"- **{md(r['organization'])}**, {md(r['course'])}: {where}{away}; {hands}; {price}{enrol}")
    lines += ["", "The full table of options is below."]
    return "\n".join(lines)


def training_market_text(ranked: pl.DataFrame, *, state: str, uptake: float) -> str:
    """For a training company: the state's (or the top states') eligible pool per current in-person course and the
    trainees a stated uptake implies; the uptake is an assumption and is said to be one."""
    assumption = (
        f"Trainees a year assume that {uptake:.0%} of the eligible people take an injection course each year — an "
        "**assumption** (no published rate was found), so scale it as you see fit. Courses are the catalogue's "
        "current in-person courses with a named city, so the count of courses is a floor."
    )
    if state == "US":
        none = ranked.filter(pl.col("in_person_courses").fill_null(0) == 0)
        top = ", ".join(f"{md(r['name'])} ({r['eligible_pool']:,.0f})" for r in none.head(5).iter_rows(named=True))
        return (
            f"**{none.height} states have no current in-person course** in the catalogue; the largest eligible pools "
            f"among them: {top}. {assumption}"
        )
    rows = ranked.with_row_index("rank", offset=1).filter(pl.col("state") == state)
    if rows.is_empty():
        return f"The eligible pool of {md(state)} is unknown (no counts), so it is not ranked. {assumption}"
    r = rows.row(0, named=True)
    if not r["in_person_courses"]:
        where = f"no current in-person course is held here (nearest: {md(r['nearest_in_person_state'] or 'none')})"
    else:
        where = (
            f"{r['in_person_courses']:,} current in-person course(s) held here, "
            f"{r['people_per_course']:,.0f} eligible people per course"
        )
    return (
        f"**{r['eligible_pool']:,.0f} people** here may inject (the eligible pool); {where}; about "
        f"{r['trainees_per_year']:,.0f} trainees a year. Rank {r['rank']} of {ranked.height} for a training company "
        f"(states without a course first, then most people per course). {assumption}"
    )
