"""``benchlab dashboard``: fast help, one-line errors, and a server that answers HTTP with the
runs' figures (the check that needs no browser)."""

from __future__ import annotations

import csv
import importlib.util
import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.dashboard.process import dashboard_command, dashboard_process, free_port
from benchlab.dashboard.runs import load_catalog

runner = CliRunner()
HEAVY = ("gradio", "plotly", "fastapi", "uvicorn", "pandas")
needs_gradio = pytest.mark.skipif(
    importlib.util.find_spec("gradio") is None,
    reason="needs the dashboard extra: pip install 'benchlab[dashboard]'",
)

SCRIPT = """
import json, sys
from benchlab.cli import app
try:
    app({args!r}, prog_name="benchlab")
except SystemExit as done:
    assert done.code == 0, done.code
print(json.dumps([m for m in {heavy!r} if m in sys.modules]))
"""


@pytest.mark.parametrize("args", [["--help"], ["dashboard", "--help"]], ids=["root", "dashboard"])
def test_help_imports_neither_gradio_nor_plotly(args: list[str]) -> None:
    script = SCRIPT.format(args=args, heavy=HEAVY)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "dashboard" in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_help_names_the_runs_folder_port_and_host() -> None:
    result = runner.invoke(app, ["dashboard", "--help"])
    assert result.exit_code == 0
    for option in ("RUNS_DIR", "--port", "--host", "7860", "127.0.0.1"):
        assert option.lower() in result.output.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/runs"], "error: runs folder not found: no/such/runs"),
        (["--port", "0"], "error: --port must be between 1 and 65535; got 0"),
        (["--port", "70000"], "error: --port must be between 1 and 65535; got 70000"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if args[0] == "--port":
        (tmp_path / "runs").mkdir()
    result = runner.invoke(app, ["dashboard", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) <= 2  # one message (wrapped at most once)
    assert "Traceback" not in result.output


@pytest.mark.slow
@needs_gradio
def test_a_port_in_use_is_one_clear_error(runs_root: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            dashboard_command(runs_root, host="127.0.0.1", port=port),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}")
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
@needs_gradio
def test_the_server_answers_with_the_newest_runs_figures(runs_root: Path) -> None:
    newest = load_catalog(runs_root).runs[0]
    with dashboard_process(runs_root, port=free_port(), timeout=120) as url:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{url}config", timeout=30) as response:
            config = json.loads(response.read())
    assert config["title"] == "benchlab dashboard"
    props = {c["props"].get("elem_id"): c["props"] for c in config["components"] if "props" in c}
    board = props["leaderboard"]["value"]
    with (newest.path / "leaderboard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    shown = [dict(zip(board["headers"], row, strict=True)) for row in board["data"]]
    assert [row["model"] for row in shown] == [row["model"] for row in rows]
    for metric in newest.metrics:
        assert [row[metric] for row in shown] == pytest.approx(
            [float(row[metric]) for row in rows], rel=1e-3
        )
