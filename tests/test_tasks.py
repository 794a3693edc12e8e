"""The task registry and contract: discovery through entry points, errors, and a task that is
not part of benchlab running end to end through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchlab.config import parse_run_config
from benchlab.errors import InputError
from benchlab.runner import run_task
from benchlab.tasks import TaskRegistrationError, TaskSpec, get_spec, resolve, task_specs

DUPLICATE = TaskSpec(name="forecast", summary="x", task="tests.toy_task:Toy")
NOT_A_SPEC = "not a spec"


def test_the_forecast_task_is_registered_with_strings_only() -> None:
    spec = get_spec("forecast")
    assert spec.task == "benchlab.forecast.task:ForecastTask" and spec.default
    assert spec.load_task().config_class.__name__ == "ForecastRunConfig"


def test_a_task_outside_benchlab_runs_end_to_end(register_task, tmp_path: Path) -> None:
    register_task("toy", "tests.toy_task:TASK")
    names = list(task_specs())
    assert names == sorted(names) and {"forecast", "toy"} <= set(names)
    config = parse_run_config(
        {"task": "toy", "seed": 3, "noise": [2.0, 0.1], "output_dir": str(tmp_path / "runs")}
    )
    summary = run_task(config, progress=False)

    run_dir = summary.run_dir
    assert run_dir.parent == tmp_path / "runs" / "toy" / "line200"
    names = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}
    assert {"config.yaml", "benchlab.log", "leaderboard.csv", "metrics.json", "report.md"} <= names
    assert {"manifest.json", "models/noise_0.1.json", "models/noise_2.0.json"} <= names
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["task"] == "toy" and "report.md" in manifest["files"]

    # r2 is higher-is-better for this task: less noise ranks first
    board = summary.outcome.leaderboard
    assert board["model"].to_list() == ["ols_noise_0.1", "ols_noise_2.0"]
    assert board["rank"].to_list() == [1, 2]
    assert board["r2"][0] > board["r2"][1]
    result = json.loads((run_dir / "metrics.json").read_text())
    assert Path(result["run_dir"]).is_absolute() and result["run_dir"] == str(run_dir.resolve())
    assert [r["model"] for r in result["results"]] == ["ols_noise_2.0", "ols_noise_0.1"]
    assert result["results"][0]["n_rows"] == 200
    report = (run_dir / "report.md").read_text()
    assert report.startswith("# benchlab toy: toy")
    assert "Ranked by **r2** (higher is better)" in report


def test_a_config_picks_its_task_and_is_validated_by_it(register_task) -> None:
    register_task("toy", "tests.toy_task:TASK")
    with pytest.raises(InputError, match=r"c.yaml: n_rows: .*greater than or equal to 10"):
        parse_run_config({"task": "toy", "n_rows": 3}, source="c.yaml")
    known = ", ".join(task_specs())
    with pytest.raises(InputError, match=f"unknown task 'nope'; registered tasks: {known}$"):
        parse_run_config({"task": "nope"}, source="c.yaml")
    with pytest.raises(InputError, match="'task' must name a task"):
        parse_run_config({"task": 3}, source="c.yaml")


def test_a_config_without_task_belongs_to_the_default_task() -> None:
    with pytest.raises(InputError, match="c.yaml: data: Field required"):
        parse_run_config({"models": [{"type": "statquant"}]}, source="c.yaml")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("forecast", "tests.test_tasks:DUPLICATE", "registered twice: by benchlab.forecast:TASK"),
        ("toy", "tests.test_tasks:NOT_A_SPEC", "is not a benchlab.tasks.TaskSpec"),
        ("other", "tests.toy_task:TASK", "'other' .* declares a task named 'toy'"),
    ],
)
def test_bad_registrations_are_refused_naming_both_sides(
    register_task, name: str, value: str, message: str
) -> None:
    register_task(name, value)
    with pytest.raises(TaskRegistrationError, match=message):
        task_specs()


def test_resolve_names_what_is_missing() -> None:
    assert resolve("tests.toy_task:Toy").primary_metric == "r2"
    with pytest.raises(TaskRegistrationError, match="not of the form"):
        resolve("tests.toy_task")
    with pytest.raises(TaskRegistrationError, match="has no 'Nope'"):
        resolve("tests.toy_task:Nope")
    spec = TaskSpec(name="bad", summary="", task="tests.toy_task:ToyConfig")
    with pytest.raises(TaskRegistrationError, match="is not a benchlab.tasks.Task subclass"):
        spec.load_task()
