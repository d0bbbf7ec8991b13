"""Count active individual providers per state and provider type from the CMS NPPES NPI file.

The NPPES dissemination file (``npidata_pfile_YYYYMMDD-YYYYMMDD.csv``) has about 9 million rows,
330 columns and weighs about 10 GB; every field is double-quoted, empty ones as ``""``. Only 36 of
those columns matter here, so the file is read with column projection, in byte-range chunks (64 MB,
cut on a record boundary, read with one ``os.pread`` each): each chunk is parsed by polars and
reduced to row counts per distinct combination of six raw values (entity type, practice state and
country, deactivated yes/no, primary code, lone code) before the next one is parsed. Cleaning,
taxonomy mapping and classification then run once on those few thousand combinations instead of on
9 million rows. Memory stays bounded by the chunk size (peak RSS ~450 MiB, whatever the file
size), the caller gets byte-accurate progress, and the SHA-256 of the file is computed in a
reader thread from the very bytes that were counted (no second pass over 10 GB).

Rules (see :func:`classify`):

* individuals only: ``Entity Type Code == "1"`` (``"2"`` is an organisation; in the real file a
  deactivated NPI has a blank entity type, so it lands in ``entity_other``);
* active only: an ``NPI Deactivation Date`` means deactivated unless an ``NPI Reactivation Date``
  on or after it exists (dates are ``MM/DD/YYYY``);
* provider type from the taxonomy slot whose ``Healthcare Provider Primary Taxonomy Switch_n`` is
  ``Y`` (first such slot, n = 1..15); when no slot says ``Y`` but exactly one taxonomy code is
  present, that code is used (NPPES requires a primary, so a lone code is the primary in all but
  name); the code is mapped through a ``taxonomy_code → provider_type`` frame;
* state from the *practice location* address (not the mailing address), trimmed and upper-cased,
  full state names turned into their USPS code; only the 50 states and DC are counted, a practice
  country other than ``US`` is outside too.

Every row read ends up in exactly one reason, so :attr:`NppesCounts.tally` reconciles::

    rows_read   = organisations + entity_other + individuals
    individuals = deactivated + no_primary_taxonomy + unmapped_taxonomy + outside_states + counted
    counted     = counts["count"].sum()

Modules: :mod:`~analysis.nppes.columns` (column names, reasons, tally keys), :mod:`~analysis.nppes.header`
(header check), :mod:`~analysis.nppes.chunks` (record-aligned chunks, reader thread),
:mod:`~analysis.nppes.rules` (the rules as polars expressions, :func:`scan_nppes`),
:mod:`~analysis.nppes.mapping` (taxonomy → provider type) and :mod:`~analysis.nppes.counts`
(:func:`count_providers`, :class:`NppesCounts`, :func:`write_counts`). Everything public is
re-exported here: ``from analysis import nppes; nppes.count_providers(...)``.
"""

from analysis.nppes.chunks import CHUNK_BYTES
from analysis.nppes.columns import (
    COL_DEACTIVATION,
    COL_ENTITY,
    COL_MAILING_STATE,
    COL_NPI,
    COL_PRACTICE_COUNTRY,
    COL_PRACTICE_STATE,
    COL_REACTIVATION,
    N_TAXONOMY_SLOTS,
    REASONS,
    RENAME,
    REQUIRED_COLUMNS,
    SLOTS,
    TALLY_KEYS,
    primary_switch_column,
    taxonomy_code_column,
)
from analysis.nppes.counts import (
    NppesCounts,
    Progress,
    count_providers,
    fast_fingerprint,
    file_as_of,
    reconciliation_errors,
    write_counts,
)
from analysis.nppes.header import read_header
from analysis.nppes.mapping import load_taxonomy_mapping, mapping_dict
from analysis.nppes.rules import (
    KEY_COLUMNS,
    STATE_CODES,
    STATE_NAMES,
    classify,
    normalise,
    prepare,
    project,
    row_keys,
    scan_nppes,
    summarise,
)

__all__ = [
    "CHUNK_BYTES",
    "COL_DEACTIVATION",
    "COL_ENTITY",
    "COL_MAILING_STATE",
    "COL_NPI",
    "COL_PRACTICE_COUNTRY",
    "COL_PRACTICE_STATE",
    "COL_REACTIVATION",
    "KEY_COLUMNS",
    "N_TAXONOMY_SLOTS",
    "REASONS",
    "RENAME",
    "REQUIRED_COLUMNS",
    "SLOTS",
    "STATE_CODES",
    "STATE_NAMES",
    "TALLY_KEYS",
    "NppesCounts",
    "Progress",
    "classify",
    "count_providers",
    "fast_fingerprint",
    "file_as_of",
    "load_taxonomy_mapping",
    "mapping_dict",
    "normalise",
    "prepare",
    "primary_switch_column",
    "project",
    "read_header",
    "reconciliation_errors",
    "row_keys",
    "scan_nppes",
    "summarise",
    "taxonomy_code_column",
    "write_counts",
]
