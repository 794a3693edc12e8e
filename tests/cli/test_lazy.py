"""The lazy group: help from the table, import on dispatch, a missing extra in one line."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from benchlab.cli.common import add_command
from benchlab.cli.lazy import LazyCommand, LazyGroup

runner = CliRunner()

COMMANDS_MODULE = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye() -> None:
    print("bye")


def shout(word: str) -> None:
    """Shout a word."""
    print(word.upper())
'''


@pytest.fixture()
def commands_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh module of commands on sys.path, not yet imported."""
    name = f"lazy_commands_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(COMMANDS_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def lazy_app(table: Mapping[str, LazyCommand]) -> typer.Typer:
    class Group(LazyGroup):
        def lazy_table(self) -> Mapping[str, LazyCommand]:
            return table

    app = typer.Typer(cls=Group, rich_markup_mode=None)

    @app.callback()
    def main() -> None:
        """A lazy test CLI."""

    return app


def test_help_prints_from_the_table_and_imports_nothing(commands_module: str) -> None:
    app = lazy_app(
        {
            "greet": LazyCommand(f"{commands_module}:app", "Greetings."),
            "shout": LazyCommand(f"{commands_module}:shout", "Loud.", section="Tasks"),
            "broken": LazyCommand("no_such_module_for_benchlab:app", "Never imported by help."),
        }
    )
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    assert "greet" in result.output and "Greetings." in result.output
    assert "Tasks:" in result.output and "Loud." in result.output
    assert "Never imported by help." in result.output
    assert commands_module not in sys.modules


def test_dispatch_imports_the_target(commands_module: str) -> None:
    app = lazy_app(
        {
            "greet": LazyCommand(f"{commands_module}:app", "Greetings."),
            "shout": LazyCommand(f"{commands_module}:shout", "Loud."),
        }
    )
    result = runner.invoke(app, ["greet", "hello", "--name", "bench"])
    assert result.exit_code == 0, result.output
    assert "hello bench" in result.output
    assert commands_module in sys.modules
    result = runner.invoke(app, ["shout", "quiet"])
    assert result.exit_code == 0, result.output
    assert "QUIET" in result.output
    usage = runner.invoke(app, ["shout", "--help"])
    assert usage.exit_code == 0 and "Shout a word." in usage.output


def test_a_missing_extra_is_one_line_and_exit_2() -> None:
    app = lazy_app(
        {"see": LazyCommand("no_such_module_for_benchlab:app", "Vision.", extra="vision")}
    )
    result = runner.invoke(app, ["see"])
    assert result.exit_code == 2
    assert "benchlab see needs the 'vision' extra: pip install 'benchlab[vision]'" in result.output
    assert "Traceback" not in result.output and result.output.count("error:") == 1


def test_an_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(lazy_app({}), ["nope"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_add_command_registers_aliases_that_run_the_same_function() -> None:
    calls: list[int] = []
    app = typer.Typer()

    def fit(epochs: int = 1) -> None:
        """Fit a model."""
        calls.append(epochs)

    add_command(app, fit, "fit", "train", "learn")

    @app.callback()
    def main() -> None:
        """Aliases."""

    for name in ("fit", "train", "learn"):
        assert runner.invoke(app, [name, "--epochs", "3"]).exit_code == 0
    assert calls == [3, 3, 3]
    help_text = runner.invoke(app, ["--help"]).output
    assert "Alias of `fit`: Fit a model." in help_text
    with pytest.raises(ValueError, match="no alias"):
        add_command(app, fit, "fit", "fit")
