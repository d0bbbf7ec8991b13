"""Refresh the committed output of each notebook's ``NBVAL_CHECK_OUTPUT`` cell (its headline numbers).

nbval compares that cell's output with the committed one, so a deliberate change of the default numbers
(new reference data) needs the committed outputs refreshed: ``.venv/bin/python -m tests.refresh_check_outputs``.
Each notebook runs with its defaults under papermill; only the check cell's output is copied back, every other
cell stays without outputs. Review the diff: every changed number should be explained by the change you made.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

from analysis import config

MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> bool:
    """Run ``path`` with its defaults; copy the check cell's output back. True when the output changed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        papermill.execute_notebook(str(path), str(out), kernel_name=config.KERNEL_NAME, progress_bar=False)
        executed = nbformat.read(out, as_version=4)
    committed = nbformat.read(path, as_version=4)
    fresh = next(c for c in executed.cells if c.cell_type == "code" and c.source.startswith(MARK))
    target = next(c for c in committed.cells if c.cell_type == "code" and c.source.startswith(MARK))
    outputs = [nbformat.v4.new_output("stream", name=o.name, text=o.text) for o in fresh.outputs]
    changed = [o.get("text") for o in target.outputs] != [o.text for o in outputs]
    target.outputs, target.execution_count = outputs, 1  # nbval skips cells that look unrun
    nbformat.write(committed, path)
    return changed


def main() -> int:
    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        print(f"{path.name}: {'changed' if refresh(path) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
