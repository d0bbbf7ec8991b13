"""Sentences of the providers report: who may inject, who supervises, who may buy, the pool, the burden.

Built only from the rules and counts frames of :mod:`analysis.providers`; every function returns
Markdown with its data escaped (:func:`analysis.narrate.text.md`). Not legal advice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from analysis.narrate.text import cap, join_words, md, number, site_link
from analysis.providers import (
    ELIGIBLE_CLASSES,
    NATIONAL,
    RULE_CLASSES,
    SOURCE_SEP,
    SUPERVISED_LEVELS,
    eligibility_matrix,
    pool_row,
)
from analysis.schemas import PROVIDER_TYPE_LABELS, PROVIDER_TYPES, SUPERVISION_TEXT

PURCHASE_PHRASES: dict[str, str] = {
    "yes": "{who} may buy the product on their own account",
    "conditional": (
        "{who} may buy it only under conditions (prescriptive authority, a collaborative agreement or dental scope)"
    ),
    "no": "{who} may not buy it on their own account (it is ordered by a prescriber or medical director)",
    "unknown": "Whether {who} may buy it is unknown",
}


RELIABILITY_PHRASES: dict[str, str] = {
    "high": "a statute, rule or board text (high)",
    "med": "a health-law firm or trade association (med)",
    "low": "vendor, aggregator or national-summary pages (low)",
}


PROSE_LABELS: dict[str, str] = {  # plural, sentence-case names for narration
    "physician": "physicians (MD/DO)",
    "physician_assistant": "physician assistants",
    "nurse_practitioner": "nurse practitioners",
    "registered_nurse": "registered nurses",
    "licensed_practical_nurse": "LPNs/LVNs",
    "dentist": "dentists",
    "aesthetician": "aestheticians",
    "medical_assistant": "medical assistants",
}


def _markdown(build: Callable[..., str]) -> Callable[..., str]:
    """The sentences are built as plain text from the data; the report renders them as Markdown."""

    @functools.wraps(build)
    def escaped(*args: Any, **kwargs: Any) -> str:
        return md(build(*args, **kwargs))

    return escaped


def _label(provider_type: str) -> str:
    """The plural prose name of a provider type (``registered nurses``)."""
    return PROSE_LABELS.get(provider_type, PROVIDER_TYPE_LABELS.get(provider_type, provider_type))


def _labels(types: Sequence[str] | None) -> str:
    return join_words([_label(t) for t in types or []])


def _state_sentences(m: pl.DataFrame, name: str) -> list[tuple[str, str, list[str]]]:
    rows = m.to_dicts()
    by_class: dict[str, list[dict]] = {c: [r for r in rows if r["rule_class"] == c] for c in RULE_CLASSES}
    sentences: list[tuple[str, str, list[str]]] = []

    def src(items: list[dict]) -> list[str]:
        return sorted({s.strip() for r in items for s in (r["source"] or "").split(SOURCE_SEP) if s.strip()})

    def names(items: list[dict], *, cond: bool = False) -> str:
        return join_words(
            [
                _label(r["provider_type"])
                + (" (conditions apply; see the notes)" if cond and r["may_inject"] == "conditional" else "")
                for r in items
            ]
        )

    eligible = [r for r in rows if r["rule_class"] in ELIGIBLE_CLASSES]
    sentences.append(
        (
            "who_may_inject",
            f"In {name}, {len(eligible)} of the {len(rows)} provider types checked may inject cosmetic botulinum toxin"
            + (f": {names(eligible)}." if eligible else "."),
            src(eligible),
        )
    )
    if by_class["independent"]:
        sentences.append(
            (
                "who_may_inject",
                f"Without a supervising physician: {names(by_class['independent'], cond=True)}.",
                src(by_class["independent"]),
            )
        )
    if by_class["supervised"]:
        sentences.append(
            (
                "who_may_inject",
                f"Only under physician supervision or delegation: {names(by_class['supervised'])}.",
                src(by_class["supervised"]),
            )
        )
    if by_class["conditional"]:
        sentences.append(
            (
                "who_may_inject",
                (
                    "Allowed, but the source states no supervision level (conditions are in the notes): "
                    f"{names(by_class['conditional'])}."
                ),
                src(by_class["conditional"]),
            )
        )
    if by_class["not_allowed"]:
        sentences.append(
            ("who_may_inject", f"May not inject: {names(by_class['not_allowed'])}.", src(by_class["not_allowed"]))
        )
    unknown = by_class["unknown_rule"]
    sentences.append(
        (
            "who_may_inject",
            f"Unknown (no usable source; shown as unknown and never counted as allowed): {names(unknown)}."
            if unknown
            else "No provider type has an unknown rule here.",
            src(unknown),
        )
    )
    sup_rows = by_class["supervised"] + by_class["conditional"]
    if sup_rows:
        levels = list(dict.fromkeys(r["supervision"] for r in sup_rows))
        parts = [
            f"{names([r for r in sup_rows if r['supervision'] == lvl])}: {SUPERVISION_TEXT.get(lvl, lvl)}"
            for lvl in levels
        ]
        sentences.append(("who_must_supervise", "Who must supervise — " + "; ".join(parts) + ".", src(sup_rows)))
    else:
        sentences.append(
            ("who_must_supervise", "No provider type that may inject here needs a supervising physician.", [])
        )
    for value in PURCHASE_PHRASES:
        items = [r for r in rows if r["may_purchase"] == value]
        if items:
            sentences.append(("who_may_buy", cap(PURCHASE_PHRASES[value].format(who=names(items))) + ".", src(items)))
    rel = {v: sum(1 for r in rows if r["reliability"] == v) for v in RELIABILITY_PHRASES}
    rel_text = join_words([f"{n} rest{'s' if n == 1 else ''} on {RELIABILITY_PHRASES[v]}" for v, n in rel.items() if n])
    if rel_text:
        sentences.append(("source_strength", f"Of the {len(rows)} rules, {rel_text}.", []))
    return sentences


def _national_sentences(m: pl.DataFrame, n_states: int) -> list[tuple[str, str, list[str]]]:
    sentences: list[tuple[str, str, list[str]]] = []
    per_type = (
        m.group_by("provider_type")
        .agg(
            *((pl.col("rule_class") == c).sum().alias(c) for c in RULE_CLASSES),
            *((pl.col("supervision") == lvl).sum().alias(lvl) for lvl in SUPERVISED_LEVELS),
            *((pl.col("may_purchase") == v).sum().alias(f"buy_{v}") for v in PURCHASE_PHRASES),
        )
        .with_columns(
            pl.col("provider_type")
            .replace_strict({t: i for i, t in enumerate(PROVIDER_TYPES)}, default=99, return_dtype=pl.Int64)
            .alias("__o")
        )
        .sort("__o")
    )
    where = f"the {n_states} jurisdictions"
    parts = []
    for r in per_type.iter_rows(named=True):
        allowed = r["independent"] + r["supervised"] + r["conditional"]
        bits = [f"may inject in {allowed}"]
        if r["independent"]:
            bits.append(f"{r['independent']} of them without supervision")
        if r["not_allowed"]:
            bits.append(f"not in {r['not_allowed']}")
        if r["unknown_rule"]:
            bits.append(f"unknown in {r['unknown_rule']}")
        parts.append(f"{_label(r['provider_type'])} {', '.join(bits)}")
    sentences.append(("who_may_inject", f"Across {where}: " + "; ".join(parts) + ".", []))
    n_unknown = int(m["rule_class"].eq("unknown_rule").sum())
    sentences.append(
        (
            "who_may_inject",
            (
                f"{n_unknown} of the {m.height} state × type rules are unknown (no usable source); "
                "they are shown as unknown and never counted as allowed."
            ),
            [],
        )
    )
    sup_parts = []
    for r in per_type.iter_rows(named=True):
        levels = [(lvl, r[lvl]) for lvl in SUPERVISED_LEVELS if r[lvl]]
        unstated = r["conditional"]
        if not levels and not unstated:
            continue
        desc = [f"{n} {lvl.replace('_', ' ')}" for lvl, n in levels]
        if unstated:
            desc.append(f"{unstated} with no stated level")
        sup_parts.append(f"{_label(r['provider_type'])}: {', '.join(desc)}")
    sentences.append(
        (
            "who_must_supervise",
            "Supervision required where the type may inject "
            "(number of states; 'no stated level' means the source names none) — " + "; ".join(sup_parts) + "."
            if sup_parts
            else "No type needs a supervising physician anywhere.",
            [],
        )
    )
    buy_parts = []
    for r in per_type.iter_rows(named=True):
        desc = [f"{r[f'buy_{v}']} {v}" for v in PURCHASE_PHRASES if r[f"buy_{v}"]]
        buy_parts.append(f"{_label(r['provider_type'])}: {', '.join(desc)}")
    sentences.append(
        (
            "who_may_buy",
            "Who may buy the product on their own account (number of states yes / conditional / no / unknown) — "
            + "; ".join(buy_parts)
            + ".",
            [],
        )
    )
    rel = m.group_by("reliability").len()
    rel_n = dict(rel.iter_rows())
    rel_text = join_words(
        [
            f"{rel_n[v]} rest{'s' if rel_n[v] == 1 else ''} on {RELIABILITY_PHRASES[v]}"
            for v in RELIABILITY_PHRASES
            if rel_n.get(v)
        ]
    )
    if rel_text:
        sentences.append(("source_strength", f"Of the {m.height} rules, {rel_text}.", []))
    return sentences


def state_summary(
    rules: pl.DataFrame | pl.LazyFrame,
    *,
    state: str,
    states: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """Plain-English sentences on who may inject, who must supervise and who may buy, with sources.

    Parameters
    ----------
    rules
        ``state_rules`` rows (see :func:`eligibility_matrix`).
    state
        A state code, or ``"US"`` for counts over all states.
    states
        ``state, name`` to name the state (default: the code).

    Returns
    -------
    pl.DataFrame
        ``topic`` (``who_may_inject``, ``who_must_supervise``, ``who_may_buy``, ``source_strength``),
        ``text`` (one sentence, built only from the rules' values — not legal advice) and ``sources``
        (the URLs behind the sentence; empty for the national sentences, see :func:`rule_sources`).
        Text comes from data: escape it before rendering as Markdown or HTML.
    """
    m = eligibility_matrix(rules)
    if state == NATIONAL:
        sentences = _national_sentences(m, m["state"].n_unique())
    else:
        one = m.filter(pl.col("state") == state)
        if one.is_empty():
            raise ValueError(f"no rules for state {state!r}")
        name = state
        if states is not None:
            hit = states.lazy().filter(pl.col("state") == state).select("name").collect()
            if hit.height:
                name = f"{hit.item()} ({state})"
        sentences = _state_sentences(one, name)
    return pl.DataFrame(
        [(topic, md(text), sources) for topic, text, sources in sentences],
        schema={"topic": pl.String, "text": pl.String, "sources": pl.List(pl.String)},
        orient="row",
    )


def count_notes(result: Any) -> list[tuple[str, str]]:
    """Notes on a loaded counts file (an :class:`analysis.io.LoadResult`): ``[(kind, markdown)]``, kind
    ``note`` or ``warning``."""
    notes: list[tuple[str, str]] = [("note", result.summary() + ".")]
    if result.n_rejected:
        first = result.rejects.row(0, named=True)
        notes.append(
            (
                "warning",
                (
                    f"{result.n_rejected:,} rows were rejected and left out; "
                    f"the first, row {first.get('source_row')}: {first.get('reason')}."
                ),
            )
        )
    accepted = result.accepted
    if accepted.is_empty():
        notes.append(
            (
                "warning",
                f"No provider counts in {result.path.name}: the rules below are complete, but every pool, share and "
                "supervision ratio is unknown (not zero).",
            )
        )
        return [(kind, md(text)) for kind, text in notes]
    missing = [t for t in PROVIDER_TYPES if t not in set(accepted["provider_type"].to_list())]
    if missing:
        notes.append(("note", f"No counts at all for {_labels(missing)}: they are shown as unknown, never as zero."))
    years = count_years(accepted)
    if len(years) > 1:
        parts = join_words([f"{year} ({_labels(types)})" for year, types in years.items()])
        notes.append(
            (
                "warning",
                f"The counts come from different years: {parts}. Pools and ratios add people counted at different "
                "times; read them as orders of magnitude.",
            )
        )
    return [(kind, md(text)) for kind, text in notes]


def count_years(counts: pl.DataFrame) -> dict[str, list[str]]:
    """Reference year of the counts → the provider types counted then (years from ``as_of``)."""
    if "as_of" not in counts.columns or counts.is_empty():
        return {}
    by_year = (
        counts.group_by(pl.col("as_of").cast(pl.String).str.slice(0, 4).alias("year"))
        .agg(pl.col("provider_type").unique().sort())
        .sort("year")
    )
    return {year: list(types) for year, types in by_year.iter_rows()}


@_markdown
def describe_groups(groups: pl.DataFrame, *, state: str, states: pl.DataFrame) -> str:
    """Where nurses or aestheticians may inject vs only physicians and APPs (from
    :func:`nurse_or_aesthetician_states`)."""
    names = dict(states.select("state", "name").iter_rows())
    by_group = {g: sorted(frame["state"].to_list()) for (g,), frame in groups.group_by("group")}
    total = groups.height

    def listed(codes: list[str]) -> str:
        return join_words([names.get(c, c) for c in codes])

    if state != NATIONAL:
        row = groups.filter(pl.col("state") == state).row(0, named=True)
        name = names.get(state, state)
        text = {
            "nurses_or_aestheticians": (
                f"In {name}, besides physicians and APPs, {_labels(row['delegates_may_inject'])} may inject "
                "(under the conditions above)."
            ),
            "medical_assistants_only": (
                f"In {name}, no nurse or aesthetician may inject, but {_labels(row['delegates_may_inject'])} may."
            ),
            "physicians_and_apps_only": (
                f"In {name}, only physicians and advanced practice providers (NPs, PAs) may inject: "
                f"{_labels(row['delegates_may_not'])} may not."
            ),
            "unknown": (
                f"In {name}, no nurse, aesthetician or medical assistant is known to be allowed, "
                f"but the rules for {_labels(row['delegates_unknown'])} are unknown."
            ),
        }[row["group"]]
        if row["group"] != "unknown" and row["delegates_unknown"]:
            text += f" The rules for {_labels(row['delegates_unknown'])} are unknown."
        return text
    parts = [
        f"In {len(by_group.get('nurses_or_aestheticians', []))} of the {total} jurisdictions "
        "a registered nurse, LPN or aesthetician may inject."
    ]
    only = by_group.get("physicians_and_apps_only", [])
    if only:
        parts.append(
            f"In {len(only)} ({listed(only)}) only physicians and advanced practice providers (NPs, PAs) may; "
            "dentists are left aside, as their rules concern dental scope."
        )
    if by_group.get("medical_assistants_only"):
        codes = by_group["medical_assistants_only"]
        parts.append(f"In {len(codes)} ({listed(codes)}) only medical assistants may, of these delegates.")
    if by_group.get("unknown"):
        codes = by_group["unknown"]
        parts.append(
            f"In {len(codes)} ({listed(codes)}) no such delegate is known to be allowed and some rules are unknown."
        )
    return " ".join(parts)


@_markdown
def describe_pool(pool: pl.DataFrame, *, state: str) -> str:
    """The eligible pool of ``state`` (or the US) in words, with its rank among the states."""
    row = pool_row(pool, state=state)
    name = "the United States" if state == NATIONAL else row["name"]
    if row["eligible_pool"] is None:
        text = f"For {name} the eligible pool is unknown: none of the types that may inject has a count in this file."
    else:
        text = (
            f"In {name}, {row['eligible_pool']:,} counted people may inject: "
            f"{number(row['eligible_pool_per_100k'])} per 100,000 residents — "
            f"{number(row['independent_per_100k'])} per 100k without a supervising physician and "
            f"{number(row['supervised_per_100k'])} under physician supervision or delegation."
        )
        if row["conditional"]:
            text += (
                f" Beside the pool, {row['conditional']:,} more ({number(row['conditional_per_100k'])} per 100k) may "
                "inject only under conditions the rules table cannot count — e.g. dentists within a dental treatment "
                "plan, not purely for cosmetics, or a type whose source states no supervision level — so they are "
                "not counted as eligible."
            )
    if row["uncounted_eligible_types"] and row["eligible_pool"] is not None:
        where = " in some states" if state == NATIONAL else " here"
        text += (
            f" {cap(_labels(row['uncounted_eligible_types']))} may also inject{where} "
            "but have no count, so the pool is a lower bound."
        )
    if row["unknown_rule_types"]:
        if row["unknown_rule"]:
            text += (
                f" A further {row['unknown_rule']:,} counted people work under unknown rules "
                f"({_labels(row['unknown_rule_types'])}) and are not in the pool."
            )
        else:
            text += f" The rules for {_labels(row['unknown_rule_types'])} are unknown; they are not in the pool."
    known = pool.filter(pl.col("eligible_pool_per_100k").is_not_null()).sort("eligible_pool_per_100k", descending=True)
    if known.height and row["eligible_pool"] is not None:
        if state == NATIONAL:
            hi, lo = known.row(0, named=True), known.row(-1, named=True)
            text += (
                f" Across the {known.height} states with counts it ranges from "
                f"{number(lo['eligible_pool_per_100k'])} per 100k ({lo['name']}) "
                f"to {number(hi['eligible_pool_per_100k'])} ({hi['name']})."
            )
        elif state in known["state"].to_list():
            rank = known["state"].to_list().index(state) + 1
            text += f" That ranks {rank} of {known.height} (1 = most per resident)."
    return text


@_markdown
def describe_burden(row: Mapping[str, Any], *, name: str, synthetic_supervisors: bool = False) -> str:
    """The supervision burden (a row of :func:`supervision_burden` / :func:`national_burden`) in words."""
    caveat = (
        " This is a ratio implied by head counts, not a legal limit on how many people one physician may supervise, "
        "and not everyone counted injects."
    )
    if row["supervised"] == 0 and not row["uncounted_supervised_types"]:
        return f"In {name} no type needs a supervising physician to inject, so the rules imply no supervision burden."
    if row["supervised"] is None or row["supervisors"] is None or row["supervised_per_supervisor"] is None:
        missing = "supervised injectors" if row["supervised"] is None else "physicians"
        return f"In {name} the supervision burden is unknown: the {missing} are not counted in this file."
    levels = join_words([f"{row[lvl]:,} {lvl.replace('_', ' ')}" for lvl in SUPERVISED_LEVELS if row.get(lvl)])
    text = (
        f"In {name} the rules put {row['supervised']:,} counted people under physician supervision or delegation "
        f"({levels}) against {row['supervisors']:,} physicians: "
        f"{row['supervised_per_supervisor']:.1f} supervised injectors per physician." + caveat
    )
    if row["uncounted_supervised_types"]:
        text += (
            f" {cap(_labels(row['uncounted_supervised_types']))} may also inject under supervision "
            "but are not counted, so the ratio is a lower bound."
        )
    if synthetic_supervisors:
        text += " The physician counts are synthetic in this data, so the ratio is an illustration."
    return text


def synthetic_counts(synthetic_rows: pl.DataFrame, *, total_rows: int) -> str:
    """Markdown for the synthetic banner naming which count rows are generated; ``""`` if none.

    ``synthetic_rows`` is :func:`analysis.providers.synthetic_count_rows`; ``total_rows`` all accepted rows.
    """
    if synthetic_rows.is_empty():
        return ""
    n = int(synthetic_rows["rows"].sum())
    which = ", ".join(
        f"{PROVIDER_TYPE_LABELS.get(t, t)} in {s} state{'s' if s != 1 else ''}"
        for t, s in synthetic_rows.select("provider_type", "states").iter_rows()
    )
    return md(
        f"Synthetic sample data: {n:,} of {total_rows:,} provider-count rows are generated, not observed — {which}. "
        "Pools, shares and supervision ratios that include these types are illustrations, not facts; "
        "the other rows are published counts (sources below). Pass provider_counts_path to use your own counts."
    )


def no_counts_notice() -> str:
    """The notice shown instead of the pool map when the counts file is empty."""
    return "No counts in this file, so the pool is unknown in every state; the map is left out."


def summary_list(summary: pl.DataFrame) -> str:
    """The :func:`state_summary` sentences as a Markdown list."""
    return "\n".join(f"- {text}" for text in summary["text"])


def sources_note(what: str, n: int, file_name: str) -> str:  # file_name: config.display_path of the file
    """The line above a sources table, ``Rules: 12 sources, from state_rules.csv.`` (plain text: the table is HTML
    and escapes it)."""
    return f"{what}: {n} sources, from {file_name}."


_MAY_INJECT_WORDS = {"yes": "**yes**", "conditional": "**conditional**", "no": "**no**", "unknown": "unknown"}
_PURCHASE_WORDS = {
    "yes": "yes, on their own account",
    "conditional": "only under conditions",
    "no": "no (ordered by a prescriber or medical director)",
    "unknown": "unknown",
}


def answer_table(answer: pl.DataFrame, *, state_label: str) -> str:
    """The providers report's answer box for one state: one line per profession, each with its source."""
    lines = [
        f"**Who may inject in {md(state_label)}, who supervises, who examines first, who may buy the product**",
        "",
        "| profession | may inject | supervision | prior exam | may buy product | source |",
        "|:---|:---|:---|:---|:---|:---|",
    ]
    for r in answer.iter_rows(named=True):
        url = r["first_source"] or ""
        source = site_link(url) if url.startswith("http") else md(url[:40])
        lines.append(
            f"| {md(_label(r['provider_type']))} | {_MAY_INJECT_WORDS.get(r['may_inject'], md(r['may_inject']))} "
            f"| {md(SUPERVISION_TEXT.get(r['supervision'], r['supervision']))} | {md(r['prior_exam'])} "
            f"| {md(_PURCHASE_WORDS.get(r['may_purchase'], r['may_purchase']))} "
            f"| {source} ({md(r['reliability'] or 'unrated')}) |"
        )
    lines += [
        "",
        "Reliability: high = statute, rule or board text; med = health-law firm or trade association; low = vendor "
        "or national summary. Conditions (training, permits, protocols) are in the notes below and in the sources.",
    ]
    return "\n".join(lines)


def national_answer_table(answer: pl.DataFrame) -> str:
    """The answer box of the US report: in how many states each profession may inject."""
    lines = [
        "**Who may inject: it depends on the state.** Pick a state's report for its rules; across the 51:",
        "",
        "| profession | yes | conditional | no | unknown |",
        "|:---|---:|---:|---:|---:|",
    ]
    for r in answer.iter_rows(named=True):
        counts = " | ".join(f"{r[k]:,}" for k in ("yes", "conditional", "no", "unknown"))
        lines.append(f"| {md(_label(r['provider_type']))} | {counts} |")
    return "\n".join(lines)


_NP_WORDS = {
    "full": "full (NPs practise without a physician agreement)",
    "reduced": "reduced (NPs need a collaborative agreement for some of their practice)",
    "restricted": "restricted (NPs need physician supervision or delegation)",
}
_NLC_WORDS = {
    "member": "member: a multistate RN/LPN licence from another compact state is valid here",
    "partial": "enacted, not yet issuing or honouring multistate licences",
    "not_member": "not a member: nurses need this state's own licence",
}
_CPOM_WORDS = {
    "strict": "strict: only physicians (or their professional corporations) may own a medical practice; others "
    "use a management-services structure",
    "moderate": "moderate: the doctrine exists, with routes for lay owners or weak enforcement",
    "weak_or_none": "weak or none: non-physicians may own a practice that employs physicians",
}


def _cited(value: str | None, words: dict[str, str], source: str | None, date: str | None) -> str:
    if not value:
        return "unknown (no source found; see the notes in `practice_rules.csv`)"
    first = (source or "").split(";")[0].strip()
    where = site_link(first) if first.startswith("http") else md(first)
    dated = f", {md(date)}" if date else ""
    return f"{md(words.get(value, value))} — {where}{dated}"


_GFE_WHO = {
    "physician": "physician",
    "nurse_practitioner": "NP",
    "physician_assistant": "PA",
    "registered_nurse": "RN",
}
_TELEHEALTH_WORDS = {"allowed": "by telehealth allowed", "not_allowed": "in person (not by telehealth)"}
_ON_SITE_WORDS = {"required": "physician on site", "not_required": "physician need not be on site"}


def _prior_exam(row: Mapping[str, Any]) -> str | None:
    who = row.get("gfe_who")
    parts = []
    if who:
        names = [_GFE_WHO.get(w, w) for w in who.split(";")]
        parts.append("by a " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]))
    if row.get("gfe_telehealth"):
        parts.append(_TELEHEALTH_WORDS.get(row["gfe_telehealth"], row["gfe_telehealth"]))
    return "; ".join(parts) or None


def _director_duties(row: Mapping[str, Any]) -> str | None:
    parts = []
    if row.get("md_on_site"):
        parts.append(_ON_SITE_WORDS.get(row["md_on_site"], row["md_on_site"]))
    if row.get("md_availability"):
        parts.append(f"availability: {row['md_availability']}")
    if row.get("md_chart_review"):
        parts.append(f"chart review: {row['md_chart_review']}")
    return "; ".join(parts) or None


def practice_rules_lines(row: Mapping[str, Any] | None, *, state_label: str) -> str:
    """Running an injectable practice in one state: NP authority, PA ratio cap, nurse compact, corporate practice,
    the good-faith (prior) exam and the medical director's duties; one cited line each, with its reliability."""
    if row is None:
        return ""
    ratio = row.get("pa_ratio")
    ratio_words = {ratio: f"{ratio} PAs per physician" if ratio and ratio.isdigit() else ratio} if ratio else {}
    exam, duties = _prior_exam(row), _director_duties(row)
    fields = (
        ("NP practice authority", "np_practice_authority", _NP_WORDS, "np_source", "np_source_date"),
        ("PA supervision ratio cap", "pa_ratio", ratio_words, "pa_source", "pa_source_date"),
        ("Nurse Licensure Compact", "nlc_status", _NLC_WORDS, "nlc_source", "nlc_source_date"),
        ("Corporate practice of medicine (who may own)", "cpom", _CPOM_WORDS, "cpom_source", "cpom_source_date"),
    )
    head = (
        f"**Running a practice in {md(state_label)}** (reliability: NP/PA {md(row.get('np_pa_reliability'))}, "
        f"compact/ownership {md(row.get('nlc_cpom_reliability'))})"
    )
    lines = [f"- {label}: {_cited(row.get(v), words, row.get(src), row.get(d))}" for label, v, words, src, d in fields]
    for label, text, source, date, grade in (
        ("Good-faith (prior) exam before a delegate injects", exam, "gfe_source", "gfe_source_date", "gfe_reliability"),
        ("Medical director's duties", duties, "md_source", "md_source_date", "md_reliability"),
    ):
        graded = f" (main source's reliability: {md(row.get(grade))})" if text and row.get(grade) else ""
        lines.append(f"- {label}: {_cited(text, {}, row.get(source), row.get(date))}{graded}")
    return "\n".join([head, "", *lines])
