"""Load any of the toolkit's tables from CSV, Parquet or Excel, validate it, and account for every row.

``load_table(path, "prices")`` returns a :class:`LoadResult`: the accepted rows (typed, in the
schema's vocabulary), the rejected rows (as read, with a ``reason``) and the counts, which always
reconcile: ``n_read == n_accepted + n_rejected``.

Problems with the file as a whole (unreadable, empty, missing column, ambiguous columns) raise
:class:`InputError` with one line naming the file, the column and what was expected. Problems with
a row never raise: the row goes to the rejects with every reason that applies.

Why not a schema library (dataframely, pandera): both report failures per rule, while users of a
scraped price list need each bad row with its original text, its row number in the file and every
reason in words; the rules here are plain polars expressions over the schema in ``analysis.schemas``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from analysis import normalize, price_text
from analysis.schemas import STATE, TABLES, UNSPECIFIED_PRODUCT, Column, TableSchema

ROW_COLUMN = "source_row"  # 1-based row number in the input file (line number for text files)
REASON_COLUMN = "reason"
MAX_CELL_CHARS = 2_000  # longer cells are almost always a broken scrape (a page pasted into one cell)
_REASON_SEP = "; "


class InputError(ValueError):
    """A problem with an input file as a whole; the message is meant for the user, as it is."""


@dataclass(frozen=True)
class LoadResult:
    table: str
    path: Path
    accepted: pl.DataFrame
    rejects: pl.DataFrame
    column_mapping: dict[str, str]  # file header -> schema column
    ignored_columns: list[str] = field(default_factory=list)
    n_rows: int | None = None  # rows in the file; more observations when a cell priced several brands
    notes: list[str] = field(default_factory=list)  # defaults the loader applied, said to the user

    @property
    def n_read(self) -> int:
        """Observations read: the file's rows, plus the extra parts of cells that priced several brands."""
        return self.accepted.height + self.rejects.height

    @property
    def n_file_rows(self) -> int:
        return self.n_read if self.n_rows is None else self.n_rows

    @property
    def n_accepted(self) -> int:
        return self.accepted.height

    @property
    def n_rejected(self) -> int:
        return self.rejects.height

    def reason_counts(self) -> pl.DataFrame:
        """``reason, n``: how many rejected rows give each reason (a row can give several), most first."""
        reasons = self.rejects[REASON_COLUMN].str.split(_REASON_SEP).explode().str.replace(r" '.*$", "")
        return reasons.value_counts(sort=True, name="n").rename({REASON_COLUMN: "reason"})

    def summary(self) -> str:
        read = f"{self.n_file_rows:,} rows read"
        if self.n_read != self.n_file_rows:
            read += f" ({self.n_read:,} observations)"
        return f"{self.path.name}: {read}, {self.n_accepted:,} accepted, {self.n_rejected:,} rejected"


# --- reading files into strings -------------------------------------------------------------------


def _detect_format(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "text"


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{path}: cannot decode as {encoding}: {exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line} is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8 or pass --encoding (for example cp1252)"
        ) from None


def _sniff_separator(header_line: str) -> str:
    candidates = [",", ";", "\t", "|"]
    counts = {sep: header_line.count(sep) for sep in candidates}
    best = max(candidates, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _first_ragged_line(text: str, separator: str) -> str | None:
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    width = None
    for row in reader:
        if not row:
            continue
        if width is None:
            width = len(row)
        elif len(row) != width:
            return f"line {reader.line_num} has {len(row)} fields, the header has {width}"
    return None


def _read_text(path: Path, raw: bytes, encoding: str | None) -> pl.DataFrame:
    text = _decode(raw, path, encoding)
    if "\x00" in text[:4096]:
        raise InputError(f"{path}: looks like a binary file, not CSV text")
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{path}: the file is empty; expected a header row and data rows")
    header_line = stripped.splitlines()[0]
    separator = _sniff_separator(header_line)
    header = next(csv.reader([header_line], delimiter=separator))
    try:
        frame = pl.read_csv(
            text.encode("utf-8"),
            separator=separator,
            infer_schema=False,
            # positional names: the real header is attached after checking it for duplicates
            new_columns=[f"__c{i}" for i in range(len(header))],
        )
    except pl.exceptions.PolarsError as exc:
        detail = _first_ragged_line(text, separator) or str(exc).splitlines()[0]
        raise InputError(f"{path}: cannot read as CSV ({detail})") from None
    return _attach_header(frame, header, path, first_data_line=2)


def _attach_header(frame: pl.DataFrame, header: list[str], path: Path, *, first_data_line: int) -> pl.DataFrame:
    """Rename positional columns to the file's header; duplicated names are an error, not a silent rename."""
    seen: dict[str, int] = {}
    for name in header:
        key = _normalize_name(name)
        seen[key] = seen.get(key, 0) + 1
    duplicated = [name for name in header if seen[_normalize_name(name)] > 1]
    if duplicated:
        raise InputError(f"{path}: column {duplicated[0]!r} appears more than once in the header")
    empty = [i + 1 for i, name in enumerate(header) if not name.strip()]
    renamed = [name if name.strip() else f"unnamed_{i + 1}" for i, name in enumerate(header)]
    frame = frame.rename(dict(zip(frame.columns, renamed, strict=True)))
    if empty and all(frame[f"unnamed_{i}"].null_count() == frame.height for i in empty):
        frame = frame.drop([f"unnamed_{i}" for i in empty])  # trailing separators in the header
    return frame.with_row_index(ROW_COLUMN, offset=first_data_line)


def read_raw(path: str | Path, *, encoding: str | None = None, sheet: str | None = None) -> pl.DataFrame:
    """Read a CSV/TSV, Parquet or Excel (xlsx) file into a frame of strings, one column per header name.

    The format is detected from the file's first bytes, not its extension, so an Excel workbook
    saved as ``.csv`` still loads. A ``source_row`` column numbers the rows as the user sees them.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a CSV, Parquet or Excel file")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; expected a header row and data rows")
    kind = _detect_format(raw[:8])
    if kind == "xls":
        raise InputError(f"{path}: legacy Excel .xls is not supported; save it as .xlsx or CSV")
    if kind == "parquet":
        try:
            frame = pl.read_parquet(io.BytesIO(raw))
        except pl.exceptions.PolarsError as exc:
            raise InputError(f"{path}: cannot read as Parquet ({str(exc).splitlines()[0]})") from None
        frame = frame.with_columns(pl.all().cast(pl.String))
        return frame.with_row_index(ROW_COLUMN, offset=1)
    if kind == "xlsx":
        try:
            frame = pl.read_excel(
                io.BytesIO(raw),
                sheet_name=sheet,
                has_header=False,
                infer_schema_length=0,
                drop_empty_rows=False,
                raise_if_empty=False,
            )
        except Exception as exc:  # fastexcel raises its own exception types
            raise InputError(f"{path}: cannot read as an Excel workbook ({str(exc).splitlines()[0]})") from None
        if frame.height == 0:
            raise InputError(f"{path}: the workbook's sheet is empty; expected a header row and data rows")
        header = ["" if v is None else str(v) for v in frame.row(0)]
        body = frame.slice(1).with_columns(pl.all().cast(pl.String))
        # Excel rows that are entirely empty are layout, not observations
        body = body.filter(~pl.all_horizontal(pl.all().is_null()))
        return _attach_header(body, header, path, first_data_line=2)
    return _read_text(path, raw, encoding)


# --- matching the header ---------------------------------------------------------------------------


def _normalize_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def parse_column_mapping(text: str | None) -> dict[str, str]:
    """Parse ``'Clinic Name=clinic,Cost=price_usd'`` (the ``--columns`` option) into a dict."""
    if not text:
        return {}
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(f"--columns: {part.strip()!r} is not of the form 'File Column=schema_column'")
        source, target = part.split("=", 1)
        mapping[source.strip()] = target.strip()
    return mapping


def match_columns(
    header: list[str], schema: TableSchema, path: Path, explicit: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map file column names to schema columns: explicit mapping first, then names and aliases.

    Returns (file name -> schema name, ignored file columns). Raises InputError for a required
    column that is missing or two file columns that claim the same schema column.
    """
    explicit = dict(explicit or {})
    valid = schema.column_names
    by_key: dict[str, str] = {}
    for column in schema.columns:
        for name in (column.name, *column.aliases):
            by_key.setdefault(_normalize_name(name), column.name)
    header_by_key = {_normalize_name(h): h for h in header}

    mapping: dict[str, str] = {}
    for source, target in explicit.items():
        if target not in valid:
            raise InputError(
                f"--columns: unknown column {target!r} for table {schema.name}; expected one of {', '.join(valid)}"
            )
        actual = header_by_key.get(_normalize_name(source))
        if actual is None:
            raise InputError(
                f"{path}: --columns names {source!r}, which is not in the file; the file has {', '.join(header)}"
            )
        mapping[actual] = target
    for name in header:
        if name in mapping or name == ROW_COLUMN:
            continue
        target = by_key.get(_normalize_name(name))
        if target is None:
            continue
        claimed = [h for h, t in mapping.items() if t == target]
        if claimed:
            if claimed[0] in {header_by_key.get(_normalize_name(s)) for s in explicit}:
                continue  # the user's explicit choice wins over a name match
            raise InputError(
                f"{path}: columns {claimed[0]!r} and {name!r} both match {target!r}; "
                f"choose one with --columns '{name}={target}' or rename the other"
            )
        mapping[name] = target
    missing = [c.name for c in schema.columns if c.required and c.name not in mapping.values()]
    if missing:
        raise InputError(
            f"{path}: missing required column {missing[0]!r} for table {schema.name} "
            f"(found: {', '.join(h for h in header if h != ROW_COLUMN) or 'none'}); "
            f"rename it or pass --columns 'Your Name={missing[0]}'"
        )
    ignored = [h for h in header if h not in mapping and h != ROW_COLUMN]
    return mapping, ignored


# --- parsing columns -------------------------------------------------------------------------------

_TRUE = ("yes", "y", "true", "t", "1")
_FALSE = ("no", "n", "false", "f", "0")


def _clean(name: str) -> pl.Expr:
    """The cell as text, trimmed (non-breaking spaces included); empty becomes null."""
    text = pl.col(name).str.replace_all("\u00a0", " ").str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _quoted(expr: pl.Expr) -> pl.Expr:
    return pl.lit("'") + expr.str.slice(0, 40) + pl.lit("'")


def _parse_number(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    numeric = text.str.replace_all(r"^\$|,|\s", "").cast(pl.Float64, strict=False)
    return (
        numeric if dtype == pl.Float64 else pl.when(numeric == numeric.round(0)).then(numeric).cast(dtype, strict=False)
    )


def _parse_date(text: pl.Expr) -> pl.Expr:
    formats = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%m/%d/%y", "%Y-%m-%dT%H:%M:%S")
    return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in formats])


_PARSERS = {
    "state": normalize.state_code,
    "provider_type": normalize.provider_type,
    "product": normalize.product,
    "pricing_model": normalize.pricing_model,
}
_DTYPES = {"int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}


def _parse_expr(column: Column, text: pl.Expr) -> pl.Expr:
    """The expression that turns a column's cleaned text into its typed value (a struct for prices)."""
    kind = column.kind
    if kind in ("str", "year"):
        return text
    if kind in ("int", "float"):
        return _parse_number(text, _DTYPES[kind])
    if kind == "date":
        return _parse_date(text)
    if kind == "bool":
        lowered = text.str.to_lowercase()
        return pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False).otherwise(None)
    if kind == "choice":
        return text.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    if kind in _PARSERS:
        return _PARSERS[kind](text)
    if kind == "price":
        return price_text.parse_price(text)
    raise AssertionError(f"unknown column kind {kind!r}")  # a schema bug, not a user error


def _dedup(column: Column) -> bool:
    """Parse this column once per distinct value (the regex-heavy kinds)."""
    return column.kind == "price" or column.kind in _PARSERS


def _rules(column: Column, text: pl.Expr, parsed: pl.Expr) -> list[tuple[pl.Expr, pl.Expr]]:
    """(is_bad, reason) pairs for one column, on its cleaned text and its parsed value."""
    name, kind = column.name, column.kind
    present = text.is_not_null()
    value = parsed.struct.field("price_usd") if kind == "price" else parsed
    unparsed = present & value.is_null()
    rules: list[tuple[pl.Expr, pl.Expr]] = []
    if kind in ("int", "float"):
        rules.append((unparsed, pl.lit(f"{name}: not a number: ") + _quoted(text)))
        if kind == "float":
            rules.append((value.is_not_null() & ~value.is_finite(), pl.lit(f"{name}: not a finite number")))
    elif kind == "date":
        rules.append((unparsed, pl.lit(f"{name}: not a date (expected YYYY-MM-DD or MM/DD/YYYY): ") + _quoted(text)))
        rules.append(((value > pl.lit(dt.date.today())).fill_null(False), pl.lit(f"{name}: date is in the future")))
    elif kind == "bool":
        rules.append((unparsed, pl.lit(f"{name}: expected yes or no, got ") + _quoted(text)))
    elif kind == "year":
        rules.append(
            (
                present & ~text.str.contains(r"^\d{4}").fill_null(False),
                pl.lit(f"{name}: expected a date or year (YYYY…), got ") + _quoted(text),
            )
        )
    elif kind == "choice":
        rules.append(
            (
                present & ~value.is_in(column.choices),
                pl.lit(f"{name}: expected one of {', '.join(column.choices)}, got ") + _quoted(text),
            )
        )
    elif kind in _PARSERS:
        label = "US state or DC" if kind == "state" else kind.replace("_", " ")
        rules.append((unparsed, pl.lit(f"{name}: unknown {label} ") + _quoted(text)))
    elif kind == "price":
        problem = parsed.struct.field("problem")
        rules.append((present & problem.is_not_null(), pl.lit(f"{name}: ") + problem))
    if not column.nullable:
        rules.append((~present, pl.lit(f"{name}: missing value")))
    if column.minimum is not None and kind in ("int", "float", "price"):
        rules.append(
            ((value < column.minimum).fill_null(False), pl.lit(f"{name}: below the minimum {column.minimum:g}"))
        )
    if column.maximum is not None and kind in ("int", "float", "price"):
        rules.append(
            (
                (value > column.maximum).fill_null(False),
                pl.lit(f"{name}: above the plausible maximum {column.maximum:g}"),
            )
        )
    return [(bad.fill_null(False), reason) for bad, reason in rules]


def _outputs(column: Column, parsed: pl.Expr, text: pl.Expr) -> dict[str, pl.Expr]:
    if column.kind != "price":
        return {column.name: parsed}
    field = parsed.struct.field
    return {
        column.name: field("price_usd"),
        "price_text": text,  # as read (trimmed): what every derived number can be checked against
        "price_low_usd": field("price_low_usd"),
        "price_high_usd": field("price_high_usd"),
        "price_is_minimum": field("is_minimum"),
        # read from the text; combined with the other columns by _finish_prices
        **{f"_text_{name}": field(name) for name in ("model_hint", "model_explicit", "total_usd")},
        **{f"_text_{name}": field(name) for name in ("units_low", "units_high")},
        **{f"_text_{name}": field(name) for name in ("n_areas", "areas", "qualifiers")},
    }


def _empty_column(column: Column) -> pl.Expr:
    return pl.lit(None, dtype=_DTYPES.get(column.kind, pl.String)).alias(column.name)


def validate_frame(
    raw: pl.DataFrame, schema: TableSchema, mapping: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a frame of strings (already matched to ``schema``) into accepted and rejected rows.

    Accepted rows carry the schema's columns, parsed, plus ``source_row``; rejects carry the row as read
    plus ``reason`` (every broken rule, ';'-separated). The work runs in three materialised steps —
    clean text, parse, check — so each step's expressions stay small for the query planner.
    """
    by_target = {target: source for source, target in mapping.items()}
    present = [c for c in schema.columns if c.name in by_target]
    txt = {c.name: f"__txt_{c.name}" for c in present}
    val = {c.name: f"__val_{c.name}" for c in present}
    long_reasons = [
        (pl.col(f"__long_{c.name}"), pl.lit(f"{c.name}: value longer than {MAX_CELL_CHARS} characters"))
        for c in present
    ]
    staged = (
        raw.lazy()
        .with_columns(_clean(by_target[c.name]).alias(txt[c.name]) for c in present)
        .with_columns(
            (pl.col(txt[c.name]).str.len_chars() > MAX_CELL_CHARS).fill_null(False).alias(f"__long_{c.name}")
            for c in present
        )
        .with_columns(
            pl.when(pl.col(f"__long_{c.name}")).then(None).otherwise(pl.col(txt[c.name])).alias(txt[c.name])
            for c in present
        )
        .with_columns(_parse_expr(c, pl.col(txt[c.name])).alias(val[c.name]) for c in present if not _dedup(c))
    )
    # Text parsers (price text, states, brands, credentials) run once per distinct value and join back: a typed
    # or scraped list repeats its values ("$12/unit", "TX", "Botox") many times over.
    for c in present:
        if _dedup(c):
            text = pl.col(txt[c.name])
            distinct = staged.select(text).unique().with_columns(_parse_expr(c, text).alias(val[c.name]))
            staged = staged.join(distinct, on=txt[c.name], how="left", nulls_equal=True, maintain_order="left")
    rules = long_reasons + [rule for c in present for rule in _rules(c, pl.col(txt[c.name]), pl.col(val[c.name]))]
    rules += [
        (pl.lit(True), pl.lit(f"{c.name}: missing value"))
        for c in schema.columns
        if c.name not in by_target and not c.nullable
    ]
    reasons = pl.concat_list([pl.when(bad).then(reason).otherwise(None) for bad, reason in rules]).list.drop_nulls()
    any_bad = pl.any_horizontal(bad for bad, _reason in rules) if rules else pl.lit(False)
    outputs = [
        expr.alias(name)
        for c in schema.columns
        for name, expr in (
            _outputs(c, pl.col(val[c.name]), pl.col(txt[c.name])) if c.name in by_target else {c.name: _empty_column(c)}
        ).items()
    ]
    # The reasons (lists of text, slow to build) are written only for the rows that break a rule.
    checked = staged.with_columns(any_bad.alias("__bad")).collect()
    ok = ~checked["__bad"]
    parts = [price_text.PART_COLUMN] if price_text.PART_COLUMN in raw.columns else []
    accepted = checked.filter(ok).select(ROW_COLUMN, *parts, *outputs)
    shown = [c for c in raw.columns if not c.startswith("__")]  # helper columns added by the loader
    rejects = checked.filter(~ok).with_columns(reasons.list.join(_REASON_SEP).alias(REASON_COLUMN))
    rejects = rejects.select(*shown, REASON_COLUMN)
    accepted, duplicates = _reject_duplicate_keys(accepted, schema, raw)
    if duplicates.height:
        rejects = pl.concat([rejects, duplicates], how="diagonal_relaxed").sort(ROW_COLUMN)
    return accepted, rejects


def _reject_duplicate_keys(
    accepted: pl.DataFrame, schema: TableSchema, raw: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not schema.key or accepted.is_empty():
        return accepted, raw.clear().with_columns(pl.lit(None, pl.String).alias(REASON_COLUMN))
    first_row = pl.col(ROW_COLUMN).min().over(list(schema.key))
    marked = accepted.with_columns(first_row.alias("__first"))
    dup = marked.filter(pl.col(ROW_COLUMN) != pl.col("__first"))
    key_text = ", ".join(schema.key)
    dup_reasons = dup.select(
        ROW_COLUMN, (pl.lit(f"duplicate ({key_text}) of row ") + pl.col("__first").cast(pl.String)).alias(REASON_COLUMN)
    )
    dup_rows = raw.join(dup_reasons, on=ROW_COLUMN, how="inner")
    return marked.filter(pl.col(ROW_COLUMN) == pl.col("__first")).drop("__first"), dup_rows


# A qualifier recorded with a quote ("per_unit" when the clinic's list is headed "per unit") names its model
# when the pricing_model column does not.
_QUALIFIER_MODELS = ("package", "per_unit", "per_area", "per_session", "per_vial")
# No model words anywhere: an amount this small is a per-unit price (no session, area or vial costs $30 or less;
# published per-unit prices run from about $3 for Dysport to $25 for Botox). The row says it was inferred.
INFER_PER_UNIT_MAX_USD = 30.0
# A per-unit price derived from a total and a unit count outside this band is not used (e.g. "$17 for the first
# 60 units" is a per-unit price with a threshold, not $0.28 a unit); the row says why.
PLAUSIBLE_PER_UNIT_USD = (1.0, 100.0)
_DERIVED_MODELS = ("per_session", "package", "per_vial", "per_area")


def _words(column: str) -> pl.Expr:
    return pl.col(column).str.to_lowercase().str.split(";").list.eval(pl.element().str.strip_chars())


def _qualifier_model() -> pl.Expr:
    words = _words("qualifiers")
    chain = pl.when(words.list.contains(_QUALIFIER_MODELS[0])).then(pl.lit(_QUALIFIER_MODELS[0]))
    for model in _QUALIFIER_MODELS[1:]:
        chain = chain.when(words.list.contains(model)).then(pl.lit(model))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def _via_distinct(frame: pl.DataFrame, keys: list[str], **exprs: pl.Expr) -> pl.DataFrame:
    """Add ``exprs`` (which read only ``keys``) computed once per distinct combination of ``keys``, joined back in
    row order."""
    distinct = frame.select(keys).unique().with_columns(**exprs)
    return frame.join(distinct, on=keys, how="left", nulls_equal=True, maintain_order="left")


def _plain_number(expr: pl.Expr) -> pl.Expr:
    """12.0 → '12', 12.5 → '12.5', 1200 → '1200' (for the derivation text)."""
    return expr.round(2).cast(pl.String).str.replace(r"\.0$", "")


def _prepare_prices(
    raw: pl.DataFrame, mapping: dict[str, str], path: Path
) -> tuple[pl.DataFrame, dict[str, str], list[str]]:
    """Before validation: cite the file when there is no source column, and split cells that price several
    brands into one row per brand (``source_part``). Returns the frame, the mapping and notes for the user."""
    notes: list[str] = []
    by_target = {target: source for source, target in mapping.items()}
    if "source" not in by_target:
        raw = raw.with_columns(pl.lit(path.name).alias("__source"))
        mapping = {**mapping, "__source": "source"}
        notes.append(f"no source column: every row cites the file, {path.name!r}")
    if "state" not in by_target:
        notes.append("no state column: every row's state is unknown (national figures only)")
    price_column = by_target["price_usd"]
    raw, split = price_text.split_several_prices(raw, price_column, ROW_COLUMN)
    if split.any():
        # a part's brand is the one its own text names, whatever the product cell says
        if "product" in by_target:
            raw = raw.with_columns(
                pl.when(split)
                .then(pl.col(price_column))
                .otherwise(pl.col(by_target["product"]))
                .alias(by_target["product"])
            )
        else:
            raw = raw.with_columns(pl.when(split).then(pl.col(price_column)).alias("__product"))
            mapping = {**mapping, "__product": "product"}
        n_rows = raw.filter(split)[ROW_COLUMN].n_unique()
        notes.append(
            f"{n_rows:,} row(s) priced several brands in one cell: split into {int(split.sum()):,} observations "
            f"(one per brand; {price_text.PART_COLUMN} numbers them)"
        )
    return raw, mapping, notes


def _finish_prices(accepted: pl.DataFrame) -> pl.DataFrame:
    """Prices: resolve each row's pricing model, product, units, areas and qualifiers from its columns and its
    text; derive the price per unit (in the product's own units) and per area; say how in ``derivation``.

    The model comes from, first that applies: the pricing_model column; the price text when it says so in so many
    words ("per unit", "$12 a unit", "3 areas"); the qualifiers column; the price text's weaker signs (package,
    vial, a named area, a unit count; within a split cell, a part without model words takes its neighbour's); a
    named area in the treatment_area column → per area; an amount of $30 or less with no model words → per
    unit, *inferred*.
    """
    col = pl.col
    f = pl.field
    has_parts = price_text.PART_COLUMN in accepted.columns and accepted[price_text.PART_COLUMN].is_not_null().any()
    text_model = col("_text_model_hint")
    if has_parts:  # "Botox $10 per unit, Dysport $4": the Dysport part is per unit too
        text_model = pl.coalesce(text_model, text_model.drop_nulls().first().over(ROW_COLUMN))
    # Columns of few distinct values are worked out once per value and joined back (a million-row list repeats them).
    merged = (
        pl.concat_list(_words("qualifiers").fill_null([]), col("_text_qualifiers").str.split(";").fill_null([]))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique(maintain_order=True)
        .list.join(";")
    )
    accepted = _via_distinct(
        accepted,
        ["qualifiers", "_text_qualifiers"],
        qualifier_model=_qualifier_model(),
        merged_qualifiers=pl.when(merged == "").then(pl.lit(None, dtype=pl.String)).otherwise(merged),
    )
    accepted = _via_distinct(
        accepted,
        ["treatment_area"],
        column_areas=price_text.keyword_labels(
            price_text.AREA_KEYWORDS, price_text.keyword_text(col("treatment_area"))
        ),
    )
    accepted = _via_distinct(accepted, ["price_text"], product_from_text=normalize.product(col("price_text")))
    column_areas = col("column_areas")
    areas = pl.coalesce(column_areas, col("treatment_area"), col("_text_areas"))
    units_text = col("_text_units_low") + (col("_text_units_high") - col("_text_units_low")) / 2
    staged = (
        accepted.with_columns(
            pl.struct(
                column_model=col("pricing_model"),
                explicit_model=pl.when(col("_text_model_explicit")).then(col("_text_model_hint")),
                qualifier_model=col("qualifier_model"),
                text_model=text_model,
                area_model=pl.when(column_areas.is_not_null()).then(pl.lit("per_area")),
                inferred_model=pl.when((col("price_usd") > 0) & (col("price_usd") <= INFER_PER_UNIT_MAX_USD)).then(
                    pl.lit("per_unit")
                ),
                units=pl.coalesce(col("units"), units_text),
                units_from_text=col("units").is_null() & units_text.is_not_null(),
                n_areas=pl.coalesce(col("_text_n_areas"), areas.str.count_matches(";") + 1),
            ).alias("__r")
        )
        .with_columns(
            col("__r").struct.with_fields(
                model=pl.coalesce(
                    f("column_model"), f("explicit_model"), f("qualifier_model"), f("text_model"), f("area_model")
                ),
            )
        )
        .with_columns(
            col("__r").struct.with_fields(
                model_source=pl.when(f("column_model").is_not_null())
                .then(pl.lit("pricing_model column"))
                .when(f("explicit_model").is_not_null())
                .then(pl.lit("price text"))
                .when(f("qualifier_model").is_not_null())
                .then(pl.lit("qualifiers column"))
                .when(f("text_model").is_not_null())
                .then(pl.lit("price text"))
                .when(f("area_model").is_not_null())
                .then(pl.lit("area named"))
                .when(f("inferred_model").is_not_null())
                .then(pl.lit("inferred")),
                model=pl.coalesce(f("model"), f("inferred_model")),
            )
        )
        .with_columns(
            col("__r").struct.with_fields(
                raw_per_unit=pl.when(f("model") == "per_unit")
                .then(col("price_usd"))
                .when(f("model").is_in(_DERIVED_MODELS) & (f("units") > 0))
                .then(col("price_usd") / f("units")),
            )
        )
        .with_columns(
            col("__r").struct.with_fields(
                implausible=(f("model") != "per_unit")
                & ~f("raw_per_unit").is_between(*PLAUSIBLE_PER_UNIT_USD).fill_null(True),
            )
        )
    )
    r = col("__r").struct.field
    per_unit = pl.when(~r("implausible")).then(r("raw_per_unit"))
    basis = (
        pl.when(per_unit.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(r("model_source") == "inferred")
        .then(pl.lit("inferred"))
        .when(r("model") == "per_unit")
        .then(pl.lit("quoted"))
        .otherwise(pl.lit("derived"))
    )
    n_areas = pl.when(r("model") == "per_area").then(r("n_areas").fill_null(1))
    part = pl.col(price_text.PART_COLUMN) if has_parts else pl.lit(None, dtype=pl.Int32)
    resolved = staged.with_columns(
        pricing_model=r("model"),
        units=r("units"),
        n_areas=n_areas.cast(pl.Int32),
        treatment_area=areas,
        qualifiers=col("merged_qualifiers"),
        price_per_unit_usd=per_unit,
        price_per_area_usd=pl.when(r("model") == "per_area").then(col("price_usd") / n_areas),
        per_unit_basis=basis,
        provider_type=col("provider_type").fill_null("unknown"),
        product=pl.coalesce(col("product"), col("product_from_text"), pl.lit(UNSPECIFIED_PRODUCT)),
        __model_source=r("model_source"),
        __implausible=r("implausible") & r("raw_per_unit").is_not_null(),
        __units_from_text=r("units_from_text"),
        __part=part,
    )
    # The derivation text is built once per distinct combination of what it says (formatting text is slow).
    keys = ["pricing_model", "__model_source", "_text_total_usd", "per_unit_basis", "price_usd", "units"]
    keys += ["__implausible", "__units_from_text", "n_areas", "price_low_usd", "price_high_usd", "price_is_minimum"]
    resolved = _via_distinct(resolved, [*keys, "__part"], derivation=_derivation())
    helpers = ["__r", "qualifier_model", "merged_qualifiers", "column_areas", "product_from_text"]
    helpers += ["__model_source", "__implausible", "__units_from_text", "__part"]
    return resolved.drop(helpers).drop([c for c in accepted.columns if c.startswith("_text_")])


def _derivation() -> pl.Expr:
    """How a price row's number was read, in words (see :func:`_finish_prices`); reads the resolved columns."""
    col = pl.col
    model, source, units = col("pricing_model"), col("__model_source"), col("units")
    money = pl.format("${}", _plain_number(col("price_usd")))
    return pl.concat_str(
        [
            pl.when(model.is_null())
            .then(pl.lit("no pricing model (say per unit, per area or per session)"))
            .when(source == "inferred")
            .then(pl.lit(f"per unit, inferred: no model words and ${INFER_PER_UNIT_MAX_USD:.0f} or less"))
            .otherwise(pl.format("{} from the {}", model, source)),
            pl.when(col("_text_total_usd").is_not_null()).then(
                pl.format("the per-unit amount stated beside a total of ${}", _plain_number(col("_text_total_usd")))
            ),
            pl.when(col("per_unit_basis") == "derived").then(
                pl.format("per unit = {} ÷ {} units", money, _plain_number(units))
            ),
            pl.when(col("__implausible")).then(
                pl.format("no per-unit price: {} ÷ {} units is not a plausible unit price", money, _plain_number(units))
            ),
            pl.when(col("__units_from_text") & (model == "per_unit")).then(
                pl.format("{} units stated (per-unit price unchanged)", _plain_number(units))
            ),
            pl.when(col("n_areas") > 1).then(pl.format("per area = {} ÷ {} areas", money, col("n_areas"))),
            pl.when(col("price_low_usd") < col("price_high_usd")).then(pl.lit("range midpoint")),
            pl.when(col("price_is_minimum")).then(pl.lit("lower bound ('from')")),
            pl.when(col("__part").is_not_null()).then(
                pl.format("part {} of a cell pricing several brands", col("__part"))
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )


def load_table(
    path: str | Path,
    table: str,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    strict: bool = False,
) -> LoadResult:
    """Read, match, parse and validate one file as ``table`` (one of ``analysis.schemas.TABLES``).

    Parameters
    ----------
    path
        A CSV/TSV (any of , ; tab |), Parquet or xlsx file.
    table
        ``prices``, ``state_rules``, ``training`` or ``provider_counts``.
    columns
        Explicit header mapping for names the aliases do not cover, e.g. ``{"Cost": "price_usd"}``.
    strict
        Prices only: reject a quote without a state (by default it is kept, state unknown, for national figures).
    """
    if table not in TABLES:
        raise InputError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    schema = TABLES[table]
    if strict and table == "prices":
        schema = replace(schema, columns=tuple(STATE if c.name == "state" else c for c in schema.columns))
    path = Path(path)
    raw = read_raw(path, encoding=encoding, sheet=sheet)
    n_rows = raw.height
    mapping, ignored = match_columns(raw.columns, schema, path, columns)
    notes: list[str] = []
    if table == "prices":
        raw, mapping, notes = _prepare_prices(raw, mapping, path)
    accepted, rejects = validate_frame(raw, schema, mapping)
    if table == "prices":
        accepted = _finish_prices(accepted)
    else:
        accepted = accepted.drop([c for c in accepted.columns if c.startswith("_")])
    mapping = {k: v for k, v in mapping.items() if not k.startswith("__")}
    result = LoadResult(table, path, accepted, rejects, mapping, ignored, n_rows=n_rows, notes=notes)
    if result.n_read != raw.height:  # the accounting rule; a failure here is a bug in this module
        raise AssertionError(f"{path}: read {raw.height} observations but accounted for {result.n_read}")
    return result


def rejects_path_for(path: str | Path) -> Path:
    """Where ``validate`` writes the rejects of ``path``: beside it, as ``<stem>.rejects.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(result: LoadResult, out: str | Path | None = None) -> Path:
    """Write the rejects as CSV (atomically) and return the path."""
    target = Path(out) if out else rejects_path_for(result.path)
    tmp = target.with_name(f".{target.name}.tmp")
    result.rejects.write_csv(tmp)
    tmp.replace(target)
    return target
