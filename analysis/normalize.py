"""Vectorised polars expressions that turn messy scraped text into the toolkit's vocabularies.

Every builder takes a ``pl.Expr`` of strings and returns a ``pl.Expr``; nothing runs per row in Python,
so the builders scale to tens of millions of rows (they compile to polars' native regex / string kernels).

=================  ===========================================================================
builder            result
=================  ===========================================================================
``state_code``     2-letter USPS code of the 50 states + DC (String), else null
``product``        one of :data:`analysis.schemas.PRODUCTS`, else null (= brand unknown)
``provider_type``  one of :data:`analysis.schemas.PROVIDER_TYPES`, else null
``pricing_model``  one of :data:`analysis.schemas.PRICING_MODELS`, else null
``parse_price``    Struct ``{price_low_usd, price_high_usd, price_usd, model_hint, is_minimum, problem}``
=================  ===========================================================================

Unrecognised text becomes null; the caller turns null into a reject reason or ``'unknown'``.

Decisions
---------
* **Generic words are unknown, not 'other'.** ``product`` returns ``'other'`` only for a *named* brand
  outside the five (Letybo, Relfydess, Myobloc, Botulax, …). Generic words ("neurotoxin", "tox",
  "toxin", "wrinkle relaxer", "botulinum toxin") mean the brand is unknown → null.
  The word "Botox" itself is taken at face value (→ ``botox_cosmetic``) even though people use it
  generically; nothing in the text can tell the two apart.
* **A cell naming two or more different brands is null** ("Botox or Dysport"): the price cannot be
  attributed to one brand.
* Foreign trade names of the same molecule map to the US brand (Vistabel → Botox, Azzalure → Dysport,
  Bocouture → Xeomin, Nabota → Jeuveau).
* **Provider type: the highest credential wins** ("RN, BSN, NP-C" → nurse_practitioner): physician >
  dentist > nurse practitioner > physician assistant > registered nurse > LPN/LVN > "Dr"/"doctor"
  (weak, → physician) > aesthetician > medical assistant. A bare "nurse" (or "nurse injector",
  "aesthetic nurse") → registered_nurse; LPN/LVN must be spelled out. DNP → nurse_practitioner;
  oral / maxillofacial surgeon → dentist.
* **$0 is a valid price** (free consultation, promotion): it is kept as ``0.0`` without a problem;
  range checks belong to the schema (``minimum`` / ``maximum``). Huge numbers are kept too.
* ``parse_price`` gives exactly one of ``price_usd`` / ``problem`` for every row (null input included:
  ``problem = 'blank price'``). When there is a problem, the three price fields are null.
* When the text contains ``$``, the amount after the first ``$`` is the price ("Botox 20 units for
  $240" → 240; "$12/unit (was $300-$500)" → 12); otherwise the first number in the text is. A range
  must start at that amount.
* A minus sign makes a price negative only when glued to the amount read ("-12", "-$12", "$-12"):
  "Botox - $12" (label dash) and "$12 (-20% off)" (discount) are $12.
* "call for price" wording (call / contact / inquire / ask / upon request / varies / quote) wins over
  digits without a ``$`` ("Call (555) 123-4567" is no price, not a 555 price).
* ``nan`` / ``inf`` / ``infinity`` and overflowing literals (``1e309``) → ``'not finite'``;
  ``N/A``, ``none``, ``null``, ``-``, ``tbd`` → ``'no price (n/a)'``; "Free" (no digits) → not a number
  (write ``$0`` for a free item).
* ``model_hint`` needs an explicit "per …" / "/…" / "a …" / "each …" ("$12 per unit", "$11.50 / u");
  "20 units for $240" gives no hint. Package words anywhere give ``package``.

Performance: intermediate results are materialised as fields of a struct (``struct.with_fields`` /
``pl.field``), because polars does not eliminate common sub-expressions inside ``when/then`` chains;
embedding the clean-up chain in every branch made ``parse_price`` ~100× slower.
"""

from __future__ import annotations

import polars as pl

from analysis import states

__all__ = [
    "PRICE_FIELDS",
    "normalize_text",
    "parse_price",
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


def product(expr: pl.Expr) -> pl.Expr:
    """Brand → ``botox_cosmetic | dysport | xeomin | jeuveau | daxxify | letybo | other``; else null.

    Brand names, trade marks (``BOTOX®``) and generic molecule names (``onabotulinumtoxinA``,
    ``prabotulinumtoxinA-xvfs``, …) are recognised; 'other' is a *named* brand outside the five.
    Generic words ("neurotoxin", "tox") and cells naming two different brands give null.
    """
    # Staged through a struct so that the lower-cased text and each hit are computed once.
    hits = {name: pl.field("text").str.contains(pattern) for name, pattern in _PRODUCT_PATTERNS.items()}
    n_hits = pl.sum_horizontal([pl.field(name).cast(pl.Int8) for name in hits])
    brand = _first_match([(pl.field(name), name) for name in hits])
    result = (
        pl.struct(expr.str.to_lowercase().alias("text"))
        .struct.with_fields(**hits)
        .struct.eval(brand=pl.when(n_hits == 1).then(brand).otherwise(pl.lit(None, dtype=pl.String)))
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
)


def pricing_model(expr: pl.Expr) -> pl.Expr:
    """Explicit pricing-model text → ``per_unit | per_area | per_session | package``; else null.

    "per unit", "unit", "per_unit", "/u" → per_unit; "per area", "zone" → per_area;
    "session", "visit", "treatment" → per_session; "package", "bundle", "membership" → package.
    """
    text = normalize_text(expr).str.replace_all(r"[_\-]+", " ")
    return _keep_name(_classify(text, _MODEL_PATTERNS), expr)


# --- prices ------------------------------------------------------------------------------------

# A number token: starts and ends with a digit (so "12," or "12." lose their punctuation) and may hold
# commas, dots and an exponent. Whether it is a *valid* number is checked afterwards, so that
# "12.5.3" is reported instead of being read as 12.5.
_NUM = r"\.?[0-9](?:[0-9,.]*[0-9])?(?:e[+-]?[0-9]+)?"
_VALID_NUMBER = r"^(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)(?:e[+-]?[0-9]+)?$"
# What may sit between the low number and the range separator: "$10/unit - $14/unit", "300 usd to 500".
_SUFFIX = r"(?:\s*(?:usd|dollars?))?(?:\s*(?:/|per)\s*[a-z]+)?"
_SEP = r"\s*(?:-|to|through|thru)\s*(?:usd\s*)?"
# Ranges are anchored so that they start at the first $-amount (resp. the first number): in
# "$12/unit (was $300-$500)" the price is $12, in "(555) 123-4567" it is not a 123-4567 range.
# A minus sign counts only when it is glued to the number that is read ("-12", "-$12", "$-12",
# "$ -12"), so "Botox - $12" is a label dash and "$12 (-20%)" a discount, neither a negative price.
_DOLLAR_RANGE = (
    rf"^[^$]*?(?P<sign_a>-?)\$\s*(?P<sign_a2>-?)\s*(?P<low_a>{_NUM}){_SUFFIX}{_SEP}"
    rf"\$?\s*(?P<high_a>{_NUM})"  # "$300-500"
    rf"|^[^$]*?(?P<sign_b>-?)(?P<low_b>{_NUM}){_SUFFIX}{_SEP}\$\s*(?P<high_b>{_NUM})"  # "300-$500"
)
_DOLLAR_SINGLE = rf"(?P<sign>-?)\$\s*(?P<sign2>-?)\s*(?P<number>{_NUM})"
_PLAIN_RANGE = rf"^[^0-9]*?(?P<sign>-?)(?P<low>{_NUM}){_SUFFIX}{_SEP}(?P<high>{_NUM})"
_PLAIN_SINGLE = rf"(?P<sign>-?)(?P<number>{_NUM})"

_DASHES = r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]"
_NA_MARKERS = r"^(?:n/?a|none|null|nil|-+|\?+|tbd|tba|unknown|not available|not listed)$"
_NOT_FINITE_WORDS = r"^[+-]?(?:nan|inf|infinity)$"
_CALL_FOR_PRICE = (
    r"\b(?:call|contact|inquire|enquire|ask|quote|consult for|upon request|on request|varies|vary"
    r"|message|dm)\b"
)
_CURRENCY = (
    r"([€£¥₹₩₽₺₪₱₦₫฿₴]"
    r"|\b(?:eur|euros?|gbp|cad|aud|nzd|mxn|jpy|yen|inr|chf|cny|rmb|krw|brl|zar|sek|nok|dkk|pln|hkd|sgd)\b"
    r"|\b(?:c|ca|cad|a|au|aud|nz|nzd|mx|mxn|hk|hkd|s|sg|sgd|r)\$)"
)
_MINIMUM = r"\b(?:from|starting|starts|start at|as low as|min|minimum|at least|and up|or more)\b|[0-9]\s*\+"
_HINT = (
    r"(?:/|\bper\b|\ba\b|\beach\b|\bea\b)\s*"
    r"(units?|u|areas?|zones?|sites?|sessions?|visits?|treatments?|appointments?|tx)\b"
)
_HINT_MODEL: dict[str, str] = {
    **dict.fromkeys(("unit", "units", "u"), "per_unit"),
    **dict.fromkeys(("area", "areas", "zone", "zones", "site", "sites"), "per_area"),
    **dict.fromkeys(
        ("session", "sessions", "visit", "visits", "treatment", "treatments", "appointment", "appointments", "tx"),
        "per_session",
    ),
}
_PACKAGE_WORDS = r"\b(?:packages?|bundles?|memberships?|pkgs?)\b"

PRICE_FIELDS: tuple[str, ...] = (
    "price_low_usd",
    "price_high_usd",
    "price_usd",
    "model_hint",
    "is_minimum",
    "problem",
)


def _to_float(token: pl.Expr) -> pl.Expr:
    return token.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def parse_price(expr: pl.Expr) -> pl.Expr:
    """Free price text → Struct ``{price_low_usd, price_high_usd, price_usd, model_hint, is_minimum,
    problem}``.

    ``$12/unit``, ``12 USD per unit``, ``$11.50 / u``, ``$300-$500 per area``, ``300 to 500``,
    ``from $199``, ``$199+``, ``$1,200.00``, ``12 dollars`` parse; a range keeps low and high and
    ``price_usd`` is the midpoint. ``model_hint`` comes from "/unit", "per area", "per visit",
    "package"…; ``is_minimum`` from "from", "starting at", "$199+". ``problem`` explains rows without
    a price ("blank price", "no price (call for price)", "no price (n/a)", "not a number: '…'",
    "negative price", "non-USD currency (€)", "not finite", "range low > high"); exactly one of
    ``price_usd`` and ``problem`` is non-null.
    """
    f = pl.field
    text_fields = {
        # the text as quoted back in problems: whitespace-normalised, original case
        "shown": expr.str.replace_all(r"[\u200b\u200c\u200d\u2060\ufeff]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(),
    }
    # Each stage reads the fields materialised by the previous one (pl.field), so no regex runs twice.
    staged = (
        pl.struct(**text_fields)
        .struct.with_fields(text=f("shown").str.to_lowercase().str.replace_all(_DASHES, "-"))
        .struct.with_fields(
            dollar_range=f("text").str.extract_groups(_DOLLAR_RANGE),
            plain_range=f("text").str.extract_groups(_PLAIN_RANGE),
            dollar_single=f("text").str.extract_groups(_DOLLAR_SINGLE),
            plain_single=f("text").str.extract_groups(_PLAIN_SINGLE),
            currency=f("text").str.extract(_CURRENCY, 1),
            hint_word=f("text").str.extract(_HINT, 1),
            is_package=f("text").str.contains(_PACKAGE_WORDS),
            is_minimum=f("text").str.contains(_MINIMUM).fill_null(False),
            is_blank=f("text").is_null() | (f("text") == ""),
            is_na=f("text").str.contains(_NA_MARKERS),
            is_not_finite_word=f("text").str.contains(_NOT_FINITE_WORDS),
            is_call=f("text").str.contains(_CALL_FOR_PRICE),
        )
        .struct.with_fields(
            dollar_low=pl.coalesce(f("dollar_range").struct.field("low_a"), f("dollar_range").struct.field("low_b")),
            dollar_high=pl.coalesce(f("dollar_range").struct.field("high_a"), f("dollar_range").struct.field("high_b")),
            dollar_range_sign=pl.concat_str(
                [f("dollar_range").struct.field(name) for name in ("sign_a", "sign_a2", "sign_b")], ignore_nulls=True
            ),
            dollar_number=f("dollar_single").struct.field("number"),
            dollar_sign=pl.concat_str(
                [f("dollar_single").struct.field("sign"), f("dollar_single").struct.field("sign2")]
            ),
            plain_low=f("plain_range").struct.field("low"),
            plain_high=f("plain_range").struct.field("high"),
            plain_range_sign=f("plain_range").struct.field("sign"),
            plain_number=f("plain_single").struct.field("number"),
            plain_sign=f("plain_single").struct.field("sign"),
        )
        .struct.with_fields(
            # the number read: a $-range, else the first $-amount, else a plain range, else the first number
            low_text=pl.coalesce(f("dollar_low"), f("dollar_number"), f("plain_low"), f("plain_number")),
            high_text=pl.coalesce(f("dollar_high"), f("dollar_number"), f("plain_high"), f("plain_number")),
            sign=pl.coalesce(
                pl.when(f("dollar_low").is_not_null()).then(f("dollar_range_sign")),
                f("dollar_sign"),
                pl.when(f("plain_low").is_not_null()).then(f("plain_range_sign")),
                f("plain_sign"),
            ),
            has_dollar_number=f("dollar_number").is_not_null() | f("dollar_low").is_not_null(),
        )
        .struct.with_fields(
            low=_to_float(f("low_text")),
            high=_to_float(f("high_text")),
            is_valid=f("low_text").str.contains(_VALID_NUMBER) & f("high_text").str.contains(_VALID_NUMBER),
        )
        .struct.with_fields(
            problem=pl.when(f("is_blank"))
            .then(pl.lit("blank price"))
            .when(f("is_na"))
            .then(pl.lit("no price (n/a)"))
            .when(f("is_not_finite_word"))
            .then(pl.lit("not finite"))
            .when(f("currency").is_not_null())
            .then(pl.format("non-USD currency ({})", f("currency").str.to_uppercase()))
            .when(f("is_call") & ~f("has_dollar_number"))
            .then(pl.lit("no price (call for price)"))
            .when(f("low_text").is_null() | ~f("is_valid"))
            .then(pl.format("not a number: '{}'", f("shown").str.slice(0, 60)))
            .when(f("sign").str.contains("-", literal=True))
            .then(pl.lit("negative price"))
            .when(~f("low").is_finite() | ~f("high").is_finite())
            .then(pl.lit("not finite"))
            .when(f("low") > f("high"))
            .then(pl.lit("range low > high"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
    )
    ok = f("problem").is_null()
    no_price = pl.lit(None, dtype=pl.Float64)
    result = staged.struct.eval(
        price_low_usd=pl.when(ok).then(f("low")).otherwise(no_price),
        price_high_usd=pl.when(ok).then(f("high")).otherwise(no_price),
        # low + (high - low) / 2 rather than (low + high) / 2: no overflow for huge finite values
        price_usd=pl.when(ok).then(f("low") + (f("high") - f("low")) / 2).otherwise(no_price),
        model_hint=pl.when(f("is_package"))
        .then(pl.lit("package", dtype=pl.String))
        .otherwise(f("hint_word").replace_strict(_HINT_MODEL, default=None, return_dtype=pl.String)),
        is_minimum=f("is_minimum"),
        problem=f("problem"),
    )
    return _keep_name(result, expr)
