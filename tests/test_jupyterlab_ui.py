"""JupyterLab, driven like a user: start `jupyter lab` on a free loopback port, open a notebook in
headless Chromium, run all cells from the Run menu, and check that the charts render.

The notebooks are copied to a temporary folder first, so nothing the UI autosaves reaches the repo.
The test stops the server it started.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from analysis import config
from analysis.report.kernel import ensure_kernel
from tests.browser import browser_page, chromium_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lab_server(tmp_path):
    chromium_path()
    ensure_kernel()
    for notebook in config.NOTEBOOKS_DIR.glob("*.ipynb"):
        shutil.copy(notebook, tmp_path / notebook.name)
    port, token = free_port(), secrets.token_hex(16)
    settings = tmp_path / ".settings"
    # every cell in the DOM (no virtual scrolling), and no news pop-up over the notebook
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}',
    }.items():
        (settings / plugin).parent.mkdir(parents=True, exist_ok=True)
        (settings / plugin).write_text(values)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={settings}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "JUPYTER_NO_CONFIG": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not start")
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.poll() is not None  # the server we started is gone


def test_run_all_cells_in_jupyterlab_renders_the_charts(lab_server):
    base, token = lab_server
    with browser_page(allow_prefixes=(base, base.replace("127.0.0.1", "localhost")), block=False) as (page, log):
        page.set_default_timeout(60_000)
        page.goto(f"{base}/lab/tree/pricing.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_function(  # the kernel has started: the toolbar indicator or the status bar says idle
            "() => document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")"
            " || /Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '')",
            timeout=90_000,
        )
        page.wait_for_timeout(3_000)  # let the kernel connection settle before queueing cells
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')]"
                ".filter(p => p.querySelector('svg.main-svg')).length >= 4",
                timeout=120_000,
            )
        finally:
            page.screenshot(path=str(Path(os.environ.get("BOTOX_MARKET_LAB_SHOT", "/tmp/lab.png"))), full_page=False)
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
        charts = page.evaluate(
            "() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')]"
            ".filter(p => p.querySelector('svg.main-svg .trace, svg.main-svg g.barlayer, svg.main-svg g.boxlayer'))"
            ".length"
        )
    assert charts >= 4
    assert not [e for e in errors if "Traceback" in e or "Error" in e]
    assert log.blocked_requests == []  # nothing left the machine
