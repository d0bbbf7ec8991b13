"""``botox-market reports``: clear errors (exit 2) before any kernel, failures listed (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from analysis.report import kernel, parameters, runner
from analysis.report.cli import app, register
from analysis.report.parameters import PRICE_CAP, PRICES_PATH, STATE, NotebookSpec

NOTEBOOK_DIR = Path(__file__).parent / "data" / "notebooks"
cli = CliRunner()


def invoke(*args):
    return cli.invoke(app, list(args))


@pytest.fixture
def no_kernels(monkeypatch):
    """Fail loudly if a command that should stop at validation tries to run anything."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a kernel would have started")

    monkeypatch.setattr(runner, "run_batch", refuse)
    monkeypatch.setattr(kernel, "ensure_kernel", refuse)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--states", "XX"], "error: unknown state 'XX'; expected one of US, AK, AL"),
        (["--states", "../../etc"], "error: unknown state '../../etc'"),
        (
            ["--notebooks", "pricing/../../x"],
            "error: unknown notebook 'pricing/../../x'; expected one of overview, pricing, providers, training",
        ),
        (
            ["--states", "CA", "price_cap=cheap"],
            "error: price_cap must be a finite number ≥ 0 (US dollars), got 'cheap'",
        ),
        (["--states", "CA", "colour=red"], "error: unknown parameter 'colour'"),
        (["--states", "CA", "price_cap"], "error: expected PARAMETER=VALUE, got 'price_cap'"),
        (
            ["--states", "CA", "--notebooks", "training", "profession=wizard"],
            "error: unknown profession 'wizard'; expected one of physician",
        ),
    ],
)
def test_invalid_input_exits_2_with_one_clear_line(no_kernels, args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_register_mounts_the_command_on_the_main_app():
    main = typer.Typer()

    @main.command()
    def other() -> None:
        """Another command, so typer keeps subcommands."""

    register(main)
    result = CliRunner().invoke(main, ["reports", "--help"])
    assert result.exit_code == 0 and "--states" in result.output and "PARAMETER=VALUE" in result.output


def test_failures_are_listed_and_the_exit_code_is_1(tmp_path, monkeypatch):
    specs = {
        "tiny_state": NotebookSpec(
            "tiny_state", NOTEBOOK_DIR / "tiny_state.ipynb", (STATE, PRICE_CAP, PRICES_PATH), title="Tiny state"
        ),
        "tiny_fail": NotebookSpec("tiny_fail", NOTEBOOK_DIR / "tiny_fail.ipynb", (STATE,), title="Tiny fail"),
    }
    monkeypatch.setattr(parameters, "NOTEBOOKS", specs)
    monkeypatch.setattr(runner, "NOTEBOOKS", specs)
    monkeypatch.setattr(kernel, "ensure_kernel", lambda: None)
    result = invoke(
        "--states", "ca", "--notebooks", "tiny_state,tiny_fail", "--out", str(tmp_path), "-j", "2", "price_cap=250"
    )
    assert result.exit_code == 1, result.output
    assert "CA/tiny_fail: cell 4: ValueError: no data for CA" in result.output
    assert "1 failed" in result.output
    summary = json.loads((tmp_path / "executed" / "CA" / "tiny_state.summary.json").read_text())
    assert summary["price_cap"] == 250.0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {r["notebook"]: r["status"] for r in manifest["reports"]} == {"tiny_state": "ok", "tiny_fail": "failed"}


def test_ensure_kernel_installs_the_kernelspec_into_this_prefix_when_missing(monkeypatch):
    import sys

    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager

    calls = []
    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {"python3": "/x"})
    monkeypatch.setattr(
        ipykernel.kernelspec, "install", lambda **kwargs: calls.append(kwargs) or "/prefix/botox-market"
    )
    assert kernel.ensure_kernel() == "/prefix/botox-market"
    assert calls == [{"kernel_name": "botox-market", "display_name": "Python (botox-market)", "prefix": sys.prefix}]
    assert kernel.kernel_name() == "python3"  # until it is installed, batches use python3


def test_ensure_kernel_keeps_an_existing_kernelspec(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {"botox-market": "/k"})
    assert kernel.ensure_kernel() == "/k"
    assert kernel.kernel_name() == "botox-market"


# --- your own price file -----------------------------------------------------------------------------------------


def _own_prices(tmp_path: Path) -> Path:
    path = tmp_path / "my spa prices.csv"
    path.write_text("state,price,product\nTX,$12/unit,Botox\nTX,$13/unit,Botox\nFL,$11/unit,Botox\n")
    return path


def test_own_prices_choose_their_states_and_their_own_folder(tmp_path, monkeypatch):
    from analysis import config

    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    own = parameters.own_prices(str(_own_prices(tmp_path)))
    assert own.states == ("US", "FL", "TX")
    assert own.out == tmp_path / "reports-my-spa-prices"
    assert len(own.sha256) == 64 and own.describe()["prices_sha256"] == own.sha256
    assert parameters.own_prices(None) is None and parameters.own_prices("synthetic") is None


def test_own_prices_never_write_into_the_default_reports(tmp_path, monkeypatch, no_kernels):
    from analysis import config

    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    result = invoke(f"prices_path={_own_prices(tmp_path)}", "--out", str(tmp_path / "reports"))
    assert result.exit_code == 2
    assert "reports from your own price file go to a folder of their own" in result.output


def test_a_broken_own_price_file_fails_before_any_kernel(tmp_path, no_kernels):
    path = tmp_path / "p.csv"
    path.write_text("where,what\nTX,12\n")
    result = invoke(f"prices_path={path}")
    assert result.exit_code == 2 and "missing required column 'price_usd'" in result.output


def test_own_prices_batch_runs_their_states_into_their_folder(tmp_path, monkeypatch):
    from analysis import config

    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "reports")
    seen = {}

    def fake_run_batch(requests, *, out, data=None, **_kwargs):
        seen.update(states=sorted({r.parameters["state"] for r in requests}), out=out, data=data)
        raise typer.Exit(code=0)

    monkeypatch.setattr(runner, "run_batch", fake_run_batch)
    monkeypatch.setattr(kernel, "ensure_kernel", lambda: None)
    result = invoke(f"prices_path={_own_prices(tmp_path)}", "--notebooks", "pricing")
    assert result.exit_code == 0, result.output
    assert seen["states"] == ["FL", "TX", "US"] and seen["out"] == tmp_path / "reports-my-spa-prices"
    assert seen["data"]["prices_file"].endswith("my spa prices.csv") and len(seen["data"]["prices_sha256"]) == 64
    assert not (tmp_path / "reports").exists()
