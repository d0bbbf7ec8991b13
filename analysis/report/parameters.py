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
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis import config, schemas, states

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


class ParameterError(ValueError):
    """A user-caused problem with the requested reports; the message says what is valid."""


NATIONAL = states.NATIONAL
_CODE = re.compile(r"^[A-Z]{2}$")
_NOTEBOOK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_NONE_WORDS = {"", "none", "null", "default"}


def state_codes(path: Path | None = None) -> tuple[str, ...]:
    """``"US"`` followed by the state codes of ``data/reference/states.csv``, sorted (see :mod:`analysis.states`).

    A missing or malformed file is a :class:`ParameterError`: the states list ships with the project.
    """
    try:
        return states.report_choices(path)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read the list of states: {exc}") from None


def _format_choices(choices: Sequence[str], limit: int = 60) -> str:
    shown = ", ".join(choices[:limit])
    return shown + (f", … ({len(choices)} in all)" if len(choices) > limit else "")


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter.

    ``kind`` is ``"choice"`` (one of ``choices``, matched case-insensitively and returned in its
    canonical spelling), ``"float"`` (a finite number ≥ ``minimum``) or ``"path"`` (``None`` for the
    shipped file ``default_file``, else an existing file, returned as an absolute path string).
    """

    name: str
    kind: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    default_file: Path | None = None

    def coerce(self, value: Any) -> Any:
        """The validated, typed value; raises :class:`ParameterError` with the valid choices."""
        if self.kind == "choice":
            return self._coerce_choice(value)
        if self.kind == "float":
            return self._coerce_float(value)
        if self.kind == "path":
            return self._coerce_path(value)
        raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def _coerce_choice(self, value: Any) -> str:
        if isinstance(value, str):
            folded = {c.casefold(): c for c in self.choices}
            match = folded.get(value.strip().casefold())
            if match is not None:
                return match
        raise ParameterError(f"unknown {self.name} {value!r}; expected one of {_format_choices(self.choices)}")

    def _coerce_float(self, value: Any) -> float:
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        bound = "" if self.minimum is None else f" ≥ {self.minimum:g}"
        if number is None or not math.isfinite(number) or (self.minimum is not None and number < self.minimum):
            raise ParameterError(f"{self.name} must be a number{bound}, got {value!r}")
        return number

    def _coerce_path(self, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and value.strip().casefold() in _NONE_WORDS):
            return None
        if not isinstance(value, (str, Path)):
            raise ParameterError(f"{self.name} must be a file path or None, got {value!r}")
        default = self.default_file if self.default_file is not None else config.DATA_DIR
        resolved = config.resolve_data_path(str(value).strip(), default).resolve()
        if not resolved.is_file():
            raise ParameterError(f"{self.name}: no such file {str(value)!r} (looked at {resolved})")
        return str(resolved)

    def data_file(self, value: Any) -> Path | None:
        """The data file a ``path`` parameter's (validated) value stands for, shipped default included."""
        if self.kind != "path":
            return None
        return Path(value) if value is not None else self.default_file


STATE = Parameter(
    "state",
    "choice",
    NATIONAL,
    "Two-letter USPS code of a state or DC, or 'US' for the national report.",
    choices=state_codes(),
)
PRODUCT = Parameter(
    "product",
    "choice",
    "all",
    "Toxin brand to price, or 'all'.",
    choices=("all", *schemas.PRODUCTS),
)
PRICE_CAP = Parameter(
    "price_cap",
    "float",
    500.0,
    "Per-unit prices above this (USD) are treated as outliers.",
    minimum=0.0,
)
PRICES_PATH = Parameter(
    "prices_path",
    "path",
    None,
    "Price observations file; None for the shipped synthetic sample.",
    default_file=config.DEFAULT_PRICES,
)
PROVIDER_COUNTS_PATH = Parameter(
    "provider_counts_path",
    "path",
    None,
    "Provider counts file; None for the shipped synthetic sample.",
    default_file=config.DEFAULT_PROVIDER_COUNTS,
)
PROFESSION = Parameter(
    "profession",
    "choice",
    "registered_nurse",
    "Provider type whose training options are shown.",
    choices=schemas.PROVIDER_TYPES,
)


@dataclass(frozen=True)
class NotebookSpec:
    """A report notebook: its file, its parameters, and data files it reads besides its ``*_path`` ones."""

    name: str
    path: Path
    parameters: tuple[Parameter, ...]
    data_files: tuple[Path, ...] = ()
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
            (STATE,),
            data_files=(config.DEFAULT_PRICES, config.DEFAULT_PROVIDER_COUNTS),
            title="Market overview",
        ),
        NotebookSpec(
            "pricing",
            config.NOTEBOOKS_DIR / "pricing.ipynb",
            (STATE, PRODUCT, PRICE_CAP, PRICES_PATH),
            title="Pricing",
        ),
        NotebookSpec(
            "providers",
            config.NOTEBOOKS_DIR / "providers.ipynb",
            (STATE, PROVIDER_COUNTS_PATH),
            title="Providers",
        ),
        NotebookSpec(
            "training",
            config.NOTEBOOKS_DIR / "training.ipynb",
            (STATE, PROFESSION),
            title="Training",
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
            files += [("data", path) for path in spec.data_files]
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
