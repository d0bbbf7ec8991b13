"""Every path the toolkit uses, derived from the package location (never from the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SAMPLE_DIR = DATA_DIR / "sample"
RAW_DIR = DATA_DIR / "raw"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
# BOTOX_MARKET_REPORTS lets tests and CI write reports elsewhere without touching the checkout.
REPORTS_DIR = Path(os.environ.get("BOTOX_MARKET_REPORTS", PROJECT_DIR / "reports"))

KERNEL_NAME = "botox-market"

# The shipped data files. Each is a notebook parameter ``<name>_path`` (``None`` = this file), except
# the list of states, which is part of the toolkit's vocabulary (every report reads it to check ``state``).
DEFAULT_PRICES = REFERENCE_DIR / "clinic_price_quotes.csv"  # real quotes that named clinics publish
DEFAULT_PROVIDER_COUNTS = REFERENCE_DIR / "provider_counts.csv"  # published counts (BLS OEWS, AAMC)
# Generated samples, used only when asked for (``prices_path="synthetic"``) and in benchmarks and tests.
SYNTHETIC_FILES = {
    "prices": SAMPLE_DIR / "prices_sample.csv",
    "provider_counts": SAMPLE_DIR / "provider_counts_sample.csv",
}
SYNTHETIC = "synthetic"  # the word a *_path parameter takes to mean the generated sample

REFERENCE_FILES = {
    "states": REFERENCE_DIR / "states.csv",
    "state_aliases": REFERENCE_DIR / "state_aliases.csv",
    "taxonomy": REFERENCE_DIR / "nucc_taxonomy_provider_types.csv",
    "state_rules": REFERENCE_DIR / "state_rules.csv",
    "practice_rules": REFERENCE_DIR / "practice_rules.csv",
    "courses": REFERENCE_DIR / "training_courses.csv",
    "unit_conversions": REFERENCE_DIR / "toxin_unit_conversions.csv",
    "units_per_area": REFERENCE_DIR / "units_per_area.csv",
    "published_statistics": REFERENCE_DIR / "published_statistics.csv",
    "product_costs": REFERENCE_DIR / "product_costs.csv",
    "provider_wages": REFERENCE_DIR / "provider_wages.csv",
    "practice_economics": REFERENCE_DIR / "practice_economics.csv",
    "price_benchmarks": REFERENCE_DIR / "price_benchmarks.csv",
    "provider_counts_published": REFERENCE_DIR / "provider_counts_published.csv",
    "nucc_taxonomy": REFERENCE_DIR / "nucc_taxonomy_251.csv",
    "us_state_shapes": REFERENCE_DIR / "us_state_shapes.csv",
}
# "published_prices": the shipped quotes a user's own price list is set beside (the pricing report).
DATA_FILES = {
    "prices": DEFAULT_PRICES,
    "published_prices": DEFAULT_PRICES,
    "provider_counts": DEFAULT_PROVIDER_COUNTS,
    **REFERENCE_FILES,
}
VOCABULARY_FILES = (REFERENCE_FILES["states"], REFERENCE_FILES["state_aliases"])


def display_path(path: str | os.PathLike[str]) -> str:
    """A data file as a reader should see it: relative to the project when inside it, else its name."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return resolved.name


def resolve_data_path(path: str | os.PathLike[str] | None, default: Path) -> Path:
    """A notebook's data parameter: ``None`` means the shipped file; a relative path is taken from the project."""
    if path is None or str(path) == "":
        return default
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        cwd_candidate = Path.cwd() / candidate
        candidate = cwd_candidate if cwd_candidate.exists() else PROJECT_DIR / candidate
    return candidate
