"""`benchlab tune` on the tiny data: folds, no test leakage, resume, concurrency, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import optuna
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.config import parse_run_config
from benchlab.errors import InputError
from benchlab.forecast.data.synthetic import SynthPaths
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.tuning import (
    FoldObjective,
    _pre_test_data,
    _resource_params,
    rolling_folds,
    tune_forecast,
)
from benchlab.tuning import TuningConfig

SPLIT = dt.date(2020, 3, 1)


def _raw(paths: SynthPaths, out: Path, **tuning) -> dict:
    return {
        "name": "tune_test",
        "seed": 3,
        "n_workers": 1,
        "data": {
            "features_path": str(paths.features),
            "target_path": str(paths.target),
            "mapping_path": str(paths.mapping_json),
            "split_date": str(SPLIT),
            "horizon": 28,
            "sku_tuples": [[80558, 2], [80651, 2]],
        },
        "strategy": ["combined"],
        "models": [{"type": "lightgbm_standard", "n_estimators": 15}],
        "output_dir": str(out),
        "report": {"fan_charts": 0},
        "tracking": {"enabled": False},
        "tuning": {
            "n_trials": 3,
            "n_folds": 2,
            "search_space": {
                "models.0.learning_rate": {"type": "loguniform", "low": 0.02, "high": 0.3},
                "models.0.num_leaves": {"type": "int", "low": 4, "high": 31},
            },
            **tuning,
        },
    }


def _objective(raw: dict) -> FoldObjective:
    config = parse_run_config(raw)
    pipeline = BenchmarkPipeline(config.data, config.training_config())
    data = pipeline.load_and_prepare_data()
    pre_test = _pre_test_data(data, pipeline.split)
    folds = rolling_folds(pre_test, n_folds=config.tuning.n_folds, horizon=28)
    return FoldObjective(config, folds, pre_test, pipeline.feature_spec)


def test_rolling_folds_expand_and_end_where_the_test_period_starts(tiny_paths, tmp_path) -> None:
    objective = _objective(_raw(tiny_paths, tmp_path, n_folds=3))
    folds = objective.folds
    assert len(folds) == 3
    assert folds[-1].test_dates[-1] == SPLIT - dt.timedelta(days=1)
    for earlier, later in zip(folds, folds[1:], strict=False):
        assert later.test_dates[0] == earlier.test_dates[-1] + dt.timedelta(days=1)
        assert later.train.height > earlier.train.height  # expanding window
    for fold in folds:
        assert len(fold.test_dates) == 28
        assert fold.train["date"].max() < fold.test_dates[0]
        assert fold.test["date"].max() < SPLIT
    assert objective.pre_test.frame["date"].max() < SPLIT


def test_the_test_period_never_reaches_the_search(tiny_paths, tmp_path) -> None:
    """Poisoning every actual of the test period changes no fold score."""
    features = pl.read_ipc(tiny_paths.features)
    target = pl.read_ipc(tiny_paths.target)
    in_test = features.filter(pl.col("date") >= SPLIT).select("bdID")
    poisoned = target.with_columns(
        pl.when(pl.col("bdID").is_in(in_test["bdID"].implode()))
        .then(pl.col("target") * 1000 + 777)
        .otherwise(pl.col("target"))
    )
    poisoned_path = tmp_path / "poisoned_target.feather"
    poisoned.write_ipc(poisoned_path)
    clean = _raw(tiny_paths, tmp_path)
    dirty = json.loads(json.dumps(clean))
    dirty["data"]["target_path"] = str(poisoned_path)
    dirty["data"]["oracle_path"] = str(tiny_paths.oracle)
    values = {"models.0.learning_rate": 0.1, "models.0.num_leaves": 15}
    assert _objective(clean).evaluate(values) == _objective(dirty).evaluate(values)


def test_a_trial_reporting_badly_is_pruned(tiny_paths, tmp_path) -> None:
    class AlwaysPrune(optuna.pruners.BasePruner):
        def prune(self, study, trial) -> bool:
            return True

    objective = _objective(_raw(tiny_paths, tmp_path))
    study = optuna.create_study(pruner=AlwaysPrune())
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.PRUNED
    assert list(study.trials[0].intermediate_values) == [0]  # stopped after the first fold


def test_tune_end_to_end_then_resume(tiny_paths, tmp_path) -> None:
    raw = _raw(tiny_paths, tmp_path)
    raw["tracking"] = {"enabled": True}
    config = parse_run_config(raw)
    summary = tune_forecast(config, progress=False)
    assert summary.n_trials == 3 and summary.storage == f"sqlite:///{tmp_path / 'optuna.db'}"
    best = yaml.safe_load(summary.best_config_path.read_text())
    assert best["mode"] == "train"
    assert best["models"][0]["num_leaves"] == summary.best_params["models.0.num_leaves"]
    assert best["models"][0]["learning_rate"] == summary.best_params["models.0.learning_rate"]
    tuning = summary.run_dir / "tuning"
    for name in (
        "trials.csv",
        "study.json",
        "optimization_history.html",
        "parallel_coordinate.html",
    ):
        assert (tuning / name).is_file(), name
    assert pl.read_csv(tuning / "trials.csv").height == 3
    final = json.loads((summary.run_dir / "metrics.json").read_text())["results"][0]
    assert final["metrics"]["rmsse"] > 0  # the refit is evaluated on the test period
    assert summary.folds[-1][1] == str(SPLIT - dt.timedelta(days=1))

    # Every trial is an MLflow child run of the study's run, next to the refit run.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("tune_test")
    runs = client.search_runs([experiment.experiment_id])
    study_run = next(r for r in runs if r.info.run_name == "study tune_test")
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == study_run.info.run_id]
    assert sorted(r.info.run_name for r in trials) == ["trial 0", "trial 1", "trial 2"]
    assert all("mean_rmsse" in r.data.metrics for r in trials)
    assert "models.0.num_leaves" in trials[0].data.params
    assert study_run.data.metrics["best_rmsse"] == pytest.approx(summary.best_value)
    assert any(r.info.run_name == summary.run_dir.name for r in runs)

    with pytest.raises(InputError, match="already exists.*--resume"):
        tune_forecast(config, progress=False)
    again = tune_forecast(config, n_trials=2, resume=True, progress=False)
    assert again.n_trials == 5


def test_bad_search_spaces_fail_before_any_trial(tiny_paths, tmp_path) -> None:
    bad_path = _raw(tiny_paths, tmp_path)
    bad_path["tuning"]["search_space"] = {
        "models.0.num_leavez": {"type": "int", "low": 2, "high": 8}
    }
    with pytest.raises(InputError, match="num_leavez"):
        tune_forecast(parse_run_config(bad_path), progress=False)
    bad_metric = _raw(tiny_paths, tmp_path, metric="accuracy")
    with pytest.raises(InputError, match="tuning.metric 'accuracy' is not available"):
        tune_forecast(parse_run_config(bad_metric), progress=False)
    assert not (tmp_path / "optuna.db").exists()
    with pytest.raises(InputError, match="low \\(5.0\\) is above high"):
        parse_run_config(
            _raw(tiny_paths, tmp_path, search_space={"x": {"type": "int", "low": 5, "high": 1}})
        )


@pytest.mark.slow  # two CLI processes, each importing benchlab and running 3 trials
def test_two_processes_share_one_study(tiny_paths, tmp_path) -> None:
    config = tmp_path / "tune.yaml"
    config.write_text(yaml.safe_dump(_raw(tiny_paths, tmp_path)))
    command = [
        sys.executable,
        "-m",
        "benchlab.cli",
        "tune",
        str(config),
        "--n-trials",
        "3",
        "--resume",
        "--no-progress",
    ]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    study = optuna.load_study(study_name="tune_test", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    numbers = sorted(t.number for t in study.trials)
    assert numbers == list(range(6))
    finished = {optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED}
    assert all(t.state in finished for t in study.trials)  # none lost, failed or left running


def test_cli_tune_json_and_errors(tiny_paths, tmp_path) -> None:
    runner = CliRunner()
    config = tmp_path / "tune.yaml"
    config.write_text(yaml.safe_dump(_raw(tiny_paths, tmp_path)))
    result = runner.invoke(app, ["tune", str(config), "--n-trials", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) == {
        "study_name",
        "storage",
        "n_trials",
        "best_value",
        "best_params",
        "best_config_path",
        "run_dir",
    }
    assert Path(payload["best_config_path"]).is_file()
    via_mode = runner.invoke(app, ["run", str(config), "mode=hp_tune", "tuning.study_name=other"])
    assert via_mode.exit_code == 0, via_mode.output
    no_section = runner.invoke(app, ["tune", str(config), "tuning=null"])
    assert no_section.exit_code == 2 and "no 'tuning:' section" in no_section.output


def test_resource_keys_reach_only_models_that_take_them() -> None:
    space = {"models.0.num_leaves": {"type": "int", "low": 4, "high": 8}}
    config = TuningConfig(search_space=space, accelerator="cpu", dataloader_workers=0, devices=1)
    assert _resource_params(config, "lightning_quantile") == {
        "dataloader_workers": 0,
        "accelerator": "cpu",
        "devices": 1,
    }
    assert _resource_params(config, "lightgbm_standard") == {}
