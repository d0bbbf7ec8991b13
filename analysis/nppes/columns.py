"""The NPPES columns the counter reads, their short names, and the reasons and tally keys of a count."""

from __future__ import annotations

N_TAXONOMY_SLOTS = 15

COL_NPI = "NPI"
COL_ENTITY = "Entity Type Code"
COL_PRACTICE_STATE = "Provider Business Practice Location Address State Name"
COL_PRACTICE_COUNTRY = "Provider Business Practice Location Address Country Code (If outside U.S.)"
COL_DEACTIVATION = "NPI Deactivation Date"
COL_REACTIVATION = "NPI Reactivation Date"
COL_MAILING_STATE = "Provider Business Mailing Address State Name"  # named only to say it is NOT used


def taxonomy_code_column(n: int) -> str:
    """Name of the taxonomy code column of slot ``n`` (1..15)."""
    return f"Healthcare Provider Taxonomy Code_{n}"


def primary_switch_column(n: int) -> str:
    """Name of the primary-taxonomy switch column of slot ``n`` (1..15)."""
    return f"Healthcare Provider Primary Taxonomy Switch_{n}"


SLOTS = range(1, N_TAXONOMY_SLOTS + 1)

# File column -> short name used inside the query. Order is the order of scan_nppes' raw projection.
RENAME: dict[str, str] = {
    COL_NPI: "npi",
    COL_ENTITY: "entity_type",
    COL_PRACTICE_STATE: "practice_state_raw",
    COL_PRACTICE_COUNTRY: "practice_country_raw",
    COL_DEACTIVATION: "deactivation_raw",
    COL_REACTIVATION: "reactivation_raw",
    **{taxonomy_code_column(n): f"taxonomy_code_{n}" for n in SLOTS},
    **{primary_switch_column(n): f"primary_switch_{n}" for n in SLOTS},
}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(RENAME)

# --- reasons and tally -----------------------------------------------------------------------------

REASONS: tuple[str, ...] = (
    "organisation",
    "entity_other",
    "deactivated",
    "no_primary_taxonomy",
    "unmapped_taxonomy",
    "outside_states",
    "counted",
)
TALLY_KEYS: tuple[str, ...] = (
    "rows_read",
    "organisations",
    "entity_other",
    "individuals",
    "deactivated",
    "no_primary_taxonomy",
    "unmapped_taxonomy",
    "outside_states",
    "counted",
    "counted_via_single_code",  # informational: part of ``counted``, primary taken from a lone code
)
