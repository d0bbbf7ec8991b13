"""Parameter checks, shared by the notebooks and the batch runner.

A notebook runs in JupyterLab, under plain papermill and in the batch. The batch validates every
report's parameters before any kernel starts (:mod:`analysis.report.parameters`); the notebooks check
their own again, because outside the batch nothing did. Both call these functions, so a mistake gives
the same one-line message everywhere, naming the valid choices. Light on purpose (no polars): the
batch's main process imports this before anything heavy.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from analysis import config, schemas, states

NONE_WORDS = frozenset({"", "none", "null", "default"})  # how a command line says "the shipped file"


class ParameterError(ValueError):
    """A user-caused problem with a parameter; the message says what is valid, as it is."""


def format_choices(choices: Sequence[str], limit: int = 60) -> str:
    shown = ", ".join(choices[:limit])
    return shown + (f", … ({len(choices)} in all)" if len(choices) > limit else "")


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """``value`` in its canonical spelling if it is one of ``choices`` (compared case-insensitively)."""
    valid = tuple(choices)
    if isinstance(value, str):
        match = {c.casefold(): c for c in valid}.get(value.strip().casefold())
        if match is not None:
            return match
    raise ParameterError(f"unknown {name} {value!r}; expected one of {format_choices(valid)}")


def check_state(state: object) -> str:
    """``"US"`` or the two-letter code of one of the 50 states or DC (any case)."""
    return check_choice("state", state, states.report_choices())


def check_product(product: object) -> str:
    """``"all"`` or one of :data:`analysis.schemas.PRODUCTS`."""
    return check_choice("product", product, ("all", *schemas.PRODUCTS))


def check_profession(profession: object) -> str:
    """One of :data:`analysis.schemas.PROVIDER_TYPES`."""
    return check_choice("profession", profession, schemas.PROVIDER_TYPES)


def check_number(
    name: str, value: object, *, minimum: float | None = None, below: float | None = None, unit: str = ""
) -> float:
    """A finite number (≥ ``minimum``, < ``below``); numbers written as text are read."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if (
        number is None
        or not math.isfinite(number)
        or (minimum is not None and number < minimum)
        or (below is not None and number >= below)
    ):
        bounds = [f"≥ {minimum:g}"] if minimum is not None else []
        bounds += [f"< {below:g}"] if below is not None else []
        bound = f" {' and '.join(bounds)}" if bounds else ""
        raise ParameterError(f"{name} must be a finite number{bound}{unit}, got {value!r}")
    return number


def check_optional_number(
    name: str, value: object, *, minimum: float | None = None, below: float | None = None, unit: str = ""
) -> float | None:
    """``None`` (use the cited default) or a number as :func:`check_number`; ``"none"``/``"default"`` mean ``None``."""
    if value is None or (isinstance(value, str) and value.strip().casefold() in NONE_WORDS):
        return None
    return check_number(name, value, minimum=minimum, below=below, unit=unit)


# The practice-economics numbers a reader may set (None: the cited default). Shares are below 1.
BUSINESS_SHARES = ("waste_share", "card_fee_share")


BUSINESS_CEILING = 1e7  # no month of one injector reaches ten million of anything: a typo, refused before a kernel


def business_bounds(name: str) -> tuple[float, float]:
    """(minimum, exclusive maximum) of a practice-economics number: shares in [0, 1), units per visit ≥ 1."""
    if name in BUSINESS_SHARES:
        return 0.0, 1.0
    return (1.0 if name == "units_per_visit" else 0.0), BUSINESS_CEILING


def check_business_inputs(**values: object) -> dict[str, float | None]:
    """Every practice-economics number: ``None`` or a number within :func:`business_bounds`."""
    return {
        name: check_optional_number(name, value, minimum=business_bounds(name)[0], below=business_bounds(name)[1])
        for name, value in values.items()
    }


def check_price_cap(price_cap: object) -> float:
    """The price cap in US dollars, a finite number ≥ 0."""
    return check_number("price_cap", price_cap, minimum=0.0, unit=" (US dollars)")


def data_file(name: str) -> Path:
    """The shipped file behind the data parameter ``<name>_path`` (see :data:`analysis.config.DATA_FILES`)."""
    return config.DATA_FILES[name]


def check_data_path(parameter: str, value: object) -> Path:
    """The file a ``*_path`` parameter names: ``None`` (or ``""``, ``"none"``, ``"default"``) is the
    shipped file; ``"synthetic"`` the generated sample (prices and provider counts only); a relative path is
    taken from the working directory, else from the project."""
    name = parameter.removesuffix("_path")
    if name not in config.DATA_FILES:
        choices = format_choices(data_parameters())
        raise ParameterError(f"unknown data parameter {parameter!r}; expected one of {choices}")
    if value is None or (isinstance(value, str) and value.strip().casefold() in NONE_WORDS):
        return config.DATA_FILES[name]
    if isinstance(value, str) and value.strip().casefold() == config.SYNTHETIC:
        if name not in config.SYNTHETIC_FILES:
            raise ParameterError(f"{parameter}: there is no synthetic sample of {name}; give a file or None")
        return config.SYNTHETIC_FILES[name]
    if not isinstance(value, (str, os.PathLike)):
        raise ParameterError(f"{parameter} must be a file path or None, got {value!r}")
    resolved = config.resolve_data_path(str(value).strip(), config.DATA_FILES[name]).resolve()
    if not resolved.is_file():
        raise ParameterError(f"{parameter}: no such file {str(value)!r} (looked at {resolved})")
    return resolved


def data_parameters() -> tuple[str, ...]:
    """Every ``*_path`` parameter a notebook may declare, one per shipped data file."""
    return tuple(f"{name}_path" for name in config.DATA_FILES)


def check_data_paths(**parameters: object) -> dict[str, Path]:
    """Every ``<name>_path=value`` → ``{name: file}``, checked with :func:`check_data_path`.

    >>> check_data_paths(prices_path=None)["prices"].name
    'prices_sample.csv'
    """
    return {name.removesuffix("_path"): check_data_path(name, value) for name, value in parameters.items()}
