"""Price text as clinics and users write it → the amount, what it covers, and how it was read.

:func:`parse_price` is one vectorised polars expression (no Python per row): free text in, a struct out with the
amount, the pricing model the text names, unit and area counts, qualifier words and a problem when there is no
price. :func:`split_several_prices` turns a cell that quotes several brands ("Botox $10 per unit, Dysport $4")
into one row per brand before parsing. The loader (:mod:`analysis.io`) combines the parsed text with the file's
other columns and records, for every accepted row, how its number was derived.

Decisions
---------
* **The amount.** When the text contains ``$``, the amount after the first ``$`` is the price ("Botox 20 units
  for $240" → 240; "$12/unit (was $300-$500)" → 12); otherwise the first number is. A range must start at that
  amount; its midpoint is the price. **An explicit per-unit statement wins over a total in the same text**:
  "$600 for a 50-unit vial, which works out to $12 a unit" → $12 per unit (the $600 is kept as ``total_usd``).
* **Unit counts** next to a price ("12 units / $144", "15-20 units est. $180-$240+", "a 50-unit vial", "first
  20 units just $189") are read as ``units_low``/``units_high``; "$12/unit" holds no count. The loader derives a
  per-unit price from a total and a count and marks it derived.
* **What the price covers** (``model_hint``), first that applies: an explicit "per unit" / "/area" / "per visit"
  ("a", "each", "ea" too); package words (package, bundle, prepaid); vial, syringe → ``per_vial``; an area count
  ("3 areas", "two sites") or a named area (forehead, frown lines, crow's feet, …) → ``per_area``; a unit count
  → ``per_session`` (the price of that many units).
* **Qualifiers** found in the text: ``promotional`` (special, promo, sale, % off, intro…), ``new_patient``
  ("new patients", "first visit"), ``member`` ("member", "membership"; not "non-member"), ``cash``, and
  ``from`` for a lower bound ("from $199", "starting at", "$199+", "and up").
* **$0 is a valid price** (free consultation, promotion): kept as ``0.0`` without a problem; range checks belong
  to the schema (``minimum`` / ``maximum``). Huge numbers are kept too.
* Exactly one of ``price_usd`` / ``problem`` is non-null for every row (null input included: ``problem =
  'blank price'``). When there is a problem, the three price fields are null.
* A minus sign makes a price negative only when glued to the amount read ("-12", "-$12", "$-12"): "Botox - $12"
  (label dash) and "$12 (-20% off)" (discount) are $12.
* "call for price" wording (call / contact / inquire / ask / upon request / varies / quote) wins over digits
  without a ``$`` ("Call (555) 123-4567" is no price, not a 555 price).
* ``nan`` / ``inf`` / ``infinity`` and overflowing literals (``1e309``) → ``'not finite'``; ``N/A``, ``none``,
  ``null``, ``-``, ``tbd`` → ``'no price (n/a)'``; "Free" (no digits) → not a number (write ``$0``).

Performance: intermediate results are materialised as fields of a struct (``struct.with_fields`` /
``pl.field``), because polars does not eliminate common sub-expressions inside ``when/then`` chains.
"""

from __future__ import annotations

import polars as pl

from analysis import normalize

__all__ = ["AREA_KEYWORDS", "PRICE_FIELDS", "QUALIFIER_KEYWORDS", "parse_price", "split_several_prices"]

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
_PACKAGE_WORDS = r"\b(?:packages?|bundles?|pkgs?|prepaid|pre-paid)\b"


_PER = r"(?:/|\bper\b|\ba\b|\ban\b|\beach\b|\bea\b)"
# "$12 a unit", "$16-$18 per unit", "$14 per product-specific unit": the amount that an explicit per-unit
# statement gives, wherever it stands in the text.
_PER_UNIT_AMOUNT = (
    rf"\$\s*(?P<low>{_NUM})(?:{_SEP}\$?\s*(?P<high>{_NUM}))?\s*{_PER}\s*(?:[a-z][a-z-]*\s+)?(?:units?|u)\b"
)
# A count of units: "12 units", "15-20 units", "50-unit vial", "20u"; not the "unit" of "$12/unit".
_UNIT_COUNT = (
    r"(?:^|[^/$0-9.,a-z])(?P<low>[0-9]{1,3}(?:\.[0-9])?)(?:\s*(?:-|to)\s*(?P<high>[0-9]{1,3}))?"
    r"\s*-?\s*(?:units?|u)\b"
)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
_AREA_COUNT = r"\b(?P<n>[1-9]|one|two|three|four|five|six)\s+(?:treatment\s+)?(?:areas?|zones?|sites?)\b"
_VIAL_WORDS = r"\b(?:vials?|syringes?|bottles?)\b"
# "$12.50 per 3 units", "$200 / 20 units", "$189 for 20 units": a price for a stated number of units, said so
_PRICE_FOR_UNITS = (
    r"(?:/|\bper\b|\bfor\b)\s*(?:the\s+first\s+)?[0-9]{1,3}(?:\s*(?:-|to)\s*[0-9]{1,3})?\s*(?:units?|u)\b"
)
# Treatment areas named in text → the area codes of data/reference/units_per_area.csv, and qualifier words → their
# flag. Matched as keywords (one Aho–Corasick pass, several times faster than a regex per label) on the text with
# every run of other characters made one space and a space at each end, so " chin " cannot match "machine".
AREA_KEYWORDS: dict[str, str] = {
    **dict.fromkeys(
        ("glabell", "frown", " 11s ", " 11 s ", " elevens ", "between the brows", "between the eyebrows"), "glabella"
    ),
    "between brows": "glabella",
    "forehead": "forehead",
    **dict.fromkeys(
        ("crow s feet", "crows feet", "crowsfeet", " crows ", " crow s ", "around the eyes", "laugh lines"),
        "crows_feet",
    ),
    "bunny": "bunny_lines",
    **dict.fromkeys(("lip flip", "lip lines", "smoker s lines", "smokers lines"), "lip_flip"),
    **dict.fromkeys((" chin ", "mentalis", "orange peel"), "chin"),
    **dict.fromkeys(("masseter", " jaw", " tmj ", "bruxism", "teeth grinding"), "masseter"),
    **dict.fromkeys(("platysma", "neck band", "nefertiti", " neck "), "platysma"),
    "gummy": "gummy_smile",
}
QUALIFIER_KEYWORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            " special ", " specials ", " promo ", " promotion ", " promotional ", " sale ", " deal ", " deals ",
            " discount ", " discounted ", " intro ", " introductory ", " limited time ", " save ", " off ",
        ),
        "promotional",
    ),
    **dict.fromkeys(
        (" new patient", " new client", " new guest", " new customer", " first time", " first visit"),
        "new_patient",
    ),
    **dict.fromkeys((" member ", " members ", " membership ", " memberships "), "member"),
    # matched first (it starts earlier), so a "non-member" price is not flagged as a member price
    **dict.fromkeys((" non member", " nonmember", " non members"), ""),
    " first treatment": "new_patient",
    " cash ": "cash",
}  # fmt: skip


PRICE_FIELDS: tuple[str, ...] = (
    "price_low_usd",
    "price_high_usd",
    "price_usd",
    "total_usd",
    "model_hint",
    "model_explicit",
    "units_low",
    "units_high",
    "n_areas",
    "areas",
    "qualifiers",
    "is_minimum",
    "problem",
)


def _to_float(token: pl.Expr) -> pl.Expr:
    return token.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def keyword_text(text: pl.Expr) -> pl.Expr:
    """Lower-cased text as the keyword tables read it: runs of anything but letters, digits, $ and % become one
    space, with a space at each end ("Crow's-feet!" → " crow s feet ")."""
    return pl.concat_str(pl.lit(" "), text.str.to_lowercase().str.replace_all(r"[^a-z0-9$%]+", " "), pl.lit(" "))


def keyword_labels(keywords: dict[str, str], padded: pl.Expr) -> pl.Expr:
    """';'-joined labels of the keywords found in ``padded`` (:func:`keyword_text`), in order of appearance, each
    once; null when none. A keyword mapped to "" is matched and dropped (it shields a longer phrase)."""
    found = padded.str.extract_many(list(keywords)).list.eval(
        pl.element().replace_strict(keywords, return_dtype=pl.String)
    )
    joined = found.list.eval(pl.element().filter(pl.element() != "")).list.unique(maintain_order=True).list.join(";")
    return pl.when(joined == "").then(pl.lit(None, dtype=pl.String)).otherwise(joined)


def parse_price(expr: pl.Expr) -> pl.Expr:
    """Free price text → Struct of :data:`PRICE_FIELDS`.

    ``$12/unit``, ``12 USD per unit``, ``$11.50 / u``, ``$300-$500 per area``, ``300 to 500``,
    ``from $199``, ``$199+``, ``$1,200.00``, ``12 dollars`` parse; a range keeps low and high and
    ``price_usd`` is the midpoint. ``total_usd`` is the first amount when an explicit per-unit amount later in
    the text wins over it. ``model_hint`` is what the text says the price covers (``model_explicit`` when it
    says so in so many words rather than by package, vial, area or unit-count words), ``units_low`` and
    ``units_high`` a unit count, ``n_areas`` an area count ("3 areas"), ``areas`` the named areas (';'-joined codes),
    ``qualifiers`` the qualifier words (';'-joined), ``is_minimum`` a lower bound. ``problem`` explains rows
    without a price ("blank price", "no price (call for price)", "no price (n/a)", "not a number: '…'",
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
        .struct.with_fields(
            text=f("shown").str.to_lowercase().str.replace_all(_DASHES, "-").str.replace_all("\u2019", "'")
        )
        .struct.with_fields(
            dollar_range=f("text").str.extract_groups(_DOLLAR_RANGE),
            plain_range=f("text").str.extract_groups(_PLAIN_RANGE),
            dollar_single=f("text").str.extract_groups(_DOLLAR_SINGLE),
            plain_single=f("text").str.extract_groups(_PLAIN_SINGLE),
            n_dollars=f("text").str.count_matches("$", literal=True),
            currency=f("text").str.extract(_CURRENCY, 1),
            hint_word=f("text").str.extract(_HINT, 1),
            is_package=f("text").str.contains(_PACKAGE_WORDS),
            is_vial=f("text").str.contains(_VIAL_WORDS),
            is_for_units=f("text").str.contains(_PRICE_FOR_UNITS),
            is_minimum=f("text").str.contains(_MINIMUM).fill_null(False),
            is_blank=f("text").is_null() | (f("text") == ""),
            is_na=f("text").str.contains(_NA_MARKERS),
            is_not_finite_word=f("text").str.contains(_NOT_FINITE_WORDS),
            is_call=f("text").str.contains(_CALL_FOR_PRICE),
            unit_count=f("text").str.extract_groups(_UNIT_COUNT),
            area_count=f("text").str.extract(_AREA_COUNT, 1),
            padded=keyword_text(f("text")),
        )
        .struct.with_fields(
            areas=keyword_labels(AREA_KEYWORDS, f("padded")),
            qualifiers=keyword_labels(QUALIFIER_KEYWORDS, f("padded")),
        )
        .struct.with_fields(
            # an explicit per-unit amount that is not the first amount ("$600 … works out to $12 a unit")
            per_unit_amount=pl.when(f("n_dollars") >= 2).then(f("text").str.extract_groups(_PER_UNIT_AMOUNT)),
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
            unit_low_text=f("per_unit_amount").struct.field("low"),
            unit_high_text=pl.coalesce(
                f("per_unit_amount").struct.field("high"), f("per_unit_amount").struct.field("low")
            ),
        )
        .struct.with_fields(
            # the first amount read: a $-range, else the first $-amount, else a plain range, else the first number
            first_low_text=pl.coalesce(f("dollar_low"), f("dollar_number"), f("plain_low"), f("plain_number")),
            first_high_text=pl.coalesce(f("dollar_high"), f("dollar_number"), f("plain_high"), f("plain_number")),
            unit_wins=f("unit_low_text").is_not_null()
            & (f("unit_low_text") != f("dollar_low").fill_null(""))
            & (f("unit_low_text") != f("dollar_number").fill_null("")),
        )
        .struct.with_fields(
            low_text=pl.when(f("unit_wins")).then(f("unit_low_text")).otherwise(f("first_low_text")),
            high_text=pl.when(f("unit_wins")).then(f("unit_high_text")).otherwise(f("first_high_text")),
            sign=pl.when(f("unit_wins"))
            .then(pl.lit(""))
            .otherwise(
                pl.coalesce(
                    pl.when(f("dollar_low").is_not_null()).then(f("dollar_range_sign")),
                    f("dollar_sign"),
                    pl.when(f("plain_low").is_not_null()).then(f("plain_range_sign")),
                    f("plain_sign"),
                )
            ),
            has_dollar_number=f("dollar_number").is_not_null() | f("dollar_low").is_not_null(),
        )
        .struct.with_fields(
            low=_to_float(f("low_text")),
            high=_to_float(f("high_text")),
            first_low=_to_float(f("first_low_text")),
            first_high=_to_float(f("first_high_text")),
            is_valid=f("low_text").str.contains(_VALID_NUMBER) & f("high_text").str.contains(_VALID_NUMBER),
            units_low=_to_float(f("unit_count").struct.field("low")),
            units_high=_to_float(
                pl.coalesce(f("unit_count").struct.field("high"), f("unit_count").struct.field("low"))
            ),
            n_areas=f("area_count")
            .replace(_NUMBER_WORDS)
            .cast(pl.Int32, strict=False)
            .fill_null(f("areas").str.count_matches(";") + 1),
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
    units_ok = (f("units_low") > 0) & (f("units_low") <= f("units_high"))
    model_hint = (
        pl.when(f("unit_wins"))
        .then(pl.lit("per_unit"))
        .when(f("hint_word").is_not_null())
        .then(f("hint_word").replace_strict(_HINT_MODEL, default=None, return_dtype=pl.String))
        .when(f("is_package"))
        .then(pl.lit("package"))
        .when(f("is_for_units") & units_ok & ~f("text").str.contains("first", literal=True))
        .then(pl.lit("per_session"))
        .when(f("is_vial"))
        .then(pl.lit("per_vial"))
        .when(f("area_count").is_not_null() | f("areas").is_not_null())
        .then(pl.lit("per_area"))
        .when(units_ok)
        .then(pl.lit("per_session"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    result = staged.struct.eval(
        price_low_usd=pl.when(ok).then(f("low")).otherwise(no_price),
        price_high_usd=pl.when(ok).then(f("high")).otherwise(no_price),
        # low + (high - low) / 2 rather than (low + high) / 2: no overflow for huge finite values
        price_usd=pl.when(ok).then(f("low") + (f("high") - f("low")) / 2).otherwise(no_price),
        total_usd=pl.when(ok & f("unit_wins"))
        .then(f("first_low") + (f("first_high") - f("first_low")) / 2)
        .otherwise(no_price),
        model_hint=pl.when(ok).then(model_hint).otherwise(pl.lit(None, dtype=pl.String)),
        # said in so many words ("per unit", "$12 a unit", "/area", "3 areas"), not only implied
        model_explicit=ok
        & (
            f("unit_wins")
            | f("hint_word").is_not_null()
            | f("area_count").is_not_null()
            | (f("is_for_units") & units_ok & ~f("is_package") & ~f("text").str.contains("first", literal=True))
        ),
        units_low=pl.when(ok & units_ok).then(f("units_low")).otherwise(no_price),
        units_high=pl.when(ok & units_ok).then(f("units_high")).otherwise(no_price),
        n_areas=pl.when(ok).then(f("n_areas").cast(pl.Int32)).otherwise(pl.lit(None, dtype=pl.Int32)),
        areas=f("areas"),
        qualifiers=pl.concat_str(
            [f("qualifiers"), pl.when(f("is_minimum")).then(pl.lit("from"))], separator=";", ignore_nulls=True
        ).replace("", None),
        is_minimum=f("is_minimum"),
        problem=f("problem"),
    )
    return normalize._keep_name(result, expr)


# --- several brands priced in one cell --------------------------------------------------------------------

_BRANDS = r"(?:botox|dysport|xeomin|jeuveau|daxx?ify|letybo)"
_AMOUNT = rf"\$\s*{_NUM}(?:{_SEP}\$?\s*{_NUM})?(?:\s*{_PER}\s*(?:units?|u|areas?|sessions?|visits?|vials?)\b)?"
# One brand and the price that follows it ("Botox $10 per unit"), or a price and the brand that follows it
# ("$10/unit Botox"); at most 40 characters between them, no other price in between.
_SEGMENT = rf"(?i){_BRANDS}[^$;\n]{{0,40}}?{_AMOUNT}|{_AMOUNT}\s*(?:of\s+|for\s+)?{_BRANDS}"
PART_COLUMN = "source_part"


def split_several_prices(raw: pl.DataFrame, price_column: str, row_column: str) -> tuple[pl.DataFrame, pl.Series]:
    """One row per brand for cells that price several brands ("Botox $10 per unit, Dysport $4").

    Returns the frame — rows that name two or more different brands each followed by its own price are
    replaced by one row per (brand, price), the price cell holding just that part — with a ``source_part``
    column (1, 2, … for split rows, null otherwise), and a boolean Series marking which output rows came from a
    split. Only rows with two or more ``$`` are examined, so ordinary lists pay one literal count per row.
    """
    text = pl.col(price_column)
    candidates = raw.filter(text.str.count_matches("$", literal=True) >= 2)
    if candidates.is_empty():
        return raw.with_columns(pl.lit(None, dtype=pl.Int32).alias(PART_COLUMN)), pl.Series(
            "split", [False] * raw.height, dtype=pl.Boolean
        )
    segments = text.str.extract_all(_SEGMENT)
    brands = text.str.to_lowercase().str.extract_all(_BRANDS).list.eval(pl.element().str.replace("daxify", "daxxify"))
    marked = candidates.with_columns(
        segments.alias("__segments"), (brands.list.n_unique() >= 2).alias("__several_brands")
    ).filter(pl.col("__several_brands") & (pl.col("__segments").list.len() >= 2))
    if marked.is_empty():
        return raw.with_columns(pl.lit(None, dtype=pl.Int32).alias(PART_COLUMN)), pl.Series(
            "split", [False] * raw.height, dtype=pl.Boolean
        )
    split = (
        marked.with_columns(pl.int_ranges(1, pl.col("__segments").list.len() + 1, dtype=pl.Int32).alias(PART_COLUMN))
        .explode(["__segments", PART_COLUMN])
        .with_columns(pl.col("__segments").alias(price_column))
        .drop("__segments", "__several_brands")
    )
    kept = raw.join(marked.select(row_column), on=row_column, how="anti").with_columns(
        pl.lit(None, dtype=pl.Int32).alias(PART_COLUMN)
    )
    out = pl.concat([kept, split]).sort(row_column, PART_COLUMN, nulls_last=False)
    return out, out[PART_COLUMN].is_not_null().alias("split")
