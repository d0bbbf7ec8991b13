"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def botox_kernel() -> str:
    """The project's Jupyter kernel, registered into the venv if it is not yet (as `make` does)."""
    from analysis.report.kernel import ensure_kernel

    return ensure_kernel()
