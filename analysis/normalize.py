"""Vectorised polars expressions that turn messy scraped text into the toolkit's vocabularies.

Every builder takes a ``pl.Expr`` of strings and returns a ``pl.Expr``; nothing runs per row in Python,
so the builders scale to tens of millions of rows (they compile to polars' native regex / string kernels).

=================  ===========================================================================
builder            result
=================  ===========================================================================
``state_code``     2-letter USPS code of the 50 states + DC (String), else null
``product``        one of :data:`analysis.schemas.PRODUCTS` or ``unspecified``, else null
``provider_type``  one of :data:`analysis.schemas.PROVIDER_TYPES`, else null
``pricing_model``  one of :data:`analysis.schemas.PRICING_MODELS`, else null
=================  ===========================================================================

Unrecognised text becomes null; the caller turns null into a reject reason or ``'unknown'``.

Decisions
---------
* **Generic words and several brands are 'unspecified', kept.** ``product`` returns ``'other'`` only for a
  *named* brand outside the six (Relfydess, Myobloc, Botulax, …). Generic words ("neurotoxin", "tox", "toxin",
  "neuromodulator", "wrinkle relaxer", "botulinum toxin") and a cell naming two or more different brands
  ("Botox or Dysport", "Botox/Xeomin") give ``'unspecified'``: the quote is kept, but its price is never
  converted to Botox units (the brand, and with it the unit, is not known). A word that is neither a brand nor a
  generic toxin word ("Restylane", "Bottox") is null, and the loader rejects the row.
  The word "Botox" itself is taken at face value (→ ``botox_cosmetic``) even though people use it
  generically; nothing in the text can tell the two apart.
* Foreign trade names of the same molecule map to the US brand (Vistabel → Botox, Azzalure → Dysport,
  Bocouture → Xeomin, Nabota → Jeuveau).
* **Provider type: the highest credential wins** ("RN, BSN, NP-C" → nurse_practitioner): physician >
  dentist > nurse practitioner > physician assistant > registered nurse > LPN/LVN > "Dr"/"doctor"
  (weak, → physician) > aesthetician > medical assistant. A bare "nurse" (or "nurse injector",
  "aesthetic nurse") → registered_nurse; LPN/LVN must be spelled out. DNP → nurse_practitioner;
  oral / maxillofacial surgeon → dentist.

Price text is read by :mod:`analysis.price_text`.

Performance: intermediate results are materialised as fields of a struct (``struct.with_fields`` /
``pl.field``), because polars does not eliminate common sub-expressions inside ``when/then`` chains;
embedding the clean-up chain in every branch made ``parse_price`` ~100× slower.
"""

from __future__ import annotations

import polars as pl

from analysis import states
from analysis.schemas import UNSPECIFIED_PRODUCT

__all__ = [
    "normalize_text",
    "pricing_model",
    "product",
    "provider_type",
    "state_code",
]

# --- shared text clean-up ----------------------------------------------------------------------


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """Lower-case, drop zero-width characters, turn any Unicode whitespace run (incl. NBSP) into one
    space and strip the ends."""
    return (
        expr.str.replace_all(r"[\u200b\u200c\u200d\u2060\ufeff]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.to_lowercase()
    )


def _keep_name(result: pl.Expr, source: pl.Expr) -> pl.Expr:
    """Name ``result`` after ``source`` (as a plain column transformation would be)."""
    name = source.meta.output_name(raise_if_undetermined=False)
    return result.alias(name) if name else result


def _classify(text: pl.Expr, patterns: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> pl.Expr:
    """First (label, regex) whose regex matches ``text`` → label, else null.

    ``text`` is materialised once in a one-field struct and the regexes run on that field; embedding
    the text expression in every ``contains`` would recompute the whole clean-up chain per pattern
    (polars does not eliminate those common sub-expressions inside when/then chains).
    """
    field = pl.field("text")
    label = _first_match([(field.str.contains(pattern), name) for name, pattern in patterns])
    return pl.struct(text.alias("text")).struct.eval(label.alias("label")).struct.field("label")


def _first_match(conditions: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """``when(c1).then(v1).when(c2)…otherwise(null)`` over (condition, value) pairs, in order."""
    (cond, value), *rest = conditions
    chain = pl.when(cond).then(pl.lit(value, dtype=pl.String))
    for cond, value in rest:
        chain = chain.when(cond).then(pl.lit(value, dtype=pl.String))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


# --- states ------------------------------------------------------------------------------------


def state_code(expr: pl.Expr) -> pl.Expr:
    """2-letter code from a code or a name in any case, spacing or punctuation; else null.

    ``"tx"``, ``"Texas"``, ``" new  york "``, ``"N.Y."``, ``"Washington DC"``, ``"D.C."`` all match;
    letters and digits are compared with everything else removed, so ``"TX1"`` does not.
    """
    key = expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "")
    return _keep_name(key.replace_strict(states.state_lookup(), default=None, return_dtype=pl.String), expr)


# --- products ----------------------------------------------------------------------------------

# Patterns run on lower-cased text. Order does not matter: a cell that matches two classes is null.
_PRODUCT_PATTERNS: dict[str, str] = {
    "botox_cosmetic": r"botox|onabotulinum|\bona\b|vistabel|vistabex",
    "dysport": r"dysport|abobotulinum|\babo\b|azzalure|alluzience",
    "xeomin": r"xeomin|incobotulinum|\binco\b|bocouture",
    "jeuveau": r"jeuveau|juveau|jeaveau|prabotulinum|newtox|nabota",
    "daxxify": r"daxx?ify|daxibotulinum|\bdaxi\b",
    "letybo": r"letybo|letibotulinum",
    "other": (
        r"relfydess|relabotulinum|myobloc|rimabotulinum|botulax|hutox|innotox"
        r"|coretox|meditoxin|neuronox|^other$"
    ),
}


# Words that name a botulinum toxin without naming its brand.
_GENERIC_TOXIN = (
    r"\b(?:tox|toxins?|neurotoxins?|neuromodulators?|botulinum|botulinum toxin|wrinkle relaxers?|anti-?wrinkle"
    r"|injectables?|baby tox|bt-?a)\b"
)


def product(expr: pl.Expr) -> pl.Expr:
    """Brand → ``botox_cosmetic | dysport | xeomin | jeuveau | daxxify | letybo | other``; a generic word or
    several brands → ``unspecified``; else null.

    Brand names, trade marks (``BOTOX®``) and generic molecule names (``onabotulinumtoxinA``,
    ``prabotulinumtoxinA-xvfs``, …) are recognised; 'other' is a *named* brand outside the six.
    """
    # Staged through a struct so that the lower-cased text and each hit are computed once.
    hits = {name: pl.field("text").str.contains(pattern) for name, pattern in _PRODUCT_PATTERNS.items()}
    n_hits = pl.sum_horizontal([pl.field(name).cast(pl.Int8) for name in hits])
    brand = _first_match([(pl.field(name), name) for name in hits])
    unspecified = pl.lit(UNSPECIFIED_PRODUCT, dtype=pl.String)
    result = (
        pl.struct(expr.str.to_lowercase().alias("text"))
        .struct.with_fields(**hits)
        .struct.eval(
            brand=pl.when(n_hits == 1)
            .then(brand)
            .when((n_hits > 1) | pl.field("text").str.contains(_GENERIC_TOXIN))
            .then(unspecified)
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        .struct.field("brand")
    )
    return _keep_name(result, expr)


# --- provider types ----------------------------------------------------------------------------

# Multi-word phrases rewritten to a credential token first, so that e.g. "physician assistant" is not
# read as "physician" and "doctor of nursing practice" not as "doctor".
_PROVIDER_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\bphysicians? (?:assistant|associate)s?\b", " pa "),
    (r"\bnurse practitioners?\b|\bdoctor of nursing practice\b|\badvanced practice (?:registered )?nurses?\b", " np "),
    (r"\blicensed (?:practical|vocational) nurses?\b", " lpn "),
    (
        r"\b(?:oral (?:and maxillofacial )?|maxillofacial |dental )surgeons?\b"
        r"|\bdoctor of dental (?:surgery|medicine)\b",
        " dds ",
    ),
    (r"\bmedical assistants?\b", " ma "),
    (r"\bdoctor of (?:osteopathic )?medicine\b|\bdoctor of osteopathy\b", " md "),
)

# Highest credential first.
_PROVIDER_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "physician",
        r"\b(?:md|do|mbbs|physicians?|dermatologists?|dermatology|derm|surgeons?|plastic surgery"
        r"|ophthalmologists?|oculoplastic|otolaryngologists?|facs|faad)\b",
    ),
    ("dentist", r"\b(?:dds|dmd|dentists?|dental|dentistry)\b"),
    (
        "nurse_practitioner",
        r"\b(?:np|aprn|arnp|crnp|cnp|fnp|dnp|agnp|anp|acnp|agacnp|agpcnp|pnp|whnp|pmhnp|enp)\b",
    ),
    ("physician_assistant", r"\b(?:pa|pac)\b"),
    ("registered_nurse", r"\b(?:rn|bsn|msn|adn|cans|nurses?)\b"),
    ("licensed_practical_nurse", r"\b(?:lpn|lvn)\b"),
    ("physician", r"\b(?:doctors?|dr)\b"),  # weak: only when no explicit credential is given
    ("aesthetician", r"\b(?:a?estheticians?|le|lme)\b"),
    ("medical_assistant", r"\b(?:ma|cma|rma|ccma)\b"),
)


def provider_type(expr: pl.Expr) -> pl.Expr:
    """Credential or profession → one of ``PROVIDER_TYPES``; else null.

    Handles MD / D.O. / dermatologist / plastic surgeon, PA-C, NP / APRN / FNP-C / DNP, RN / BSN /
    nurse injector, LPN / LVN, DDS / DMD, (a)esthetician / LE, MA / medical assistant, and the
    canonical values themselves. Several credentials → the highest one wins.
    """
    text = expr.str.to_lowercase().str.replace_all(r"\.", "").str.replace_all(r"[^a-z0-9]+", " ")
    for pattern, token in _PROVIDER_REWRITES:
        text = text.str.replace_all(pattern, token)
    return _keep_name(_classify(text, _PROVIDER_PATTERNS), expr)


# --- pricing models ----------------------------------------------------------------------------

_MODEL_PATTERNS: tuple[tuple[str, str], ...] = (  # first match wins
    ("package", r"\b(?:packages?|bundles?|memberships?|pkgs?|plans?|series|subscriptions?)\b"),
    ("per_unit", r"\bunits?\b|^(?:per ?|/ ?)?u$|/ ?u\b|\bper u\b"),
    ("per_area", r"\b(?:areas?|zones?|sites?|regions?)\b"),
    ("per_session", r"\b(?:sessions?|visits?|treatments?|appointments?|tx|procedures?|flat)\b"),
    ("per_vial", r"\b(?:vials?|syringes?)\b"),
)


def pricing_model(expr: pl.Expr) -> pl.Expr:
    """Explicit pricing-model text → ``per_unit | per_area | per_session | package``; else null.

    "per unit", "unit", "per_unit", "/u" → per_unit; "per area", "zone" → per_area;
    "session", "visit", "treatment" → per_session; "package", "bundle", "membership" → package;
    "vial", "syringe", "per_vial" → per_vial.
    """
    text = normalize_text(expr).str.replace_all(r"[_\-]+", " ")
    return _keep_name(_classify(text, _MODEL_PATTERNS), expr)
