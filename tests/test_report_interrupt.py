"""Interrupting a real batch: no half-written report, a valid manifest, and a rerun that only does
what is missing. Also: a worker killed mid-batch costs at most its report, not the batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

STATES = ["AL", "AK", "AZ", "AR", "CA", "CO"]


def start(out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            "reports",
            "--out",
            str(out),
            "--notebooks",
            "pricing",
            "--states",
            ",".join(STATES),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the batch")
        time.sleep(0.1)


def html_reports(out: Path) -> list[Path]:
    return sorted(out.glob("*/pricing.html"))


def test_interrupted_batch_leaves_no_partial_report_and_resumes(tmp_path):
    process = start(tmp_path, "--jobs", "1")
    wait_for(lambda: len(html_reports(tmp_path)) >= 1 or process.poll() is not None)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    done_before = html_reports(tmp_path)
    assert 1 <= len(done_before) < len(STATES)
    assert not list(tmp_path.rglob("*.tmp"))  # no half-written file survives
    manifest = json.loads((tmp_path / "manifest.json").read_text())  # still valid JSON
    assert manifest

    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            "reports",
            "--out",
            str(tmp_path),
            "--notebooks",
            "pricing",
            "--states",
            ",".join(STATES),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(STATES) - len(done_before)} run, {len(done_before)} up to date" in rerun.stdout + rerun.stderr
    assert len(html_reports(tmp_path)) == len(STATES)


def test_killed_worker_costs_only_its_report(tmp_path):
    process = start(tmp_path, "--jobs", "2")
    me = psutil.Process(process.pid)
    wait_for(
        lambda: (
            any("ipykernel" in " ".join(c.cmdline()) for c in me.children(recursive=True) if c.is_running())
            or process.poll() is not None
        )
    )
    wait_for(lambda: len(html_reports(tmp_path)) >= 1 or process.poll() is not None)
    kernels = [c for c in me.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    if kernels and process.poll() is None:
        os.kill(kernels[0].pid, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=600)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    records = manifest["reports"] if isinstance(manifest, dict) and "reports" in manifest else manifest
    statuses = [r["status"] for r in records]
    assert len(statuses) == len(STATES)
    assert statuses.count("ok") >= len(STATES) - 1  # the batch went on
    assert process.returncode in (0, 1), stderr
    if process.returncode == 1:
        assert "failed" in (stdout + stderr).lower()
    assert not list(tmp_path.rglob("*.tmp"))
