"""The ``botox-market`` command line. User mistakes print one clear line and exit 2, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from analysis.report.cli import register as register_reports

app = typer.Typer(
    name="botox-market",
    help="Market analysis toolkit for the US cosmetic botulinum-toxin market.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: flags read "--force" (no "<bool>"), option values "--states TEXT", lines wrap whole.
    rich_markup_mode=None,
)
providers_app = typer.Typer(help="Provider counts from the CMS NPPES NPI file.", no_args_is_help=True)
app.add_typer(providers_app, name="providers")


def _print_version(value: bool) -> None:
    if value:
        from analysis import __version__

        typer.echo(f"botox-market {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Market analysis toolkit for the US cosmetic botulinum-toxin market."""


def fail(message: str) -> typer.Exit:
    """Print a user-facing error and return the exit to raise (status 2: bad input)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@app.command(short_help="Check a data file: rows read, accepted, rejected (with reasons).")
def validate(
    path: Annotated[Path, typer.Argument(help="CSV, Parquet or xlsx file to check.")],
    table: Annotated[str, typer.Option(help="prices, state_rules, training or provider_counts.")] = "prices",
    columns: Annotated[
        str | None, typer.Option(help="Header mapping, e.g. 'Clinic Name=clinic,Cost=price_usd'.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding when the file is not UTF-8, e.g. cp1252.")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected rows (default: beside the input).")
    ] = None,
    accepted: Annotated[
        Path | None,
        typer.Option(help="Also write the accepted rows, normalised, to this .csv or .parquet file."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Prices: reject quotes without a state instead of keeping them.")
    ] = False,
) -> None:
    """Validate a file: print rows read / accepted / rejected and write the rejects with a reason.

    For prices, also how many accepted quotes count toward the per-unit, per-area and per-session figures, and
    why the others fit none.
    """
    from analysis.io import InputError, load_table, parse_column_mapping, write_rejects

    if accepted is not None and accepted.suffix not in (".csv", ".parquet"):
        raise fail(f"--accepted must end in .csv or .parquet, got {accepted.name!r}")
    try:
        result = load_table(path, table, columns=parse_column_mapping(columns), encoding=encoding, strict=strict)
    except InputError as exc:
        raise fail(str(exc)) from None
    typer.echo(result.summary())
    for source, target in result.column_mapping.items():
        if source != target:
            typer.echo(f"  column {source!r} -> {target}")
    if result.ignored_columns:
        typer.echo(f"  ignored columns: {', '.join(result.ignored_columns)}")
    for note in result.notes:
        typer.echo(f"  note: {note}")
    frame = result.accepted
    if table == "prices" and result.n_accepted:
        frame = _print_price_uses(frame)
    if result.n_rejected:
        written = write_rejects(result, rejects)
        for reason, count in result.reason_counts().iter_rows():
            typer.echo(f"  {count:>7,} rejected: {reason}")
        typer.echo(f"rejects written to {written}")
    if accepted is not None:
        from analysis import sample as sample_mod

        sample_mod.write_frame(frame, accepted)
        typer.echo(f"accepted rows written to {accepted}")


def _print_price_uses(frame):  # noqa: ANN001, ANN202 - a polars DataFrame in and out (polars imported lazily)
    """Print which figures the accepted quotes feed; return the rows with the Botox-unit price added."""
    import polars as pl

    from analysis import pricing, reference

    used = pricing.figure_use(frame, reference.unit_conversions()).collect()
    first = ["source_row", "source_part", "state", "product", "pricing_model", "price_usd", "units"]
    first += ["price_per_unit_usd", "price_per_botox_unit_usd", "per_unit_basis", "derivation", "price_text"]
    first = [c for c in first if c in used.columns]
    used = used.select(*first, pl.exclude(first))
    counts = pricing.figure_use_summary(used)
    n_no_state = used["state"].null_count()
    if n_no_state:
        typer.echo(
            f"  {n_no_state:>7,} accepted without a state: kept for national figures only (--strict rejects them)"
        )
    basis = ", ".join(f"{n:,} {name}" for name, n in counts["per_unit_basis"].items())
    typer.echo("  of the accepted, counting toward the report's figures:")
    typer.echo(f"  {counts['per_unit']:>7,} per-unit (price per Botox-equivalent unit{': ' + basis if basis else ''})")
    typer.echo(f"  {counts['per_area']:>7,} per-area")
    typer.echo(f"  {counts['per_session']:>7,} per-session (what one visit costs)")
    n_none = sum(counts["none"].values())
    typer.echo(f"  {n_none:>7,} none of them:")
    for reason, n in counts["none"].items():
        typer.echo(f"  {n:>11,} {reason}")
    return used


@app.command(short_help="Generate a synthetic price sample (labelled synthetic).")
def sample(
    rows: Annotated[int, typer.Option(min=1, help="Number of synthetic price observations.")] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same rows).")] = 20261126,
    out: Annotated[Path | None, typer.Option(help="Output file (.csv or .parquet).")] = None,
) -> None:
    """Generate synthetic price observations (labelled synthetic in their source column)."""
    from analysis import config
    from analysis import sample as sample_mod

    target = out or config.SYNTHETIC_FILES["prices"]
    if target.suffix not in (".csv", ".parquet"):
        raise fail(f"--out must end in .csv or .parquet, got {target.name!r}")
    frame = sample_mod.synthetic_prices(rows, seed=seed)
    sample_mod.write_frame(frame, target)
    typer.echo(f"wrote {frame.height:,} synthetic price observations to {target}")


@providers_app.command("build", short_help="Count providers by state and type from an NPPES file.")
def providers_build(
    path: Annotated[Path, typer.Argument(help="NPPES dissemination file npidata_pfile_*.csv.")],
    out: Annotated[Path, typer.Option(help="Output Parquet of counts.")] = Path("provider_counts.parquet"),
) -> None:
    """Count active individual providers by practice state and provider type from an NPPES file."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn, TransferSpeedColumn

    from analysis import nppes

    try:
        mapping = nppes.load_taxonomy_mapping()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(f"reading {path.name}", total=path.stat().st_size if path.exists() else None)
            result = nppes.count_providers(
                path, mapping, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    nppes.write_counts(result, out)
    for key, value in result.tally.items():
        typer.echo(f"  {key:<28} {value:>12,}")
    typer.echo(f"wrote {result.counts.height} rows to {out}")


register_reports(app)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="botox-market")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
