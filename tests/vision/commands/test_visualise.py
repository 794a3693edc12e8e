"""``benchlab vision visualise``: Optuna plots from the command line, and TensorBoard started by
the command and stopped with Ctrl-C."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import optuna
import pytest
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def test_search_mode_writes_the_plots_asked_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="s", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("y", 0, 3), n_trials=3)
    out_dir = tmp_path / "plots"
    result = runner.invoke(
        app,
        [
            "vision",
            "visualise",
            "--mode",
            "search",
            "--study-name",
            "s",
            "--storage",
            url,
            "--plot-type",
            "optimization_history",
            "--plot_type",
            "slice",
            "--params",
            "x,y",
            "--output",
            str(out_dir),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload["plots"]) == {"optimization_history", "slice"}
    assert all(Path(p).is_file() for p in payload["plots"].values())


def test_search_mode_without_the_study_exits_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    optuna.create_study(study_name="s", storage=url)
    result = runner.invoke(
        app, ["vision", "visualise", "--mode", "search", "--study-name", "t", "--storage", url]
    )
    assert result.exit_code == 2
    assert "no study 't'" in result.output and "Traceback" not in result.output


def test_launch_mode_serves_tensorboard_until_ctrl_c(tmp_path: Path) -> None:
    if importlib.util.find_spec("tensorboard") is None:
        pytest.skip("tensorboard is not installed (pip install 'benchlab[neural]')")
    (tmp_path / "tensorboard").mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchlab.cli",
            "vision",
            "visualise",
            "--mode",
            "launch",
            "--run-dir",
            str(tmp_path),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        if process.poll() is not None and process.returncode == 2:
            pytest.skip(f"tensorboard cannot start here: {process.stderr.read().strip()}")
        url = json.loads(lines[-1])["url"]
        assert "Ctrl-C" in lines[0]
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) in (0, 130)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(OSError), urllib.request.urlopen(url, timeout=2):
        pass
