"""``botox-market reports``: run the report notebooks for many states into offline HTML.

Mounted into the main CLI with :func:`register` (``analysis/cli.py`` calls ``register(app)``); also
runnable alone as ``python -m analysis.report.cli``. Importing this module is cheap: the Jupyter stack
is imported only when a batch actually runs reports.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "reports"]


def reports(
    assignments: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PARAMETER=VALUE",
            help="Set a parameter for every selected notebook that declares it, e.g. price_cap=300 product=dysport.",
            show_default=False,
        ),
    ] = None,
    states: Annotated[
        str | None,
        typer.Option(
            help="'all', 'US', or comma-separated codes such as CA,TX (default: all; with your own prices_path, "
            "US and the states in your file).",
            show_default=False,
        ),
    ] = None,
    notebooks: Annotated[
        str, typer.Option(help="'all' or comma-separated names: overview,pricing,providers,training.")
    ] = "all",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes, each with one warm kernel (default: CPU count)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory (default: the project's reports/, or $BOTOX_MARKET_REPORTS; with your own "
            "prices_path, a folder of its own beside it, reports-<file name>)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Run every report, even the ones that are up to date.")
    ] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds a single cell may run before its report fails.")] = 900,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also write a PDF beside each HTML report (printed by headless Chromium).")
    ] = False,
) -> None:
    """Run the report notebooks for each state into offline HTML, with an index and a manifest.

    Reports whose notebook, parameters, data files and package source are unchanged are skipped.
    Exits 2 on invalid input (before any kernel starts), 1 when a report failed.
    """
    from rich.console import Console

    from analysis import config

    from .parameters import ParameterError, build_requests, own_prices, parse_assignments

    console = Console(stderr=True)
    try:
        overrides = parse_assignments(assignments or [])
        # a user's own price list: its states, its own folder; never written into or over the default reports
        own = own_prices(overrides["prices_path"]) if "prices_path" in overrides else None
        if states is None:
            states = ",".join(own.states) if own else "all"
        requests = build_requests(states=states, notebooks=notebooks, overrides=overrides)
    except ParameterError as exc:
        raise _fail(str(exc)) from None
    target = (out if out is not None else own.out if own else config.REPORTS_DIR).expanduser()
    if own and target.resolve() == config.REPORTS_DIR.resolve():
        raise _fail(
            f"reports from your own price file go to a folder of their own, not {config.REPORTS_DIR}; "
            f"leave out --out (default {own.out}) or choose another folder"
        )
    if own:
        console.print(f"your prices: {own.path.name} (sha256 {own.sha256[:12]}…) → {target}", highlight=False)
    if pdf:
        from .pdf import PdfError, find_chromium

        try:
            find_chromium()  # before any kernel starts: a missing browser is a setup problem, said at once
        except PdfError as exc:
            raise _fail(str(exc)) from None

    from .kernel import ensure_kernel
    from .runner import BatchInterrupted, run_batch

    try:
        ensure_kernel()
    except Exception as exc:  # noqa: BLE001 - the batch falls back to the python3 kernel
        console.print(
            f"[yellow]warning:[/] could not register the {config.KERNEL_NAME!r} kernel ({exc}); using python3"
        )
    try:
        result = run_batch(
            requests,
            out=target,
            jobs=jobs,
            force=force,
            progress=True,
            console=console,
            cell_timeout=timeout,
            data=own.describe() if own else None,
        )
    except ParameterError as exc:
        raise _fail(str(exc)) from None
    except BatchInterrupted as exc:
        done = exc.result
        console.print(
            f"[yellow]interrupted[/]: {len(done.records)} report(s) finished and kept; "
            "run the same command again to resume"
        )
        raise typer.Exit(code=130) from None

    if pdf:
        _write_pdfs(result, jobs=jobs, console=console)
    failed = len(result.failures)
    console.print(
        f"{len(result.records)} report(s): {result.ran} run, {result.cached} up to date, {failed} failed "
        f"in {result.elapsed_s:.1f} s → {result.index_path}"
    )
    oversize = [r for r in result.records if any("budget" in w for w in r.get("warnings", []))]
    for record in oversize:
        console.print(f"[yellow]warning:[/] {record['state']}/{record['notebook']}: {'; '.join(record['warnings'])}")
    if failed:
        console.print(f"[red bold]{failed} report(s) failed:[/]")
        for record in result.failures:
            error = record.get("error") or {}
            where = f"cell {error['cell_index']}: " if error.get("cell_index") is not None else ""
            executed = f" (see {result.out / record['executed']})" if record.get("executed") else ""
            console.print(
                f"  {record['state']}/{record['notebook']}: {where}"
                f"{error.get('ename', '?')}: {error.get('evalue', '')}{executed}",
                markup=False,
                highlight=False,
            )
        raise typer.Exit(code=1)


def _write_pdfs(result, *, jobs: int | None, console) -> None:  # noqa: ANN001 - BatchResult, rich Console
    import os

    from .pdf import write_pdfs

    pages = [result.out / r["html"] for r in result.records if r.get("status") == "ok" and r.get("html")]
    done = write_pdfs(pages, jobs=jobs or os.cpu_count() or 1)
    console.print(f"PDF: {len(done.written)} written, {len(done.up_to_date)} up to date, {len(done.failed)} failed")
    for page, error in done.failed:
        console.print(f"  [red]PDF failed[/] {page.relative_to(result.out)}: {error}", highlight=False)
    if done.failed:
        raise typer.Exit(code=1)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def register(app: typer.Typer) -> None:
    """Add the ``reports`` command to the main ``botox-market`` app."""
    app.command("reports", short_help="Run the notebooks per state into offline HTML reports.")(reports)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help=__doc__)
app.command()(reports)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
