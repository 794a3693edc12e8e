"""``benchlab tune`` for forecasting: the objective is the mean metric over rolling-origin folds.

Only the data before the test period is used while searching: it is cut into ``n_folds``
expanding-window folds whose validation periods (``horizon`` periods each) end where the test
period starts. Each trial trains ``models.0`` under the first listed strategy on every fold and
reports the running mean of the study's metric (``tuning.metric``, default the report's primary
metric); a trial behind the median after a fold is pruned. The engine's study lifecycle
(:func:`benchlab.tuning.run_study`) runs the trials and builds the best config; that config is
run as usual (refit on all pre-test data, evaluated on the test period) into a run folder that
also holds the search: ``tuning/`` with ``best_config.yaml``, ``trials.csv``, ``study.json``
(with the folds) and Optuna's plots as HTML.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from benchlab.config import parse_run_config, set_values
from benchlab.errors import InputError
from benchlab.forecast.config import ForecastRunConfig
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.splits import TemporalSplit, temporal_split
from benchlab.forecast.features import FeatureSpec
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.schema import DATE
from benchlab.runs import RunFolder
from benchlab.tuning import (
    TuneSummary,
    TuningConfig,
    record_step_values,
    run_study,
    study_metric,
    suggest,
    tuning_of,
    write_study_files,
)


@dataclass
class ForecastTuneSummary(TuneSummary):
    """The engine's summary plus the folds searched on (validation start … end)."""

    folds: list[tuple[str, str]] = field(default_factory=list)


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
        self.raw = config.to_raw()
        self.tuning = tuning_of(config)
        self.metric = study_metric(config)
        self.folds = folds
        self.pre_test = pre_test  # the only data a trial sees
        self.feature_spec = feature_spec

    def evaluate(
        self, values: dict[str, Any], report: Callable[[float, int], bool] | None = None
    ) -> list[float]:
        """Fold metrics of the config with ``values`` set; ``report`` may stop early (prune)."""
        config = parse_run_config(set_values(self.raw, values), source="tuning trial")
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
                modeling_strategy=strategy,
                model_type=label,
                n_workers=config.n_workers,
                progress=False,
                keep_models=False,
            )
            value = result.metrics.get(self.metric)
            if value is None or not math.isfinite(value):
                raise InputError(
                    f"tuning.metric {self.metric!r} is not available for {label} "
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
        record_step_values(trial, scores)
        if len(scores) < len(self.folds):
            raise optuna.TrialPruned(f"pruned after {len(scores)} fold(s)")
        return sum(scores) / len(scores)


def tune_forecast(
    config: ForecastRunConfig,
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
) -> ForecastTuneSummary:
    """Search ``config.tuning.search_space`` on rolling-origin folds, then run the best config
    into a run folder."""
    from benchlab.forecast.runner import run_forecast

    tuning = tuning_of(config)
    pipeline = BenchmarkPipeline(config.data, config.training_config())
    data = pipeline.load_and_prepare_data()
    assert pipeline.split is not None
    pre_test = _pre_test_data(data, pipeline.split)
    folds = rolling_folds(pre_test, n_folds=tuning.n_folds, horizon=pipeline.split.horizon)
    objective = FoldObjective(config, folds, pre_test, pipeline.feature_spec)
    outcome = run_study(
        config,
        objective,
        n_trials=n_trials,
        resume=resume,
        progress=progress,
        first_values_check=objective.evaluate,  # a bad path or value fails now, not in trial 1
        note=f", {len(folds)} fold(s) before {pipeline.split.split_date}",
        value_name=f"mean_{objective.metric}",
    )
    spans = [_fold_span(f) for f in folds]

    def write_tuning(run: RunFolder) -> None:
        write_study_files(run, outcome, details={"folds": spans})

    summary = run_forecast(outcome.best_config, progress=progress, extra=write_tuning)
    return ForecastTuneSummary.of(outcome, summary.run_dir, folds=spans)


def _pre_test_data(data: ForecastData, split: TemporalSplit) -> ForecastData:
    """``data`` without the test period: nothing the search does can see it."""
    return replace(data, frame=split.train)


def _fold_span(split: TemporalSplit) -> tuple[str, str]:
    return (str(split.test_dates[0]), str(split.test_dates[-1]))
