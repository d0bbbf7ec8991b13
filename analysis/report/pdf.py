"""PDF copies of the HTML reports (``botox-market reports --pdf``), printed by headless Chromium.

Chromium prints the page as the browser lays it out, after the plotly charts have drawn (a virtual-time budget
lets their scripts finish), so the charts are vector graphics and all text stays selectable. Each PDF is written
beside its HTML (``TX/pricing.pdf``) through a temporary file, and only when the HTML is newer than the PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# Debian's chromium, headless, with nothing reaching out of the machine (the browser tests launch it with these too).
CHROMIUM_BASE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
CHROMIUM_FLAGS = (
    "--headless",
    *CHROMIUM_BASE_FLAGS,
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",  # let the plotly scripts draw before the page is printed
)
TIMEOUT_S = 120


class PdfError(RuntimeError):
    """Chromium is missing or could not print a page; the message says which and what to do."""


@dataclass(frozen=True)
class PdfResult:
    written: list[Path]
    up_to_date: list[Path]
    failed: list[tuple[Path, str]]


def find_chromium() -> str:
    """The Chromium executable: ``$BOTOX_MARKET_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH."""
    configured = os.environ.get("BOTOX_MARKET_CHROMIUM")
    path = configured or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise PdfError(
            "--pdf needs Chromium to print the reports: install it (Debian/Ubuntu: apt-get install -y chromium) "
            "or set BOTOX_MARKET_CHROMIUM to its path"
        )
    return path


def pdf_path(html: Path) -> Path:
    return html.with_suffix(".pdf")


def print_pdf(html: Path, *, chromium: str, out: Path | None = None) -> Path:
    """Print one HTML report to PDF (atomically); return the PDF's path."""
    target = out or pdf_path(html)
    tmp = target.with_name(f".{target.name}.tmp")
    command = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={tmp}", html.resolve().as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"{html.name}: Chromium did not finish printing within {TIMEOUT_S} s") from None
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        detail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise PdfError(f"{html.name}: Chromium printed no PDF (exit {done.returncode}: {detail[0]})")
    tmp.replace(target)
    return target


def write_pdfs(pages: Sequence[Path], *, jobs: int = 2, force: bool = False) -> PdfResult:
    """A PDF beside each HTML page that has none or an older one; ``jobs`` Chromium processes at a time."""
    chromium = find_chromium()
    todo = [p for p in pages if force or not pdf_path(p).exists() or pdf_path(p).stat().st_mtime < p.stat().st_mtime]
    up_to_date = [pdf_path(p) for p in pages if p not in todo]
    written: list[Path] = []
    failed: list[tuple[Path, str]] = []

    def one(page: Path) -> tuple[Path, Path | None, str | None]:
        try:
            return page, print_pdf(page, chromium=chromium), None
        except PdfError as exc:
            return page, None, str(exc)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for page, pdf, error in pool.map(one, todo):
            if pdf is not None:
                written.append(pdf)
            else:
                failed.append((page, error or "unknown error"))
    return PdfResult(written=written, up_to_date=up_to_date, failed=failed)
