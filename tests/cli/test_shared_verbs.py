"""The shared verbs work for any registered task: a task that is not part of benchlab runs,
tunes and lists its models through the same commands, with absolute paths in ``--json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.tasks import TaskSpec
from tests.toy_task import Toy, ToyConfig

runner = CliRunner()
SEARCH = {"n_trials": 2, "search_space": {"n_rows": {"type": "int", "low": 20, "high": 80}}}

TUNED = TaskSpec(name="tuned", summary="A toy task that tunes.", task=f"{__name__}:TunedToy")
CLASHING = TaskSpec(
    name="clash", summary="Claims `run`.", task=f"{__name__}:TunedToy", commands={"run": "x:run"}
)


class TunedConfig(ToyConfig):
    task: Literal["tuned"] = "tuned"  # type: ignore[assignment]


@dataclass
class FakeSearch:
    """What a task's tune returns, with paths relative to the working directory."""

    study_name: str = "tuned-study"
    metric: str = "r2"
    best_value: float = 0.5
    n_trials: int = 2
    best_params: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "study_name": self.study_name,
            "best_config_path": "runs/tuned/best_config.yaml",
            "run_dir": "runs/tuned/run",
        }

    best_config_path = Path("runs/tuned/best_config.yaml")
    run_dir = Path("runs/tuned/run")


class TunedToy(Toy):
    name: ClassVar[str] = "tuned"
    config_class: ClassVar[type[TunedConfig]] = TunedConfig

    def tune(self, config: Any, *, n_trials: int | None, resume: bool, progress: bool) -> Any:
        return FakeSearch(n_trials=n_trials or 2, best_params={"noise": 0.1})

    def models(self) -> list[dict[str, str]]:
        return [{"name": "ols", "description": "least squares line"}]


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({**config, "tracking": {"enabled": False}}))
    return path


def test_run_of_another_task_prints_absolute_paths(register_task, workdir: Path) -> None:
    register_task("toy", "tests.toy_task:TASK")
    config = write(workdir / "toy.yaml", {"task": "toy", "noise": [0.1, 2.0]})
    result = runner.invoke(app, ["run", str(config), "n_rows=50", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    run_dir = Path(payload["run_dir"])
    assert run_dir.is_absolute() and run_dir.is_dir()
    assert run_dir.parent == (workdir / "runs" / "toy" / "line50").resolve()
    assert [r["model"] for r in payload["results"]] == ["ols_noise_0.1", "ols_noise_2.0"]


def test_tune_asks_the_configs_task_and_prints_absolute_paths(register_task, workdir: Path) -> None:
    register_task("tuned", f"{__name__}:TUNED")
    config = write(workdir / "tuned.yaml", {"task": "tuned", "tuning": SEARCH})
    result = runner.invoke(app, ["tune", str(config), "--n-trials", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert "best r2 0.5 after 3 trial(s) of study tuned-study" in result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["run_dir"] == str(workdir.resolve() / "runs/tuned/run")
    assert payload["best_config_path"] == str(workdir.resolve() / "runs/tuned/best_config.yaml")
    assert payload["study_name"] == "tuned-study"


def test_a_task_without_a_search_says_so(register_task, workdir: Path) -> None:
    register_task("toy", "tests.toy_task:TASK")
    config = write(workdir / "toy.yaml", {"task": "toy", "tuning": SEARCH})
    result = runner.invoke(app, ["tune", str(config)])
    assert result.exit_code == 2
    assert "task 'toy' has no hyperparameter search" in result.output
    assert result.output.count("error:") == 1


def test_models_shows_each_tasks_rows(register_task) -> None:
    register_task("tuned", f"{__name__}:TUNED")
    register_task("toy", "tests.toy_task:TASK")
    result = runner.invoke(app, ["models", "--task", "tuned"])
    assert result.exit_code == 0, result.output
    assert "least squares line" in result.output and "xgboost_quantile" not in result.output
    assert "no registered models" in runner.invoke(app, ["models", "--task", "toy"]).output
    everything = runner.invoke(app, ["models"]).output
    assert "least squares line" in everything and "xgboost_quantile" in everything


def test_a_command_claimed_twice_is_one_error_naming_both(register_task) -> None:
    register_task("clash", f"{__name__}:CLASHING")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 2
    assert "command 'run' is claimed twice" in result.output
    assert "benchlab.cli.run:run" in result.output and "task 'clash' (x:run)" in result.output
    assert "Traceback" not in result.output
