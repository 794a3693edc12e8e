"""The release engine knows no task: it reaches one only through its ReleaseAdapter.

The toy task of tests/toy_task.py (registered through a fake entry point) has no adapter;
``ReleasedToy`` is the same task with a small one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from benchlab import tasks
from benchlab.config import parse_run_config
from benchlab.errors import InputError
from benchlab.release import ComprehensiveReleaseManager
from benchlab.release.adapter import ReleaseAdapter, adapter_for
from benchlab.release.dispatch import export_target, monitor_release, predict_file
from benchlab.runner import run_task
from benchlab.tasks import TaskSpec
from tests.toy_task import Toy

GROUP = tasks.ENTRY_POINT_GROUP


class ToyReleases(ReleaseAdapter):
    """Releases of the toy task: its fitted lines are JSON files under ``models/``."""

    task: ClassVar[str] = "toy"

    def experiment_path(self, run_dir: Path, row: dict[str, Any]) -> Path:
        return run_dir

    def load_models(self, models_dir: Path) -> dict[str, Any]:
        return {p.stem: json.loads(p.read_text()) for p in sorted(models_dir.glob("*.json"))}

    def model_card(self, info: dict[str, Any], release_dir: Path) -> str:
        return f"# {info['name']}@{info['version']}: {info['model']}\n"


class ReleasedToy(Toy):
    def release_adapter(self) -> ToyReleases:
        return ToyReleases()


RELEASED_TOY = TaskSpec(name="toy", summary="toy with releases", task=f"{__name__}:ReleasedToy")


def _toy_run(tmp_path: Path) -> Path:
    config = parse_run_config(
        {
            "task": "toy",
            "noise": [2.0, 0.1],
            "output_dir": str(tmp_path / "runs"),
            "tracking": {"enabled": False},
        }
    )
    return run_task(config, progress=False).run_dir


def test_a_task_without_a_release_adapter_cannot_be_released(register_task, tmp_path: Path) -> None:
    register_task("toy", "tests.toy_task:TASK")
    run_dir = _toy_run(tmp_path)
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    with pytest.raises(InputError, match="task 'toy' has no releases"):
        manager.create(run_dir, "toy-line", "1.0.0")
    with pytest.raises(InputError, match="task 'toy' has no releases"):
        export_target(str(run_dir), tmp_path / "out", manager=manager)
    assert not (tmp_path / "releases").exists()


def test_a_task_with_its_own_adapter_is_released_by_the_engine(
    register_task, tmp_path: Path
) -> None:
    register_task("toy", f"{__name__}:RELEASED_TOY")
    run_dir = _toy_run(tmp_path)
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    path = manager.create(run_dir, "toy-line", "1.0.0", notes="least squares")

    info = manager.show("toy-line@1.0.0")
    assert info["task"] == "toy"
    assert info["model"] == "ols_noise_0.1"  # the best on r2, which the task ranks higher-first
    assert info["primary_metric"] == "r2" and "strategy" not in info
    assert (path / "MODEL_CARD.md").read_text() == "# toy-line@1.0.0: ols_noise_0.1\n"

    release = manager.load("toy-line@latest")
    assert release.task == "toy" and isinstance(release.adapter, ToyReleases)
    assert sorted(release.models) == ["noise_0.1", "noise_2.0"]
    assert release.models["noise_0.1"]["slope"] == pytest.approx(2.0, abs=0.1)

    with pytest.raises(InputError, match="task 'toy' does not support predicting"):
        predict_file(release, tmp_path / "in.csv", tmp_path / "out.parquet")
    with pytest.raises(InputError, match="task 'toy' does not support monitoring"):
        monitor_release(release, tmp_path / "actuals.csv")
    with pytest.raises(InputError, match="task 'toy' does not support exporting"):
        export_target("toy-line@1.0.0", tmp_path / "onnx", manager=manager)


def test_experiments_are_chosen_by_the_task_s_own_keys(register_task, tmp_path: Path) -> None:
    register_task("toy", f"{__name__}:RELEASED_TOY")
    run_dir = _toy_run(tmp_path)
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    manager.create(run_dir, "toy-line", "1.0.0", model="ols_noise_2.0")
    assert manager.show("toy-line@1.0.0")["model"] == "ols_noise_2.0"
    with pytest.raises(InputError, match="selects experiments by model; unknown: strategy"):
        manager.create(run_dir, "toy-line", "1.1.0", strategy="combined")
    with pytest.raises(InputError, match="no experiment with model='ols_noise_9'"):
        manager.create(run_dir, "toy-line", "1.1.0", model="ols_noise_9")


def test_an_unknown_task_names_the_registered_ones() -> None:
    with pytest.raises(InputError, match="unknown task 'nope'; registered tasks: .*forecast"):
        adapter_for("nope")
