"""``benchlab tune``: Optuna search over a forecast config, on rolling-origin folds.

Only the data before the test period is used while searching: it is cut into ``n_folds``
expanding-window folds whose validation periods (``horizon`` periods each) end where the test
period starts. Each trial trains ``models.0`` under the first listed strategy on every fold and
reports the mean of ``tuning.metric``; a trial behind the median after a fold is pruned. The best
values are written into a ready config, and that config is run as usual (refit on all pre-test
data, evaluated on the test period) into a run folder that also holds the search: ``tuning/``
with ``best_config.yaml``, ``trials.csv`` and Optuna's plots as HTML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.config import parse_run_config, set_values
from benchlab.errors import InputError
from benchlab.forecast.config import ForecastRunConfig
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.splits import TemporalSplit, temporal_split
from benchlab.forecast.features import FeatureSpec
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.schema import DATE
from benchlab.parallel import stderr_console
from benchlab.runs import RunFolder, jsonable
from benchlab.tracking import Tracker
from benchlab.tuning import TuningConfig, open_study, suggest


@dataclass
class TuneSummary:
    study_name: str
    storage: str
    n_trials: int
    best_value: float
    best_params: dict[str, Any]
    best_config_path: Path
    run_dir: Path
    folds: list[tuple[str, str]] = field(default_factory=list)  # validation start … end

    def to_json(self) -> dict[str, Any]:
        return jsonable(
            {
                "study_name": self.study_name,
                "storage": self.storage,
                "n_trials": self.n_trials,
                "best_value": self.best_value,
                "best_params": self.best_params,
                "best_config_path": str(self.best_config_path),
                "run_dir": str(self.run_dir),
            }
        )


def rolling_folds(pre_test: ForecastData, *, n_folds: int, horizon: int) -> list[TemporalSplit]:
    """Expanding-window folds on ``pre_test`` (data before the test period): fold ``k``
    validates on ``horizon`` periods and trains on everything before them; the last fold's
    validation ends where the test period starts."""
    dates = pre_test.frame.get_column(DATE).unique().sort().to_list()
    if len(dates) <= n_folds * horizon:
        raise InputError(
            f"tuning: {len(dates)} periods before the test period cannot hold {n_folds} folds "
            f"of {horizon} periods plus training data; lower tuning.n_folds or data.horizon"
        )
    starts = [dates[len(dates) - (n_folds - k) * horizon] for k in range(n_folds)]
    return [temporal_split(pre_test, split_date=start, horizon=horizon) for start in starts]


def _tuning_of(config: ForecastRunConfig) -> TuningConfig:
    if config.tuning is None:
        raise InputError("the config has no 'tuning:' section (n_trials, search_space, …)")
    return config.tuning


def _trial_config(raw: dict[str, Any], values: dict[str, Any]) -> ForecastRunConfig:
    return parse_run_config(set_values(raw, values), source="tuning trial")


def _resource_params(tuning: TuningConfig, model_type: str) -> dict[str, Any]:
    """The tuning section's resource keys that ``model_type`` takes as hyperparameters."""
    fields = model_registry.get(model_type).Params.model_fields
    return {k: v for k, v in tuning.resource_params().items() if k in fields}


class FoldObjective:
    """Optuna objective: the mean fold metric of ``models.0`` under a trial's values."""

    def __init__(
        self,
        config: ForecastRunConfig,
        folds: list[TemporalSplit],
        pre_test: ForecastData,
        feature_spec: FeatureSpec | None,
    ) -> None:
        self.raw = json.loads(config.model_dump_json())
        self.tuning = _tuning_of(config)
        self.folds = folds
        self.pre_test = pre_test  # the only data a trial sees
        self.feature_spec = feature_spec
        self.on_trial: Callable[[Any, dict[str, Any], list[float]], None] | None = None

    def evaluate(self, values: dict[str, Any], report: Callable[[float, int], bool] | None = None):
        """Fold metrics of the config with ``values`` set; ``report`` may stop early (prune)."""
        config = _trial_config(self.raw, values)
        training = config.training_config()
        label = next(iter(training.models))
        spec = training.models[label]
        spec.params.update(_resource_params(self.tuning, spec.type))
        strategy = config.strategy[0]
        scores: list[float] = []
        for k, split in enumerate(self.folds):
            pipeline = BenchmarkPipeline.from_split(
                config.data, training, self.pre_test, split, self.feature_spec
            )
            result = pipeline.run_experiment(
                None,
                strategy,
                label,
                n_workers=config.n_workers,
                progress=False,
                keep_models=False,
            )
            value = result.metrics.get(self.tuning.metric)
            if value is None or not math.isfinite(value):
                raise InputError(
                    f"tuning.metric {self.tuning.metric!r} is not available for {label} "
                    f"(has: {', '.join(sorted(result.metrics)[:12])} …)"
                )
            scores.append(float(value))
            if report is not None and report(sum(scores) / len(scores), k):
                break
        return scores

    def __call__(self, trial: Any) -> float:
        import optuna

        values = suggest(trial, self.tuning.search_space)

        def report(value: float, step: int) -> bool:
            trial.report(value, step)
            return trial.should_prune()

        scores = self.evaluate(values, report)
        if self.on_trial is not None:
            self.on_trial(trial, values, scores)
        if len(scores) < len(self.folds):
            raise optuna.TrialPruned(f"pruned after {len(scores)} fold(s)")
        return sum(scores) / len(scores)


def tune_forecast(
    config: ForecastRunConfig,
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
) -> TuneSummary:
    """Search ``config.tuning.search_space``, then run the best config into a run folder."""
    from benchlab.forecast.runner import run_forecast

    tuning = _tuning_of(config)
    console = stderr_console
    pipeline = BenchmarkPipeline(config.data, config.training_config())
    data = pipeline.load_and_prepare_data()
    assert pipeline.split is not None
    pre_test = _pre_test_data(data, pipeline.split)
    folds = rolling_folds(pre_test, n_folds=tuning.n_folds, horizon=pipeline.split.horizon)
    objective = FoldObjective(config, folds, pre_test, pipeline.feature_spec)
    objective.evaluate(_first_values(tuning))  # a bad path or value fails now, not in trial 1

    study_name = tuning.study_name or config.name
    url = tuning.storage_url(config.output_dir)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(tuning, url=url, study_name=study_name, resume=resume, seed=config.seed)
    trials = n_trials or tuning.n_trials
    tracker = Tracker(config.tracking, output_dir=config.output_dir, experiment=config.name)
    console.print(
        f"tuning {study_name}: {trials} trial(s), {len(folds)} fold(s) before "
        f"{pipeline.split.split_date}, metric {tuning.metric} ({tuning.direction}), storage {url}",
        markup=False,
    )
    study_params = json.loads(tuning.model_dump_json())
    study_tags = {"benchlab.study": study_name, "benchlab.storage": url}
    with tracker.run(f"study {study_name}", params=study_params, tags=study_tags) as study_run:
        objective.on_trial = _trial_logger(tracker, study_run.run_id, tuning.metric)
        study.optimize(objective, n_trials=trials, n_jobs=tuning.n_jobs, show_progress_bar=progress)
        if any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
            study_run.log_metrics({f"best_{tuning.metric}": study.best_value})
            study_run.set_tags({f"best.{k}": v for k, v in study.best_params.items()})
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        raise InputError(f"study {study_name!r}: no trial completed")
    best = study.best_trial
    best_raw = set_values(json.loads(config.model_dump_json()), best.params)
    best_raw["mode"] = "train"
    best_config = parse_run_config(best_raw, source="best config")

    def write_tuning(run: RunFolder) -> None:
        folder = "tuning"
        run.write_yaml(f"{folder}/best_config.yaml", best_raw)
        _trials_frame(study).write_csv(run.file(f"{folder}/trials.csv"))
        run.write_json(
            f"{folder}/study.json",
            {
                "study_name": study_name,
                "storage": url,
                "n_trials": len(study.trials),
                "best_value": best.value,
                "best_params": best.params,
                "folds": [_fold_span(f) for f in folds],
            },
        )
        _write_plots(study, run, folder)

    summary = run_forecast(best_config, progress=progress, extra=write_tuning)
    return TuneSummary(
        study_name=study_name,
        storage=url,
        n_trials=len(study.trials),
        best_value=float(best.value),
        best_params=dict(best.params),
        best_config_path=summary.run_dir / "tuning" / "best_config.yaml",
        run_dir=summary.run_dir,
        folds=[_fold_span(f) for f in folds],
    )


def _trial_logger(tracker: Tracker, parent_run_id: str | None, metric: str):
    """Log each trial as a child run of the study's run: its values and fold scores."""

    def log(trial: Any, values: dict[str, Any], scores: list[float]) -> None:
        name = f"trial {trial.number}"
        tags = {"optuna.trial": trial.number}
        with tracker.run(name, params=values, tags=tags, parent_run_id=parent_run_id) as run:
            for fold, score in enumerate(scores):
                run.log_metrics({metric: score}, step=fold)
            run.log_metrics({f"mean_{metric}": sum(scores) / len(scores), "folds": len(scores)})

    return log


def _pre_test_data(data: ForecastData, split: TemporalSplit) -> ForecastData:
    """``data`` without the test period: nothing the search does can see it."""
    from dataclasses import replace

    return replace(data, frame=split.train)


def _first_values(tuning: TuningConfig) -> dict[str, Any]:
    import optuna

    trial = optuna.trial.FixedTrial(
        {path: _low(spec) for path, spec in tuning.search_space.items()}
    )
    return suggest(trial, tuning.search_space)


def _low(spec) -> Any:
    if spec.type == "categorical":
        return spec.choices[0]
    return int(spec.low) if spec.type == "int" else float(spec.low)


def _fold_span(split: TemporalSplit) -> tuple[str, str]:
    return (str(split.test_dates[0]), str(split.test_dates[-1]))


def _trials_frame(study: Any) -> pl.DataFrame:
    rows = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "duration_s": t.duration.total_seconds() if t.duration else None,
            **{f"param.{k}": v for k, v in t.params.items()},
        }
        for t in study.trials
    ]
    return pl.DataFrame(rows, infer_schema_length=None)


def _write_plots(study: Any, run: RunFolder, folder: str) -> None:
    """Optimization history, parameter importances and parallel coordinates as HTML."""
    from optuna import visualization as vis

    plots = {
        "optimization_history": vis.plot_optimization_history,
        "param_importances": vis.plot_param_importances,
        "parallel_coordinate": vis.plot_parallel_coordinate,
    }
    for name, plot in plots.items():
        try:
            figure = plot(study)
        except (ValueError, RuntimeError) as exc:  # e.g. importances need 2+ completed trials
            stderr_console.print(f"skipped the {name} plot: {exc}", markup=False)
            continue
        figure.write_html(run.file(f"{folder}/{name}.html"), include_plotlyjs="directory")
