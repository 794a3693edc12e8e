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
    DEFAULT_PRUNER_STARTUP,
    STEP_VALUES,
    ParamSpace,
    PrunerConfig,
    SamplerConfig,
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


# --- samplers and pruners ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("short", "seed_form", "expected"),
    [
        ("tpe", {"type": "TPESampler", "n_startup_trials": 10}, {"n_startup_trials": 10}),
        ("random", {"type": "RandomSampler"}, {}),
        ("cmaes", {"type": "CmaEsSampler", "n_startup_trials": 3}, {"n_startup_trials": 3}),
        ("grid", {"type": "GridSampler"}, {}),
    ],
)
def test_a_sampler_is_named_or_given_in_seed_002s_form(short, seed_form, expected) -> None:
    space = {"a": {"type": "categorical", "choices": [1, 2]}}
    named = TuningConfig(sampler=short, search_space=space).sampler
    seed = TuningConfig(sampler=seed_form, search_space=space).sampler
    assert named.type == seed.type == short
    assert seed.given() == expected
    # a dumped config (what config.yaml and best_config.yaml hold) validates to the same model
    assert seed.model_dump() == {"type": short, **expected}
    assert SamplerConfig.model_validate(seed.model_dump()) == seed


@pytest.mark.parametrize(
    ("seed_form", "expected_type"),
    [
        ({"type": "MedianPruner", "n_startup_trials": 5, "n_warmup_steps": 5}, "median"),
        ({"type": "PercentilePruner", "percentile": 10.0}, "percentile"),
        ({"type": "HyperbandPruner", "min_resource": 1, "reduction_factor": 2}, "hyperband"),
        ({"type": "NopPruner"}, "none"),
        ("none", "none"),
        ("median", "median"),
    ],
)
def test_a_pruner_is_named_or_given_in_seed_002s_form(seed_form, expected_type) -> None:
    pruner = TuningConfig(pruner=seed_form, search_space=SPACE).pruner
    assert pruner.type == expected_type
    assert PrunerConfig.model_validate(pruner.model_dump()) == pruner
    built = pruner.build()
    classes = {
        "median": optuna.pruners.MedianPruner,
        "percentile": optuna.pruners.PercentilePruner,
        "hyperband": optuna.pruners.HyperbandPruner,
        "none": optuna.pruners.NopPruner,
    }
    assert type(built) is classes[expected_type]


def test_todays_defaults_are_kept() -> None:
    config = TuningConfig(search_space=SPACE)
    assert (config.sampler.type, config.pruner.type) == ("tpe", "median")
    assert config.model_dump()["sampler"] == {"type": "tpe"}
    median = config.pruner.build()
    assert isinstance(median, optuna.pruners.MedianPruner)
    assert median._n_startup_trials == DEFAULT_PRUNER_STARTUP


@pytest.mark.parametrize(
    ("tuning", "message"),
    [
        ({"pruner": {"type": "MedianPruner", "percentile": 10}}, "pruner 'median' takes .*"),
        ({"pruner": {"type": "hyperband", "n_warmup_steps": 2}}, "got n_warmup_steps"),
        ({"sampler": {"type": "RandomSampler", "n_startup_trials": 3}}, "takes no settings"),
        ({"sampler": "annealing"}, "'tpe', 'random', 'cmaes' or 'grid'"),
        ({"pruner": {"type": "WilcoxonPruner"}}, "'median', 'percentile', 'hyperband'"),
        ({"sampler": {"type": "tpe", "n_startup": 3}}, "Extra inputs"),
        ({"sampler": "grid"}, "grid sampler needs a choices-only search space.*models.0"),
    ],
)
def test_bad_samplers_and_pruners_are_refused(tuning: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TuningConfig(search_space=SPACE, **tuning)


def test_open_study_uses_the_configured_sampler_and_pruner(tmp_path: Path) -> None:
    space = {"x": {"type": "uniform", "low": -2.0, "high": 2.0}}
    config = TuningConfig(
        sampler={"type": "CmaEsSampler", "n_startup_trials": 2},
        pruner={"type": "PercentilePruner", "percentile": 40.0},
        search_space=space,
    )
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = open_study(config, url=url, study_name="s", resume=False, seed=0)
    assert isinstance(study.sampler, optuna.samplers.CmaEsSampler)
    assert isinstance(study.pruner, optuna.pruners.PercentilePruner)
    spec = ParamSpace(**space["x"])
    study.optimize(lambda t: spec.suggest(t, "x") ** 2, n_trials=6)
    assert len(study.trials) == 6 and all(-2 <= t.params["x"] <= 2 for t in study.trials)


def test_the_grid_sampler_tries_every_combination_then_stops(tmp_path: Path) -> None:
    space = {
        "a": {"type": "categorical", "choices": [1, 2, 3]},
        "b": {"type": "categorical", "choices": ["x", "y"]},
    }
    config = TuningConfig(sampler="grid", search_space=space)
    assert config.grid_size() == 6
    study = open_study(
        config, url=f"sqlite:///{tmp_path / 'o.db'}", study_name="g", resume=False, seed=0
    )
    specs = {path: ParamSpace(**spec) for path, spec in space.items()}
    study.optimize(lambda t: float(suggest(t, specs)["a"]), n_trials=20)
    combos = {(t.params["a"], t.params["b"]) for t in study.trials}
    assert len(study.trials) == 6 and len(combos) == 6


def _hopeless_objective(trial: Any) -> float:
    """Ten steps; the ``bad`` choice scores far below ``good`` at every step."""
    choice = trial.suggest_categorical("choice", ["good", "bad"])
    for step in range(10):
        value = (1.0 if choice == "good" else 0.0) + step * 0.01
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


@pytest.mark.parametrize(
    "pruner",
    [
        "median",
        {"type": "PercentilePruner", "percentile": 50.0, "n_startup_trials": 1},
        {"type": "HyperbandPruner", "min_resource": 1, "max_resource": 10, "reduction_factor": 3},
    ],
)
def test_each_pruner_stops_a_hopeless_trial(tmp_path: Path, pruner: Any) -> None:
    config = TuningConfig(
        direction="maximize",
        pruner=pruner,
        search_space={"choice": {"type": "categorical", "choices": ["good", "bad"]}},
    )
    study = open_study(
        config,
        url=f"sqlite:///{tmp_path / 'o.db'}",
        study_name="p",
        resume=False,
        seed=0,
        direction="maximize",
    )
    for choice in ["good"] * 6 + ["bad"] * 6:
        study.enqueue_trial({"choice": choice})
    study.optimize(_hopeless_objective, n_trials=12)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, "no trial was pruned"
    assert all(t.params["choice"] == "bad" for t in pruned)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert all(len(t.intermediate_values) == 10 for t in complete)


def test_a_postgresql_storage_is_shared_by_studies_that_resume() -> None:
    from tests.postgres_server import temporary_postgres

    config = TuningConfig(sampler="random", search_space=SPACE)
    with temporary_postgres() as url:
        first = open_study(config, url=url, study_name="shared", resume=False, seed=0)
        first.optimize(lambda t: float(t.suggest_int("x", 0, 9)), n_trials=3)
        # another process (or host) opening the same study adds to it
        second = open_study(config, url=url, study_name="shared", resume=True, seed=1)
        second.optimize(lambda t: float(t.suggest_int("x", 0, 9)), n_trials=2)
        with pytest.raises(InputError, match="already exists"):
            open_study(config, url=url, study_name="shared", resume=False, seed=0)
        stored = optuna.load_study(study_name="shared", storage=url)
        assert len(stored.trials) == 5
