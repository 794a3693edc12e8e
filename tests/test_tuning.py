"""The engine's tuning: search spaces, studies, and the study lifecycle run over a task that is
not part of benchlab (the toy task of ``tests/toy_task.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import optuna
import polars as pl
import pytest
import yaml
from pydantic import ValidationError

from benchlab.config import parse_run_config
from benchlab.errors import InputError
from benchlab.runner import run_task
from benchlab.tuning import (
    STEP_VALUES,
    ParamSpace,
    TuneSummary,
    TuningConfig,
    _trial_logger,
    open_study,
    record_step_values,
    run_study,
    study_direction,
    study_metric,
    suggest,
    write_study_files,
)

SPACE = {"models.0.num_leaves": {"type": "int", "low": 4, "high": 8}}
TOY_SPACE = {
    "n_rows": {"type": "int", "low": 10, "high": 60, "step": 10},
    "noise.0": {"type": "uniform", "low": 0.1, "high": 2.0},
}


@pytest.fixture()
def toy(register_task) -> None:
    """The toy task registered beside the real ones (r2, greater is better)."""
    register_task("toy", "tests.toy_task:TASK")


def _toy_config(out: Path, **tuning: Any) -> Any:
    return parse_run_config(
        {
            "task": "toy",
            "seed": 1,
            "output_dir": str(out),
            "tracking": {"enabled": False},
            "tuning": {"n_trials": 4, "search_space": TOY_SPACE, **tuning},
        }
    )


def _toy_objective(trial: Any) -> float:
    """Best at 30 rows; two "steps" recorded per trial."""
    values = suggest(trial, {path: ParamSpace(**spec) for path, spec in TOY_SPACE.items()})
    record_step_values(trial, [values["noise.0"], values["n_rows"]])
    return -((values["n_rows"] - 30) ** 2) - values["noise.0"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "categorical"}, "non-empty 'choices'"),
        ({"type": "int", "low": 3}, "needs 'low' and 'high'"),
        ({"type": "loguniform", "low": 0.0, "high": 1.0}, "log scale needs low > 0"),
        ({"type": "normal", "low": 0, "high": 1}, "type"),
    ],
)
def test_bad_distributions_are_refused(spec: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ParamSpace(**spec)


def test_suggest_draws_each_kind_inside_its_bounds() -> None:
    space = {
        "a": ParamSpace(type="int", low=2, high=10, step=2),
        "b": ParamSpace(type="loguniform", low=1e-3, high=1e-1),
        "c": ParamSpace(type="uniform", low=0.5, high=0.9),
        "d": ParamSpace(type="categorical", choices=["l2", "tweedie"]),
    }
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        values = suggest(study.ask(), space)
        assert values["a"] in {2, 4, 6, 8, 10}
        assert 1e-3 <= values["b"] <= 1e-1 and 0.5 <= values["c"] <= 0.9
        assert values["d"] in {"l2", "tweedie"}


def test_an_existing_study_needs_resume(tmp_path) -> None:
    config = TuningConfig(search_space=SPACE)
    url = f"sqlite:///{tmp_path / 'sub' / 'optuna.db'}"
    first = open_study(config, url=url, study_name="s", resume=False, seed=0)
    first.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=2)
    with pytest.raises(InputError, match="already exists.*--resume"):
        open_study(config, url=url, study_name="s", resume=False, seed=0)
    resumed = open_study(config, url=url, study_name="s", resume=True, seed=0)
    assert len(resumed.trials) == 2


def test_an_unusable_storage_url_is_one_clear_error(tmp_path) -> None:
    config = TuningConfig(search_space=SPACE)
    with pytest.raises(InputError, match="tuning.storage 'nosuchdb://x'"):
        open_study(config, url="nosuchdb://x", study_name="s", resume=False, seed=0)


def test_metric_and_direction_default_to_the_task_and_may_be_set(toy, tmp_path: Path) -> None:
    config = _toy_config(tmp_path)
    assert config.tuning.metric is None and config.tuning.direction is None
    assert (study_metric(config), study_direction(config)) == ("r2", "maximize")
    chosen = _toy_config(tmp_path, metric="rmse", direction="minimize")
    assert (study_metric(chosen), study_direction(chosen)) == ("rmse", "minimize")
    forecast = parse_run_config(
        {
            "data": {"features_path": "f", "target_path": "t"},
            "models": [{"type": "statquant"}],
            "tuning": {"search_space": SPACE},
        }
    )
    assert (study_metric(forecast), study_direction(forecast)) == ("rmsse", "minimize")


def test_a_study_over_any_task_ends_in_its_best_config_and_files(toy, tmp_path: Path) -> None:
    config = _toy_config(tmp_path / "runs")
    checked: list[dict] = []
    outcome = run_study(config, _toy_objective, progress=False, first_values_check=checked.append)
    assert checked == [{"n_rows": 10, "noise.0": 0.1}]  # the lowest values, before any trial
    assert outcome.study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert outcome.storage == f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}"
    assert outcome.n_trials == 4 and outcome.study_name == "toy"
    best = max(t.value for t in outcome.study.trials)
    assert outcome.best_value == best
    assert outcome.best_raw["mode"] == "train"
    assert outcome.best_raw["n_rows"] == outcome.best_params["n_rows"] == outcome.best_config.n_rows
    assert outcome.best_config.noise[0] == outcome.best_params["noise.0"]
    assert type(outcome.best_config).__name__ == "ToyConfig"

    details = {"note": "toy search"}
    summary = run_task(
        outcome.best_config,
        progress=False,
        extra=lambda run: write_study_files(run, outcome, details=details),
    )
    tuned = TuneSummary.of(outcome, summary.run_dir)
    files = summary.run_dir / "tuning"
    assert yaml.safe_load(tuned.best_config_path.read_text()) == outcome.best_raw
    assert pl.read_csv(files / "trials.csv")["param.n_rows"].to_list() == [
        t.params["n_rows"] for t in outcome.study.trials
    ]
    study = json.loads((files / "study.json").read_text())
    assert study["metric"] == "r2" and study["direction"] == "maximize"
    assert study["best_params"] == outcome.best_params and study["note"] == "toy search"
    assert (files / "optimization_history.html").is_file()
    manifest = json.loads((summary.run_dir / "manifest.json").read_text())
    assert "tuning/study.json" in manifest["files"]

    payload = tuned.to_json()
    assert set(payload) == {
        "study_name",
        "storage",
        "n_trials",
        "best_value",
        "best_params",
        "best_config_path",
        "run_dir",
    }
    assert Path(payload["run_dir"]).is_absolute() and Path(payload["best_config_path"]).is_file()


def test_a_failing_first_values_check_stores_nothing(toy, tmp_path: Path) -> None:
    def refuse(values: dict) -> None:
        raise InputError(f"bad values {values}")

    with pytest.raises(InputError, match="bad values"):
        run_study(_toy_config(tmp_path), _toy_objective, progress=False, first_values_check=refuse)
    assert not (tmp_path / "optuna.db").exists()


def test_a_study_where_no_trial_completes_is_an_error(toy, tmp_path: Path) -> None:
    def prune(trial: Any) -> float:
        raise optuna.TrialPruned()

    with pytest.raises(InputError, match="study 'toy': no trial completed"):
        run_study(_toy_config(tmp_path), prune, n_trials=2, progress=False)


class _Run:
    def __init__(self, record: dict) -> None:
        self.record = record

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def log_metrics(self, metrics: dict, step: int | None = None) -> None:
        self.record["metrics"].append((metrics, step))


class _Recorder:
    """A stand-in tracker that records the runs and metrics logged to it."""

    def __init__(self) -> None:
        self.runs: list[dict] = []

    def run(self, name: str, *, params: dict, tags: dict, parent_run_id: str | None) -> _Run:
        self.runs.append(
            {"name": name, "params": params, "tags": tags, "parent": parent_run_id, "metrics": []}
        )
        return _Run(self.runs[-1])


def test_each_finished_trial_is_logged_with_its_steps_and_value() -> None:
    study = optuna.create_study()

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.report(5.0, 0)
        if trial.number == 0:
            record_step_values(trial, [3.0, 4.0])
            return x
        raise optuna.TrialPruned()

    tracker = _Recorder()
    log = _trial_logger(tracker, "study-run", "r2", "mean_r2")
    study.optimize(objective, n_trials=2, callbacks=[log])
    complete, pruned = tracker.runs
    assert complete["name"] == "trial 0" and complete["parent"] == "study-run"
    assert complete["params"] == study.trials[0].params
    assert study.trials[0].user_attrs[STEP_VALUES] == [3.0, 4.0]
    assert complete["metrics"] == [
        ({"r2": 3.0}, 0),
        ({"r2": 4.0}, 1),
        ({"mean_r2": study.trials[0].value, "steps": 2}, None),
    ]
    assert pruned["tags"]["optuna.state"] == "PRUNED"
    # without recorded steps, the reported values are the steps; a pruned trial's value is
    # the last one it reported
    assert pruned["metrics"] == [({"r2": 5.0}, 0), ({"mean_r2": 5.0, "steps": 1}, None)]
