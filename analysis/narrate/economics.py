"""Sentences of the practice-economics report: the answer, the month, break-even and payback, what moves the answer,
and the by-state view — built from :mod:`analysis.pnl`'s numbers; Markdown, data escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from analysis.narrate.text import cap, citations, count_of, lower_first, md, plural, site_link, usd
from analysis.schemas import SUPERVISION_TEXT


def _money(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "unknown"
    sign = "−" if value < 0 else ""
    return f"{sign}{usd(abs(value), decimals=decimals)}"


def _who(label: str) -> str:
    return md(plural(label, lower=True))


def may_not_inject(label: str, state_label: str, rule: Mapping[str, Any], allowed: list[str]) -> str:
    """Instead of a P&L: this profession may not inject here; who may, and the rule's source."""
    who = ", ".join(md(a) for a in allowed) or "no profession in the rules table"
    return (
        f"**{cap(_who(label))} may not inject cosmetic neurotoxins in {md(state_label)}**, so there is no "
        "practice to cost for them here: the rest of this report is not computed. "
        f"Who may inject here (state rules): {who}. "
        f"Source: {citations(rule.get('source'), by_site=True) or 'not recorded'}."
    )


def rule_sentence(rule: Mapping[str, Any], *, label: str, state_label: str) -> str:
    """The state rule for this profession in one sentence, with the supervision that decides the medical director."""
    who = _who(label)
    supervision = SUPERVISION_TEXT.get(rule["supervision"], rule["supervision"])
    director = {
        True: "so the practice needs a medical director (or supervising physician), and pays for one",
        False: "so no medical director's fee is counted",
        None: "whether a physician must oversee is not known, so the fee is counted to be safe",
    }[rule["medical_director"]]
    verb = {"yes": "may inject", "conditional": "may inject under conditions", "unknown": "may or may not inject"}
    return (
        f"In {md(state_label)}, {who} {verb.get(rule['may_inject'], 'may inject')} — supervision: "
        f"{md(supervision)}; {director}."
    )


_NATIONAL = " (the national median: too few quotes here)"


def answer(
    result: Mapping[str, Any],
    values: Mapping[str, float],
    *,
    label: str,
    state_label: str,
    rule_line: str,
    top: pl.DataFrame,
    visits_default: bool = False,
    price_fallback: bool = False,
    unpaid: bool = False,
) -> str:
    """The answer box: the month at the defaults, break-even, payback of a course and the input that moves it most.
    ``visits_default``: the visits are the cited default (an average med spa's), which the box then says;
    ``price_fallback``: the price is the national median (the state has too few quotes), said next to it;
    ``unpaid``: no published wage, so the injector's pay is not in the costs — said, not hidden."""
    visits = values["visits_per_month"]
    margin = result["operating_margin"]
    share = f" ({margin:.0%} of revenue)" if margin is not None else ""
    lines = [
        f"**One {md(lower_first(label))} injecting in {md(state_label)}: the month at the defaults**",
        "",
        rule_line,
        "",
        f"- **{visits:,.0f} visits** of {values['units_per_visit']:,.0f} units at "
        f"{usd(values['price_per_unit'])} a unit{_NATIONAL if price_fallback else ''} "
        f"bring **{_money(result['revenue_usd'])}**; after product, waste, "
        f"card fees and {_money(result['fixed_costs_usd'])} of fixed costs the practice keeps "
        f"**{_money(result['operating_profit_usd'])}** a month{share}.",
        f"- Each unit leaves {_money(result['unit_margin_usd'], 2)} after product, waste and fees; each visit "
        f"{_money(result['margin_per_visit_usd'])}.",
    ]
    be = result["break_even_visits"]
    lines.append(
        f"- **Break-even: {be:,} visits a month** cover the fixed costs."
        if be is not None
        else "- **No break-even**: at this price a unit does not cover its product, waste and fees."
    )
    if unpaid:
        lines.append(
            "- **The injector's pay is not in these costs**: BLS publishes no median wage for this profession here "
            "(top-coded or not released), so the profit is before paying the injector; set `injector_hourly_wage`."
        )
    if visits_default:
        lines.append(
            "- The visits are an average med spa's injectable visits (AmSpa 2022, derived), not a new practice's: "
            "a practice starting out sees fewer, so hold on to the break-even and set `visits_per_month` to yours."
        )
    payback = result["payback"]
    if payback["course_fee_usd"] is not None and payback["visits"] is not None:
        months = payback["months"]
        when = (
            ""
            if months is None
            else " — within the first month's profit"
            if months <= 1
            else f", or {months:.1f} months of this profit"
        )
        lines.append(
            f"- A {_money(payback['course_fee_usd'])} course is paid back by the margin of **{payback['visits']:,} "
            f"visits** (before fixed costs){when}."
        )
    if not top.is_empty():
        row = top.row(0, named=True)
        lines.append(
            f"- What moves the answer most: **{md(row['label'].lower())}** — from {_money(row['profit_at_low_usd'])} "
            f"to {_money(row['profit_at_high_usd'])} a month across its cited range."
        )
    lines += ["", "Every number is an input below, with its source; set your own as parameters."]
    return "\n".join(lines)


def inputs_note(inputs: pl.DataFrame) -> str:
    """Which inputs are observed, derived, assumed, left out or yours."""
    left_out = inputs.filter(pl.col("basis").str.starts_with("not "))["label"].to_list()
    yours = inputs.filter(pl.col("basis") == "your input")["label"].to_list()
    parts = [
        "Each input's value, the range the sensitivity chart uses, where it comes from and how sure it is. "
        "*Observed* figures are copied from a cited source, *derived* ones computed from cited figures; "
        "vendor figures are the weakest."
    ]
    if left_out:
        parts.append(f"Not included or not costed (no cited figure; set your own): {md(', '.join(left_out).lower())}.")
    if yours:
        parts.append(f"Set by you: {md(', '.join(yours).lower())}.")
    return " ".join(parts)


def tornado_note(table: pl.DataFrame, inputs: pl.DataFrame) -> str:
    """The line under the sensitivity chart: how it was made and which inputs it leaves out."""
    missing = inputs.filter(~pl.col("input").is_in(table["input"].to_list()))["label"].to_list()
    tail = f" Without a cited range, not in the chart: {md(', '.join(missing).lower())}." if missing else ""
    return (
        "Each bar moves one input alone from its low to its high end (the ranges in the table above) and keeps "
        "the others at their values; the widest bar is the input to pin down first." + tail
    )


def by_state_text(table: pl.DataFrame, *, label: str, state: str = "US") -> str:
    """Across states: the month where the state's own quotes give its price (ranked), and the range elsewhere,
    where only the wage and the oversight rule differ; what is left out and why; where ``state`` stands."""
    priced = table.filter(pl.col("operating_profit_usd").is_not_null())
    known_rule = priced.filter(pl.col("may_inject") != "unknown")
    if priced.is_empty():
        return (
            f"No state's month can be computed for {_who(label)}: they may not inject, or their pay or the price "
            "is not known."
        )
    own = priced.filter(~pl.col("price_fallback"))
    rest = priced.filter(pl.col("price_fallback"))
    parts = ["The same month (the inputs above) in each state, with the state's BLS wage and its oversight rule."]
    if own.height:
        best, worst = own.row(0, named=True), own.row(-1, named=True)
        parts.append(
            f"Ranked in the table: the {count_of(own.height, 'state')} with 5 or more Botox Cosmetic quotes of their "
            f"own — highest **{md(best['name'])}** ({_money(best['operating_profit_usd'])} a month), lowest "
            f"**{md(worst['name'])}** ({_money(worst['operating_profit_usd'])})."
        )
    if rest.height:
        low, high = rest["operating_profit_usd"].min(), rest["operating_profit_usd"].max()
        parts.append(
            f"In the other {count_of(rest.height, 'state')} the price is not known from local quotes; on the national "
            f"median the month comes to {_money(low)}–{_money(high)}, a spread from wages and oversight alone, "
            "not from what patients pay there."
        )
    if known_rule.height < priced.height:
        unknown = priced.filter(pl.col("may_inject") == "unknown")["name"].to_list()
        parts.append(f"Whether {_who(label)} may inject at all is unknown in: {', '.join(md(n) for n in unknown)}.")
    unpaid = table.filter(pl.col("pay_unknown"))["name"].to_list() if "pay_unknown" in table.columns else []
    if unpaid:
        parts.append(
            "Not computed where BLS publishes no wage for them (top-coded or not released): "
            f"{count_of(len(unpaid), 'state')}."
        )
    barred = table.filter(pl.col("may_inject") == "no")["name"].to_list()
    if barred:
        parts.append(f"Left out, where they may not inject: {', '.join(md(n) for n in barred)}.")
    return " ".join(parts) + _rank(own, state)


def _rank(may: pl.DataFrame, state: str) -> str:
    if state == "US":
        return ""
    ranked = may.with_row_index("rank", offset=1).filter(pl.col("state") == state)
    if ranked.is_empty():
        return ""
    row = ranked.row(0, named=True)
    return f" **{md(row['name'])}** ranks {row['rank']} of {may.height}."


_FIELD_WORDS = (
    ("gfe_who", "who performs the good-faith exam"),
    ("gfe_telehealth", "whether the exam may be by telehealth"),
    ("md_on_site", "whether the medical director must be on site"),
    ("md_chart_review", "the medical director's chart review"),
    ("cpom", "who may own a practice (corporate practice of medicine)"),
    ("np_practice_authority", "NP practice authority"),
    ("pa_ratio", "the PA ratio cap"),
    ("nlc_status", "the nurse compact"),
)


def practice_rules_overview(rules: pl.DataFrame) -> str:
    """For the US report: how many states have a cited answer for each practice rule, and the weak spots."""
    n = rules.height
    lines = [f"How many of the {n} jurisdictions have a cited answer (state reports show each state's):", ""]
    for column, words in _FIELD_WORDS:
        known = rules[column].drop_nulls().len() if column in rules.columns else 0
        lines.append(f"- {words}: {known} of {n}")
    if "gfe_reliability" in rules.columns:
        low = rules.filter(pl.col("gfe_reliability") == "low").height
        lines += [
            "",
            f"The exam answers of {low} states rest on a compliance vendor's page (low reliability); no source found "
            "states a chart-review quota for cosmetic neurotoxins. Check your state's board before relying on any "
            "of these.",
        ]
    return "\n".join(lines)


def pnl_note(values: Mapping[str, float]) -> str:
    """The line above the P&L table."""
    units = values["visits_per_month"] * values["units_per_visit"]
    return (
        f"{values['visits_per_month']:,.0f} visits × {values['units_per_visit']:,.0f} units = {units:,.0f} units "
        "injected a month. Costs are negative. Before tax, interest, depreciation, loan payments, and an owner's own "
        "pay when the owner is not the injector costed here."
    )


def national_rule_sentence(rule: Mapping[str, Any], *, label: str) -> str:
    """For the US report: in how many states the profession may inject and how many of those need oversight."""
    who = _who(label)
    if not rule["states_may_inject"]:
        return f"{cap(who)} may inject in no state with a known rule."
    counted = "counts" if rule["medical_director"] else "does not count"
    unknown = rule["states_may_inject"] - rule["states_overseen"] - rule["states_independent"]
    unstated = f" ({unknown} do not say)" if unknown else ""
    return (
        f"{cap(who)} may inject in {rule['states_may_inject']} states; {rule['states_overseen']} of them require "
        f"a physician's oversight and {rule['states_independent']} do not{unstated}, so the national month {counted} "
        "a medical director's fee. The table by state below applies each state's own rule."
    )


_URL = re.compile(r"(https?://[^\s<>\"';,)]+)")


def _linked(text: str) -> str:
    """Free text with its URLs as links named by their site, the rest escaped."""
    return "".join(site_link(part) if i % 2 else md(part) for i, part in enumerate(_URL.split(text)))


def inputs_notes(inputs: pl.DataFrame) -> str:
    """What each input's figure really measures and its caveats, one line per input that has a note."""
    lines = [f"- **{md(r['label'])}**: {_linked(r['note'])}" for r in inputs.iter_rows(named=True) if r["note"]]
    return "\n".join(["**Notes on the inputs**", "", *lines]) if lines else ""


def answer_flags(inputs: pl.DataFrame, overrides: Mapping[str, float | None], *, price_fallback: bool) -> dict:
    """What the answer box must say about its own inputs: default visits, a national price, an unpaid injector."""
    basis = dict(zip(inputs["input"].to_list(), inputs["basis"].to_list(), strict=True))
    return {
        "visits_default": overrides.get("visits_per_month") is None,
        "price_fallback": price_fallback and overrides.get("price_per_unit") is None,
        "unpaid": basis.get("injector_hourly_wage", "").startswith("not costed"),
    }


def missing_inputs(inputs: pl.DataFrame, missing: list[str]) -> str:
    """Instead of a P&L: an input has no cited default here (e.g. no Botox Cosmetic quote in a price file)."""
    labels = inputs.filter(pl.col("input").is_in(missing))["label"].to_list()
    names = ", ".join(f"`{m}`" for m in missing)
    return (
        f"**No month can be computed: no value for {md(', '.join(labels).lower())}.** The data has none here "
        f"(for the price: no regular Botox Cosmetic quote per unit in the price file). Set {names} as a parameter."
    )
