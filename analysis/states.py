"""The one list of states: ``data/reference/states.csv`` (50 states + DC), plus its spelling variants.

Everything that needs state codes or names — parameter checks, the batch runner's validation, the
price-list parser, the NPPES reader — reads them here. Variants are derived: the code and the name in
any case, spacing or punctuation (``"tx"``, ``" new  york "``, ``"N.Y."``), plus the small alias table
``data/reference/state_aliases.csv`` (traditional abbreviations such as ``"Calif."``, ``"Washington DC"``).

Read with the standard library's ``csv`` (no polars), because the batch runner's main process validates
parameters before it imports anything heavy.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from analysis import config

NATIONAL = "US"
_CODE = re.compile(r"^[A-Z]{2}$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def state_names(path: Path | None = None) -> dict[str, str]:
    """USPS code → name, in code order, from ``states.csv``; raises ValueError on a malformed file."""
    path = config.REFERENCE_FILES["states"] if path is None else path
    names: dict[str, str] = {}
    for number, row in enumerate(_rows(path), start=2):
        code = (row.get("state") or "").strip()
        name = (row.get("name") or "").strip()
        # a code becomes a directory name in the reports: never anything but two capital letters
        if not _CODE.match(code) or code == NATIONAL or not name:
            raise ValueError(
                f"{path.name}, line {number}: expected a two-letter state code and a name, got {code!r}, {name!r}"
            )
        names[code] = name
    if not names:
        raise ValueError(f"{path.name} lists no states")
    return dict(sorted(names.items()))


def state_codes(path: Path | None = None) -> tuple[str, ...]:
    """The 50 state codes + DC, sorted."""
    return tuple(state_names(path))


def report_choices(path: Path | None = None) -> tuple[str, ...]:
    """What a notebook's ``state`` parameter accepts: ``"US"``, then every state code."""
    return (NATIONAL, *state_codes(path))


def state_key(text: str) -> str:
    """Lower-case letters and digits only: ``"N.Y."`` → ``"ny"``, ``" New  York "`` → ``"newyork"``."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=4)
def state_lookup(states_path: Path | None = None, aliases_path: Path | None = None) -> dict[str, str]:
    """:func:`state_key` of every code, name and alias → code."""
    names = state_names(states_path)
    aliases_path = config.REFERENCE_FILES["state_aliases"] if aliases_path is None else aliases_path
    lookup = {state_key(code): code for code in names} | {state_key(name): code for code, name in names.items()}
    for number, row in enumerate(_rows(aliases_path), start=2):
        code = (row.get("state") or "").strip()
        if code not in names:
            raise ValueError(f"{aliases_path.name}, line {number}: {code!r} is not a state in states.csv")
        lookup[state_key(row.get("alias") or "")] = code
    lookup.pop("", None)
    return lookup


def state_name(state: str) -> str:
    """``"the United States"`` for ``US``, else the state's name."""
    return "the United States" if state == NATIONAL else state_names()[state]
