"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright, network off.

Every request that is not for a local file (or, for JupyterLab, the loopback server under test)
is aborted and recorded, so a test can assert that nothing left the machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from analysis.report.pdf import CHROMIUM_BASE_FLAGS

CHROMIUM_ARGS = [*CHROMIUM_BASE_FLAGS, "--disable-quic"]


def chromium_path() -> str:
    """Debian's chromium; skip (or, in CI, fail) when it is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "Debian's chromium is not installed (apt-get install -y chromium); .ci/run installs it"
    if os.environ.get("BOTOX_MARKET_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser_page(
    *, allow_prefixes: tuple[str, ...] = ("file://",), block: bool = True
) -> Iterator[tuple[object, PageLog]]:
    """A fresh page whose requests outside ``allow_prefixes`` are logged — and aborted when ``block``.

    JupyterLab's client misbehaves when every request passes through a route handler, so its test
    only records requests (the machine has no route out anyway).
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    log = PageLog()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()

        def route(route_obj, request):  # noqa: ANN001 - Playwright's callback signature
            if request.url.startswith(allow_prefixes) or request.url.startswith(("data:", "blob:", "about:")):
                route_obj.continue_()
            else:
                log.blocked_requests.append(request.url)
                route_obj.abort()

        if block:
            context.route("**/*", route)
        else:
            page.on(
                "request",
                lambda request: (
                    None
                    if request.url.startswith(allow_prefixes) or request.url.startswith(("data:", "blob:", "about:"))
                    else log.blocked_requests.append(request.url)
                ),
            )
        page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: log.console_errors.append(str(exc)))

        def on_dialog(dialog):  # noqa: ANN001
            log.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            yield page, log
        finally:
            context.close()
            browser.close()
