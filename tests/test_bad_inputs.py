"""The bad-input corpus (tests/data/bad/): each file gives one clear error line or exact rejects,
and the accounting rule holds for every file that loads."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.io import InputError, load_table

BAD = Path(__file__).parent / "data" / "bad"
CASES = list(csv.DictReader(open(BAD / "expected.csv")))


def test_corpus_has_at_least_fifty_files():
    assert len(CASES) >= 50
    assert all((BAD / case["file"]).exists() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_gives_a_clear_error_or_correct_rejects(case):
    path = BAD / case["file"]
    if case["outcome"] == "error":
        with pytest.raises(InputError) as info:
            load_table(path, case["table"])
        message = str(info.value)
        assert "\n" not in message and path.name in message
        assert re.search(case["pattern"], message), message
        return
    result = load_table(path, case["table"])
    assert result.n_read == result.n_accepted + result.n_rejected
    assert result.n_rejected == int(case["rejected"])
    if case["outcome"] == "kept":  # a default the loader applies and says (no state, no source, several prices)
        assert result.n_accepted >= result.n_file_rows
        assert re.search(case["pattern"], "; ".join(result.notes)), result.notes
        return
    for reason in result.rejects["reason"].to_list():
        assert re.search(case["pattern"], reason), reason


@pytest.mark.parametrize("case", [c for c in CASES if c["outcome"] == "error"][:6], ids=lambda c: c["file"])
def test_cli_prints_one_line_and_no_traceback(case):
    done = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "validate", str(BAD / case["file"]), "--table", case["table"]],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
