"""Every command answers --help, and the help of the root imports no task and no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.tasks import resolve, task_specs

runner = CliRunner()

HEAVY = (
    "torch",
    "lightning",
    "mlflow",
    "optuna",
    "xgboost",
    "lightgbm",
    "statsforecast",
    "transformers",
    "sklearn",
    "matplotlib",
)


def command_paths() -> Iterator[list[str]]:
    """The path of every command and sub-command, resolving each lazy entry on the way."""
    root = get_command(app)

    def walk(command, path: list[str]) -> Iterator[list[str]]:
        yield path
        if hasattr(command, "list_commands"):
            ctx = command.make_context("benchlab", ["--help"], resilient_parsing=True)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), [*path, name])

    yield from walk(root, [])


def test_every_registered_string_resolves() -> None:
    for spec in task_specs().values():
        spec.load_task()
        targets = [spec.task, *spec.data.values(), *spec.commands.values()]
        for target in [*targets, *([spec.cli] if spec.cli else [])]:
            assert resolve(target) is not None, target


def test_every_command_and_sub_command_answers_help() -> None:
    paths = list(command_paths())
    names = {" ".join(path) for path in paths}
    expected = {"run", "tune", "models", "release create", "release monitor", "predict", "export"}
    assert expected <= names
    for spec in task_specs().values():
        assert {f"data {name}" for name in spec.data} <= names
        assert set(spec.commands) <= names
        assert spec.cli is None or spec.name in names
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output, path


SCRIPT = """
import json, sys
{setup}
heavy = [m for m in {heavy!r} if m in sys.modules]
tasks = sorted(m for m in sys.modules if m.count(".") > 1 and m.split(".")[1] in {tasks!r})
print(json.dumps({{"heavy": heavy, "task_modules": tasks}}))
"""
HELP = """
from benchlab.cli import app
try:
    app({args!r}, prog_name="benchlab")
except SystemExit as done:
    assert done.code == 0, done.code
"""


@pytest.mark.parametrize(
    "setup",
    [
        "import benchlab",
        "import benchlab.config, benchlab.tasks, benchlab.cli",
        HELP.format(args=["--help"]),
        HELP.format(args=["run", "--help"]),
        HELP.format(args=["data", "--help"]),
        HELP.format(args=["release", "--help"]),
    ],
    ids=["import", "import-engine", "help", "run-help", "data-help", "release-help"],
)
def test_start_up_imports_no_heavy_library_and_no_task_module(setup: str) -> None:
    """Only the tiny ``__init__`` of each task package may be imported (to list the tasks)."""
    script = SCRIPT.format(setup=setup, heavy=HEAVY, tasks=tuple(task_specs()))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"heavy": [], "task_modules": []}
