"""Every shipped data file is documented, cites its sources, and nothing reads outside the project."""

from __future__ import annotations

import re

import polars as pl
import pytest

from analysis import config

DATA_FILES = sorted(
    p
    for folder in (config.REFERENCE_DIR, config.SAMPLE_DIR)
    for p in folder.glob("*.csv")
    if not p.name.endswith(".rejects.csv")
)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_data_file_is_documented_in_the_data_readme(path):
    readme = (config.DATA_DIR / "README.md").read_text()
    assert f"{path.parent.name}/{path.name}" in readme


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_data_row_has_a_source_and_an_as_of(path):
    frame = pl.read_csv(path, infer_schema=False)
    when = (
        "observed_date" if "price_usd" in frame.columns else "as_of"
    )  # a price observation is dated by when it was seen
    assert {"source", when} <= set(frame.columns)
    assert frame.filter(pl.col("source").is_null() | (pl.col("source").str.strip_chars() == "")).is_empty()
    assert frame.filter(pl.col(when).is_null()).is_empty()


def test_no_code_reads_the_shared_folder_outside_the_project():
    pattern = re.compile(r"\.\./shared|/work/shared")
    offenders = [
        str(p.relative_to(config.PROJECT_DIR))
        for folder in ("analysis", "notebooks", "benchmarks", "Makefile")
        for p in ([config.PROJECT_DIR / folder] if folder == "Makefile" else (config.PROJECT_DIR / folder).rglob("*"))
        if p.is_file() and p.suffix in {".py", ".ipynb", ""} and pattern.search(p.read_text(errors="ignore"))
    ]
    assert offenders == []
