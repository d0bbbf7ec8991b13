"""The toolkit's tables, defined once: columns, types, units, accepted spellings and row rules.

Each table is a :class:`TableSchema`. The loader in :mod:`analysis.io` reads any file into strings,
matches its header against ``Column.aliases``, parses each column with ``Column.kind`` and sends rows
that break a rule to a rejects table with a reason. Units are part of the column name (``_usd``,
``_hours``) or stated in ``description``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# --- controlled vocabularies -------------------------------------------------------------------

PROVIDER_TYPES: tuple[str, ...] = (
    "physician",  # MD or DO
    "physician_assistant",
    "nurse_practitioner",  # APRN / NP
    "registered_nurse",
    "licensed_practical_nurse",  # LPN / LVN
    "dentist",
    "aesthetician",  # also spelled esthetician
    "medical_assistant",
)
PROVIDER_TYPE_LABELS: dict[str, str] = {
    "physician": "Physician (MD/DO)",
    "physician_assistant": "Physician assistant",
    "nurse_practitioner": "Nurse practitioner",
    "registered_nurse": "Registered nurse",
    "licensed_practical_nurse": "LPN / LVN",
    "dentist": "Dentist",
    "aesthetician": "Aesthetician",
    "medical_assistant": "Medical assistant",
    "unknown": "Unknown",
}

PRODUCTS: tuple[str, ...] = ("botox_cosmetic", "dysport", "xeomin", "jeuveau", "daxxify", "letybo", "other")
PRODUCT_LABELS: dict[str, str] = {
    "botox_cosmetic": "Botox Cosmetic",
    "dysport": "Dysport",
    "xeomin": "Xeomin",
    "jeuveau": "Jeuveau",
    "daxxify": "Daxxify",
    "letybo": "Letybo",
    "other": "Other",
    "unspecified": "Brand not named",
    "unknown": "Unknown",
}
UNSPECIFIED_PRODUCT = "unspecified"  # a quote whose brand is not named ("tox") or not one ("Botox or Dysport")

PRICING_MODELS: tuple[str, ...] = ("per_unit", "per_area", "per_session", "package", "per_vial")

MAY_INJECT: tuple[str, ...] = ("yes", "no", "conditional", "unknown")
SUPERVISION_LEVELS: tuple[str, ...] = (
    "independent",
    "physician_on_site",  # a supervising physician must be physically present
    "physician_available",  # supervisor reachable (off-site / by telecommunication)
    "delegation_after_exam",  # only after a physician/NP/PA examined the patient (good-faith exam)
    "not_allowed",
    "unknown",
)
# What each supervision level asks of the injector, in words (used by every report).
SUPERVISION_TEXT: dict[str, str] = {
    "independent": "no supervising physician needed",
    "physician_on_site": "a supervising physician must be on site",
    "physician_available": "a supervising physician must be reachable, not necessarily on site",
    "delegation_after_exam": "only after a physician, NP or PA has examined the patient and delegated the treatment",
    "not_allowed": "not allowed to inject",
    "unknown": "the source states no supervision level",
}
TRAINING_FORMATS: tuple[str, ...] = ("in_person", "online", "hybrid")
RELIABILITY: tuple[str, ...] = ("high", "med", "low")
COURSE_STATUSES: tuple[str, ...] = ("current", "past", "unknown")


# --- table definitions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` says how the loader parses the text it reads:
    ``str`` · ``int`` · ``float`` · ``date`` (ISO or US m/d/Y) · ``bool`` (yes/no/true/false/1/0) ·
    ``state`` (name or 2-letter code, returned as the code) · ``provider_type`` · ``product`` ·
    ``pricing_model`` · ``choice`` (one of ``choices``) · ``price`` (free price text such as ``$12/unit``,
    see :mod:`analysis.pricing`) · ``year`` (an ``as_of`` that starts with a 4-digit year).
    """

    name: str
    kind: str
    description: str
    required: bool = True  # the column must be present in the file
    nullable: bool = True  # an empty cell is allowed
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TableSchema:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())  # columns that identify a row (duplicates are rejected)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SOURCE = Column(
    "source",
    "str",
    "Where the row comes from: a URL or a publication; 'synthetic' for generated rows.",
    nullable=False,
    aliases=("source_url", "url", "citation", "reference"),
)
AS_OF = Column(
    "as_of",
    "year",
    "When the fact was true or observed: YYYY, YYYY-MM or YYYY-MM-DD (a range like 2024-2026 is kept as text).",
    nullable=False,
    aliases=("asof", "as_of_date", "date_accessed", "year"),
)
STATE = Column(
    "state",
    "state",
    "US state or DC as the 2-letter USPS code; full names are accepted on input.",
    nullable=False,
    aliases=("st", "state_code", "state_abbr", "province"),
)
PROVIDER_TYPE = Column(
    "provider_type",
    "provider_type",
    f"Provider type, one of {', '.join(PROVIDER_TYPES)}; "
    "common spellings (MD, PA-C, APRN, RN, esthetician…) are accepted.",
    nullable=False,
    aliases=("provider", "provider_type", "type", "credential", "injector", "injector_type", "profession"),
)

PRICES = TableSchema(
    name="prices",
    description="Price observations: one quoted price for a neurotoxin treatment.",
    columns=(
        # A price list without a source column cites the file itself (the loader says so).
        replace(SOURCE, required=False),
        Column(
            "observed_date",
            "date",
            "Date the price was observed or published.",
            required=False,
            aliases=("date", "observed", "observed_on", "scraped_at", "date_observed", "as_of"),
        ),
        Column(
            "clinic",
            "str",
            "Clinic or provider name as written.",
            required=False,
            aliases=("clinic_name", "provider_name", "practice", "practice_name", "business", "name", "med_spa"),
        ),
        # A quote from a page that names no state is kept for national figures (state null); a state that is
        # not a US state or DC is still a reject. load_table(strict=True) rejects a missing state instead.
        replace(
            STATE,
            required=False,
            nullable=True,
            description=STATE.description + " Empty: state unknown (national figures only).",
        ),
        Column("city", "str", "City as written.", required=False, aliases=("town", "locality")),
        Column(
            "page_date",
            "year",
            "The date the source page itself shows (YYYY, YYYY-MM or YYYY-MM-DD), when it shows one; the reports "
            "read a trend from it, else from observed_date.",
            required=False,
            aliases=("published", "published_on", "date_published", "page_dated"),
        ),
        Column(
            "provider_type",
            "provider_type",
            PROVIDER_TYPE.description + " Missing or unrecognised values become 'unknown'.",
            required=False,
            aliases=PROVIDER_TYPE.aliases,
        ),
        Column(
            "product",
            "product",
            f"Toxin brand, one of {', '.join(PRODUCTS)}; brand and generic names are accepted. Empty, a generic "
            "word (tox, neurotoxin) or several brands: 'unspecified' (kept, never converted to Botox units).",
            required=False,
            aliases=("brand", "toxin", "neurotoxin", "neuromodulator", "drug", "product_as_written"),
        ),
        Column(
            "pricing_model",
            "pricing_model",
            f"How the price is quoted: {', '.join(PRICING_MODELS)}; inferred from the price text when empty.",
            required=False,
            aliases=("model", "price_type", "unit_type", "per", "pricing"),
        ),
        Column(
            "price_usd",
            "price",
            "Quoted price in US dollars; a range keeps its low and high and uses the midpoint.",
            nullable=False,
            aliases=("price", "cost", "fee", "amount", "price_text", "quoted_price", "price_usd"),
            minimum=0.0,
            maximum=25_000.0,
        ),
        Column(
            "units",
            "float",
            "Toxin units included in the quote, in the product's own units (per_session / package).",
            required=False,
            aliases=("unit_count", "num_units", "n_units", "units_included", "dose_units"),
            minimum=0.0,
            maximum=1_000.0,
        ),
        Column(
            "qualifiers",
            "str",
            "';'-separated words the quote carries: promotional, new_patient, member, cash, from (a lower bound), "
            "package, per_area, per_unit, per_vial, per_session, therapeutic. Promotional, member, new-patient and "
            "therapeutic prices are kept but left out of the price statistics (not what most patients pay).",
            required=False,
            aliases=("flags", "price_qualifiers"),
        ),
        Column(
            "treatment_area",
            "str",
            "Treatment area(s), ';'-separated (glabella, forehead, crows_feet, …).",
            required=False,
            aliases=("area", "areas", "treatment", "treatment_areas", "zone"),
        ),
    ),
)

STATE_RULES = TableSchema(
    name="state_rules",
    description=(
        "Who may inject cosmetic neurotoxins, per state and provider type, with supervision and purchase rules."
    ),
    columns=(
        STATE,
        PROVIDER_TYPE,
        Column(
            "may_inject",
            "choice",
            "May this provider type inject cosmetic neurotoxins?",
            choices=MAY_INJECT,
            nullable=False,
        ),
        Column(
            "supervision",
            "choice",
            "Supervision or delegation required.",
            choices=SUPERVISION_LEVELS,
            nullable=False,
        ),
        Column(
            "may_purchase",
            "choice",
            "May this provider type purchase / prescribe the product itself (yes/no/conditional/unknown)?",
            choices=MAY_INJECT,
            required=False,
        ),
        Column("notes", "str", "Conditions, conflicts between sources, caveats.", required=False),
        SOURCE,
        AS_OF,
        Column("reliability", "choice", "Strength of the source: high/med/low.", choices=RELIABILITY, required=False),
    ),
    key=("state", "provider_type"),
)

TRAINING = TableSchema(
    name="training",
    description="Neurotoxin training and certification courses offered in the US.",
    columns=(
        Column("organization", "str", "Training organization.", nullable=False, aliases=("provider", "org", "company")),
        Column("course", "str", "Course name.", nullable=False, aliases=("course_name", "program", "title")),
        Column(
            "format", "choice", "in_person, online or hybrid.", choices=TRAINING_FORMATS, aliases=("delivery", "mode")
        ),
        Column(
            "hands_on",
            "bool",
            "Hands-on injection practice on live models.",
            aliases=("hands_on_live_models", "live_models"),
        ),
        Column("duration_hours", "float", "Contact hours.", aliases=("hours", "duration"), minimum=0.0, maximum=500.0),
        Column(
            "list_price_usd",
            "float",
            "List price in US dollars.",
            aliases=("price", "price_usd", "tuition", "cost"),
            minimum=0.0,
            maximum=50_000.0,
        ),
        Column(
            "cme_credits",
            "float",
            "CME / CE credits (hours) offered.",
            aliases=("cme", "ce_credits", "credits"),
            minimum=0.0,
            maximum=200.0,
        ),
        Column(
            "eligible_professions",
            "str",
            "';'-separated provider types who may enrol (see PROVIDER_TYPES).",
            aliases=("professions", "eligibility", "who_may_enrol", "audience"),
        ),
        Column(
            "locations",
            "str",
            "';'-separated 'City, ST' where in-person sessions are held; 'online' for online only.",
            aliases=("location", "cities", "sites"),
        ),
        Column("notes", "str", "Caveats, what the price includes.", required=False),
        SOURCE,
        AS_OF,
        Column("reliability", "choice", "Strength of the source: high/med/low.", choices=RELIABILITY, required=False),
        Column(
            "status",
            "choice",
            "current (a source shows it offered in 2024 or later, or the provider's undated page offers it now), "
            "past (its dates have passed, or it was withdrawn) or unknown. Past courses are history: they are left "
            "out of availability, counts, nearest courses and break-even. Empty means unknown.",
            choices=COURSE_STATUSES,
            required=False,
        ),
        Column(
            "last_seen_offered",
            "str",
            "The latest date a source shows the course offered (YYYY, YYYY-MM or YYYY-MM-DD); empty when none.",
            required=False,
        ),
    ),
)

PROVIDER_COUNTS = TableSchema(
    name="provider_counts",
    description="Active individual providers per state and provider type.",
    columns=(
        STATE,
        PROVIDER_TYPE,
        Column(
            "count",
            "int",
            "Number of active individual providers.",
            nullable=False,
            aliases=("n", "providers", "provider_count", "total"),
            minimum=0,
        ),
        SOURCE,
        AS_OF,
    ),
    key=("state", "provider_type"),
)

TABLES: dict[str, TableSchema] = {t.name: t for t in (PRICES, STATE_RULES, TRAINING, PROVIDER_COUNTS)}
