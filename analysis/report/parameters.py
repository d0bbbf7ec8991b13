"""The report notebooks' parameters, declared as data, and their validation.

Each notebook's signature is its cell tagged ``parameters``; :data:`NOTEBOOKS` states the same
signature here with types and valid choices, so that a batch is checked *before* any kernel starts:
an unknown state, notebook or parameter, or a value of the wrong type, is one :class:`ParameterError`
whose message lists the valid choices.

Values stay typed data all the way to the notebook: codes stay strings (``"06"`` is not ``6``), numbers
become floats, data paths become absolute paths of existing files; papermill's parameter injection
writes them into the notebook.

Output paths are built only from validated values (:class:`ReportPaths`), so a state such as
``../../etc`` or a notebook name with a ``/`` never reaches the filesystem.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis import checks, config, schemas, states
from analysis.checks import ParameterError

__all__ = [
    "NOTEBOOKS",
    "NotebookSpec",
    "Parameter",
    "ParameterError",
    "ReportPaths",
    "ReportRequest",
    "build_requests",
    "notebook_parameter_names",
    "parse_assignments",
    "parse_notebooks",
    "parse_states",
    "state_codes",
]


NATIONAL = states.NATIONAL
_CODE = re.compile(r"^[A-Z]{2}$")
_NOTEBOOK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def state_codes(path: Path | None = None) -> tuple[str, ...]:
    """``"US"`` followed by the state codes of ``data/reference/states.csv``, sorted (see :mod:`analysis.states`).

    A missing or malformed file is a :class:`ParameterError`: the states list ships with the project.
    """
    try:
        return states.report_choices(path)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read the list of states: {exc}") from None


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter.

    ``kind`` is ``"choice"`` (one of ``choices``, matched case-insensitively and returned in its
    canonical spelling), ``"float"`` (a finite number ≥ ``minimum``, < ``below``), ``"optional_float"`` (the
    same, or ``None`` for the notebook's cited default) or ``"path"`` (``None`` for the
    shipped file ``default_file``, else an existing file, returned as an absolute path string). The
    checks themselves are :mod:`analysis.checks`, which the notebooks call too.
    """

    name: str
    kind: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    below: float | None = None
    unit: str = ""  # after the bound in messages, e.g. " (US dollars)"
    default_file: Path | None = None

    def coerce(self, value: Any) -> Any:
        """The validated, typed value; raises :class:`ParameterError` with the valid choices."""
        if self.kind == "choice":
            return checks.check_choice(self.name, value, self.choices)
        if self.kind == "float":
            return checks.check_number(self.name, value, minimum=self.minimum, below=self.below, unit=self.unit)
        if self.kind == "optional_float":
            return checks.check_optional_number(
                self.name, value, minimum=self.minimum, below=self.below, unit=self.unit
            )
        if self.kind == "path":
            if value is None or (isinstance(value, str) and value.strip().casefold() in checks.NONE_WORDS):
                return None
            return str(checks.check_data_path(self.name, value))
        raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def data_file(self, value: Any) -> Path | None:
        """The data file a ``path`` parameter's (validated) value stands for, shipped default included."""
        if self.kind != "path":
            return None
        return Path(value) if value is not None else self.default_file


def data_parameter(name: str, what: str) -> Parameter:
    """The ``<name>_path`` parameter of a shipped data file (:data:`analysis.config.DATA_FILES`)."""
    default_file = config.DATA_FILES[name]
    return Parameter(
        f"{name}_path",
        "path",
        None,
        f"{what}; None for the shipped {default_file.relative_to(config.DATA_DIR).as_posix()}.",
        default_file=default_file,
    )


STATE = Parameter(
    "state",
    "choice",
    NATIONAL,
    "Two-letter USPS code of a state or DC, or 'US' for the national report.",
    choices=state_codes(),
)
PRODUCT = Parameter("product", "choice", "all", "Toxin brand to price, or 'all'.", choices=("all", *schemas.PRODUCTS))
PRICE_CAP = Parameter(
    "price_cap",
    "float",
    500.0,
    "Treatments priced above this (USD) are flagged, never dropped.",
    minimum=0.0,
    unit=" (US dollars)",
)
PROFESSION = Parameter(
    "profession",
    "choice",
    "registered_nurse",
    "Provider type whose training options are shown.",
    choices=schemas.PROVIDER_TYPES,
)
PROVIDER_TYPE = Parameter(
    "provider_type",
    "choice",
    "registered_nurse",
    "Provider type who injects in the practice economics.",
    choices=schemas.PROVIDER_TYPES,
)


def business_input(name: str, description: str) -> Parameter:
    """A practice-economics number: ``None`` (the notebook's cited default) or the reader's own (the bounds are
    :func:`analysis.checks.business_bounds`'s)."""
    low, high = checks.business_bounds(name)
    return Parameter(name, "optional_float", None, description, minimum=low, below=high)


BUSINESS_INPUTS = (
    business_input("price_per_unit", "Price per Botox unit, USD; None: the state's median from clinics' quotes."),
    business_input("units_per_visit", "Botox units per visit; None: 42 (label doses, one to three areas)."),
    business_input("visits_per_month", "Neurotoxin visits a month; None: the cited default."),
    business_input("product_cost_per_unit", "What the practice pays per unit, USD; None: cited purchase prices."),
    business_input("waste_share", "Share of units bought that are wasted (0-1); None: cited."),
    business_input("card_fee_share", "Card fees as a share of revenue (0-1); None: cited."),
    business_input("injector_hourly_wage", "Injector's pay per hour, USD; None: the BLS state median."),
    business_input("injector_hours_per_month", "Injector's paid hours a month; None: full time (173.3)."),
    business_input("medical_director_fee", "Medical director's fee a month, USD; None: cited, where required."),
    business_input("rent_per_month", "Rent a month, USD; None: the cited default."),
    business_input("other_overhead_per_month", "Other overhead a month, USD; None: the cited default."),
    business_input("course_fee", "Training course fee, USD; None: median current course price for the type."),
)
PRICES_PATH = data_parameter("prices", "Price observations file")
PUBLISHED_PRICES_PATH = data_parameter("published_prices", "Published clinic quotes set beside your own prices")
PROVIDER_COUNTS_PATH = data_parameter("provider_counts", "Provider counts file")
STATE_RULES_PATH = data_parameter("state_rules", "Who may inject, by state and provider type")
PRACTICE_RULES_PATH = data_parameter("practice_rules", "NP authority, PA ratio, nurse compact, corporate practice")
COURSES_PATH = data_parameter("courses", "Training course catalogue")
UNIT_CONVERSIONS_PATH = data_parameter("unit_conversions", "Botox-equivalent units per unit of each product")
UNITS_PER_AREA_PATH = data_parameter("units_per_area", "Units per treatment area")
PUBLISHED_STATISTICS_PATH = data_parameter("published_statistics", "Published market statistics")
PRODUCT_COSTS_PATH = data_parameter("product_costs", "What a practice pays per unit")
PROVIDER_WAGES_PATH = data_parameter("provider_wages", "BLS wages by state and provider type")
PRACTICE_ECONOMICS_PATH = data_parameter("practice_economics", "Cited figures for running a practice")
US_STATE_SHAPES_PATH = data_parameter("us_state_shapes", "State outlines for the US map")


@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook: its file and its parameters.

    Every data file a notebook reads is one of its ``*_path`` parameters, so the batch derives each
    report's inputs (cache key, footer, manifest) from its parameters; the one exception is the list of
    states (:data:`analysis.config.VOCABULARY_FILES`), which every report reads to check ``state``.
    """

    name: str
    path: Path
    parameters: tuple[Parameter, ...]
    title: str = ""

    def __post_init__(self) -> None:
        if not _NOTEBOOK_NAME.match(self.name):
            raise ValueError(f"notebook name {self.name!r} must match {_NOTEBOOK_NAME.pattern}")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)


NOTEBOOKS: dict[str, NotebookSpec] = {
    spec.name: spec
    for spec in (
        NotebookSpec(
            "overview",
            config.NOTEBOOKS_DIR / "overview.ipynb",
            (
                STATE,
                PRICES_PATH,
                PROVIDER_COUNTS_PATH,
                STATE_RULES_PATH,
                COURSES_PATH,
                UNIT_CONVERSIONS_PATH,
                PUBLISHED_STATISTICS_PATH,
                UNITS_PER_AREA_PATH,
            ),
            title="Market overview",
        ),
        NotebookSpec(
            "pricing",
            config.NOTEBOOKS_DIR / "pricing.ipynb",
            (
                STATE,
                PRODUCT,
                PRICE_CAP,
                PRICES_PATH,
                PUBLISHED_PRICES_PATH,
                UNIT_CONVERSIONS_PATH,
                UNITS_PER_AREA_PATH,
                US_STATE_SHAPES_PATH,
            ),
            title="Pricing",
        ),
        NotebookSpec(
            "providers",
            config.NOTEBOOKS_DIR / "providers.ipynb",
            (STATE, PROVIDER_COUNTS_PATH, STATE_RULES_PATH, PRACTICE_RULES_PATH),
            title="Providers",
        ),
        NotebookSpec(
            "training",
            config.NOTEBOOKS_DIR / "training.ipynb",
            (
                STATE,
                PROFESSION,
                COURSES_PATH,
                STATE_RULES_PATH,
                PRICES_PATH,
                UNIT_CONVERSIONS_PATH,
                PRODUCT_COSTS_PATH,
                UNITS_PER_AREA_PATH,
                PROVIDER_COUNTS_PATH,
            ),
            title="Training",
        ),
        NotebookSpec(
            "economics",
            config.NOTEBOOKS_DIR / "economics.ipynb",
            (
                STATE,
                PROVIDER_TYPE,
                *BUSINESS_INPUTS,
                PRICES_PATH,
                UNIT_CONVERSIONS_PATH,
                PRODUCT_COSTS_PATH,
                UNITS_PER_AREA_PATH,
                STATE_RULES_PATH,
                PRACTICE_RULES_PATH,
                PROVIDER_WAGES_PATH,
                PRACTICE_ECONOMICS_PATH,
                COURSES_PATH,
            ),
            title="Practice economics",
        ),
    )
}


@dataclass(frozen=True)
class ReportPaths:
    """Where one report's files go under ``out``; built from validated values only."""

    out: Path
    state: str
    notebook: str

    def __post_init__(self) -> None:
        if not _CODE.match(self.state) or not _NOTEBOOK_NAME.match(self.notebook):
            raise ParameterError(f"refusing output path for state {self.state!r}, notebook {self.notebook!r}")

    @property
    def html(self) -> Path:
        return self.out / self.state / f"{self.notebook}.html"

    @property
    def executed_dir(self) -> Path:
        return self.out / "executed" / self.state

    @property
    def executed(self) -> Path:
        return self.executed_dir / f"{self.notebook}.ipynb"

    @property
    def summary(self) -> Path:
        return self.executed_dir / f"{self.notebook}.summary.json"

    @property
    def record(self) -> Path:
        """The report's manifest entry, written last: its presence commits the report."""
        return self.executed_dir / f"{self.notebook}.record.json"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()


@dataclass(frozen=True)
class ReportRequest:
    """One validated (notebook, parameters) pair."""

    notebook: str
    notebook_path: Path
    parameters: dict[str, Any] = field(hash=False)
    data_files: tuple[tuple[str, Path], ...] = ()  # (role, path) the report reads

    @property
    def state(self) -> str:
        return str(self.parameters["state"])

    @property
    def label(self) -> str:
        return f"{self.state}/{self.notebook}"

    def paths(self, out: Path) -> ReportPaths:
        return ReportPaths(Path(out), self.state, self.notebook)


def parse_states(text: str | Sequence[str] | None, *, choices: Sequence[str] | None = None) -> list[str]:
    """``"all"`` (every choice), ``"US"`` or a comma-separated list such as ``"CA,tx"`` → codes."""
    choices = tuple(choices if choices is not None else STATE.choices)
    items = _split(text)
    if not items or [i.casefold() for i in items] == ["all"]:
        return list(choices)
    parameter = Parameter("state", "choice", NATIONAL, STATE.description, choices=choices)
    return _unique(parameter.coerce(item) for item in items)


def parse_notebooks(text: str | Sequence[str] | None, *, specs: Mapping[str, NotebookSpec] | None = None) -> list[str]:
    """``"all"`` or a comma-separated list of notebook names → names, checked against ``specs``."""
    specs = NOTEBOOKS if specs is None else specs
    items = _split(text)
    if not items or [i.casefold() for i in items] == ["all"]:
        return list(specs)
    valid = list(specs)
    chosen = []
    for item in items:
        name = item.strip().removesuffix(".ipynb")
        if name not in specs:
            raise ParameterError(f"unknown notebook {item!r}; expected one of {', '.join(valid)} (or 'all')")
        chosen.append(name)
    return _unique(chosen)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["price_cap=300", "product=dysport"]`` → ``{"price_cap": "300", "product": "dysport"}``."""
    result: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(f"expected PARAMETER=VALUE, got {item!r}")
        result[name] = value
    return result


def build_requests(
    *,
    states: str | Sequence[str] | None = "all",
    notebooks: str | Sequence[str] | None = "all",
    overrides: Mapping[str, Any] | None = None,
    specs: Mapping[str, NotebookSpec] | None = None,
    check_files: bool = True,
) -> list[ReportRequest]:
    """Validate a whole batch and return one :class:`ReportRequest` per (notebook, state).

    ``overrides`` apply to every selected notebook that declares the parameter; a parameter no
    selected notebook declares is an error listing the valid ones. ``state`` comes from ``states``.
    With ``check_files`` each notebook file must exist and its ``parameters`` cell must assign every
    declared parameter (the contract between this module and the notebooks).
    """
    specs = NOTEBOOKS if specs is None else specs
    chosen = [specs[name] for name in parse_notebooks(notebooks, specs=specs)]
    state_choices = _state_choices(chosen)
    state_list = parse_states(states, choices=state_choices)
    overrides = dict(overrides or {})

    declared = sorted({p.name for spec in chosen for p in spec.parameters} - {"state"})
    if "state" in overrides:
        raise ParameterError("set the state with --states, not state=…")
    for name in overrides:
        if name not in declared:
            raise ParameterError(
                f"unknown parameter {name!r} for notebooks {', '.join(s.name for s in chosen)}; "
                f"valid parameters: {', '.join(declared) or '(none besides state)'}"
            )

    bases: dict[str, dict[str, Any]] = {}
    for spec in chosen:
        if "state" not in spec.parameter_names:
            raise ParameterError(f"notebook {spec.name!r} declares no state parameter")
        bases[spec.name] = {
            p.name: p.coerce(overrides.get(p.name, p.default)) for p in spec.parameters if p.name != "state"
        }
    if check_files:
        for spec in chosen:
            _check_notebook_contract(spec)

    requests: list[ReportRequest] = []
    for spec in chosen:
        base = bases[spec.name]
        for state in state_list:
            values = {"state": spec.parameter("state").coerce(state), **base}
            files = [(p.name, p.data_file(values[p.name])) for p in spec.parameters if p.kind == "path"]
            files += [("vocabulary", path) for path in config.VOCABULARY_FILES]
            requests.append(
                ReportRequest(
                    notebook=spec.name,
                    notebook_path=spec.path.resolve(),
                    parameters={name: values[name] for name in spec.parameter_names},
                    data_files=tuple((role, Path(path)) for role, path in files if path is not None),
                )
            )
    return requests


def notebook_parameter_names(path: Path) -> list[str]:
    """Names assigned in the notebook's first cell tagged ``parameters`` (read as JSON, not executed)."""
    return list(notebook_parameter_defaults(path))


_NO_LITERAL = object()


def notebook_parameter_defaults(path: Path) -> dict[str, Any]:
    """``{name: default}`` of the notebook's ``parameters`` cell; a default that is not a literal is
    left out of comparisons (its value is an internal marker)."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ParameterError(f"cannot read notebook {path}: {exc}") from None
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError as exc:
                raise ParameterError(f"{path.name}: the parameters cell is not valid Python ({exc.msg})") from None
            defaults: dict[str, Any] = {}
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                value: Any = _NO_LITERAL
                if getattr(node, "value", None) is not None:
                    try:
                        value = ast.literal_eval(node.value)
                    except ValueError:
                        value = _NO_LITERAL
                for target in targets:
                    if isinstance(target, ast.Name):
                        defaults[target.id] = value
            return defaults
    raise ParameterError(f"{path.name} has no cell tagged 'parameters'")


def _check_notebook_contract(spec: NotebookSpec) -> None:
    if not spec.path.is_file():
        raise ParameterError(f"notebook {spec.name!r} not found at {spec.path}")
    defaults = notebook_parameter_defaults(spec.path)
    missing = [name for name in spec.parameter_names if name not in defaults]
    if missing:
        raise ParameterError(
            f"{spec.path.name}: its parameters cell does not assign {', '.join(missing)} "
            f"(declared in analysis/report/parameters.py)"
        )
    # The same notebook must mean the same thing in JupyterLab (its own defaults) and in a batch.
    for parameter in spec.parameters:
        value = defaults[parameter.name]
        if value is not _NO_LITERAL and value != parameter.default:
            raise ParameterError(
                f"{spec.path.name}: {parameter.name} defaults to {value!r} in the notebook but to "
                f"{parameter.default!r} in analysis/report/parameters.py; make them agree"
            )


def _state_choices(chosen: Sequence[NotebookSpec]) -> tuple[str, ...]:
    for spec in chosen:
        if "state" in spec.parameter_names:
            return spec.parameter("state").choices
    return STATE.choices


def _split(text: str | Sequence[str] | None) -> list[str]:
    if text is None:
        return []
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in str(t).split(",")]
    return [p.strip() for p in parts if p.strip()]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- a user's own price file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnPrices:
    """A batch run on the user's own price list: where it goes and which states it covers."""

    path: Path
    sha256: str
    states: tuple[str, ...]  # "US" first, then the states present in the file
    out: Path  # its own folder beside the default reports, named after the file

    def describe(self) -> dict[str, str]:
        return {"prices_file": config.display_path(self.path), "prices_sha256": self.sha256}


def own_prices(value: object) -> OwnPrices | None:
    """``prices_path=…`` naming a user's file (not the shipped quotes, not the synthetic sample) → its
    :class:`OwnPrices`; else None. The file is loaded once here so that a broken file fails before any kernel."""
    import hashlib

    from analysis.io import InputError, load_table

    path = checks.check_data_path("prices_path", value)
    if path.resolve() in {config.DEFAULT_PRICES.resolve(), config.SYNTHETIC_FILES["prices"].resolve()}:
        return None
    try:
        loaded = load_table(path, "prices")
    except InputError as exc:
        raise ParameterError(f"prices_path: {exc}") from None
    present = sorted(set(loaded.accepted["state"].drop_nulls().to_list()))
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "prices"
    out = config.REPORTS_DIR.parent / f"{config.REPORTS_DIR.name}-{slug}"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return OwnPrices(path=path, sha256=digest, states=("US", *present), out=out)
