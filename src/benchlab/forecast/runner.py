"""The forecast task's run: every listed model under every listed strategy, into one run folder.

Besides what the engine's runner writes (``config.yaml``, ``benchlab.log``, ``leaderboard.csv``,
``metrics.json``, ``report.md``, ``manifest.json``), a forecast run folder holds::

    dataset.json                    input shape, id/feature columns, frequency, periods, SKUs
    augmentation/                   with an ``augmentation:`` block: seed 001's evaluation
    feature_mapping.json            the seed 000 feature mapping (when the data had one)
    figures/*.png                   the report's pictures
    predictions_<model>_<strategy>.parquet
    <strategy>/<model>/             metrics.json, per_sku_metrics.parquet, failures.json, models/
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

from benchlab.forecast.config import ForecastRunConfig, ModelConfig, TrainingConfig
from benchlab.forecast.data.seed_files import FILE_ID_COLUMNS
from benchlab.forecast.evaluator import ModelEvaluator
from benchlab.forecast.metrics import HEADLINE_METRICS
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.results import ExperimentResult, ModelingStrategy
from benchlab.forecast.schema import DATE, TARGET
from benchlab.logs import get_logger
from benchlab.runner import RunSummary, leaderboard_table, run_task
from benchlab.runs import RunFolder, safe_name
from benchlab.tasks import RunOutcome

if TYPE_CHECKING:
    from benchlab.reports.markdown import Section

log = get_logger("forecast")

#: What the console summary shows after the primary metric.
CONSOLE_METRICS = (
    *(m for m in HEADLINE_METRICS if m in ("rmsse", "wrmsse", "mase", "smape", "mean_pinball")),
    "coverage_80",
    "rmsse_vs_oracle",
)
CONSOLE_INFO = ("fit_seconds", "n_failed")


@dataclass
class PreparedForecast:
    """Loaded, split and validated data and models: nothing has been written yet."""

    pipeline: BenchmarkPipeline
    training: TrainingConfig
    described: str
    augmentation: Any = None  # PreparedAugmentation, with an ``augmentation:`` block


@dataclass
class ForecastRun:
    """The forecast task's own results of a run (``RunSummary.details``)."""

    results: list[ExperimentResult]
    evaluator: ModelEvaluator
    pipeline: BenchmarkPipeline
    augmentation: Any = None  # AugmentationRun, with an ``augmentation:`` block


def run_forecast(
    config: ForecastRunConfig,
    *,
    progress: bool = True,
    console: Console | None = None,
    extra: Callable[[RunFolder], None] | None = None,
) -> RunSummary:
    """Load → split → train each model under each strategy → evaluate → write the run folder.

    The same as ``benchlab run`` on a forecast config; ``summary.details`` is a
    :class:`ForecastRun`. ``extra`` writes more files into the run folder before its manifest.
    """
    return run_task(config, progress=progress, console=console, extra=extra)


def prepare_forecast(config: ForecastRunConfig, console: Console) -> PreparedForecast:
    """Load and split the data and build every model once, so bad input fails before any
    file is written."""
    training = config.training_config()
    pipeline = BenchmarkPipeline(config.data, training)
    data = pipeline.load_and_prepare_data()
    split = pipeline.split
    assert split is not None
    described = (
        f"{config.name}: {data.n_series} SKUs from {data.source}, "
        f"train to {split.train[DATE].max()}, test {split.test_dates[0]} … "
        f"{split.test_dates[-1]} ({split.horizon} periods)"
    )
    console.print(described, markup=False, highlight=False)
    for spec in training.models.values():
        pipeline.make_task(spec.type, hyperparameters=spec.params)
    augmentation = None
    if config.augmentation is not None:
        from benchlab.forecast.augmentation import prepare_augmentation

        augmentation = prepare_augmentation(config, split, console=console)
    return PreparedForecast(pipeline, training, described, augmentation)


def run_experiments(
    config: ForecastRunConfig,
    prepared: PreparedForecast,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Every model under every strategy, each experiment written into ``run`` as it ends."""
    pipeline, training = prepared.pipeline, prepared.training
    log.info("%s", prepared.described)
    evaluator = ModelEvaluator(primary_metric=config.report.primary_metric)
    results: list[ExperimentResult] = []
    for label in training.models:
        for strategy in config.strategy:
            console.print(f"→ {label} [{strategy.value}]", markup=False, highlight=False)
            params = _tensorboard_params(run, training.models[label], label, strategy)
            result = pipeline.run_experiment(
                sku_tuples=None,
                modeling_strategy=strategy,
                model_type=label,
                hyperparameters=params,
                n_workers=config.n_workers,
                progress=progress,
            )
            _point_log_dir_to_final_folder(run, result)
            log.info(
                "%s: %s %.4g, fit %.2f s, predict %.2f s, %d failed SKU(s)",
                result.label,
                evaluator.primary_metric,
                result.metrics.get(evaluator.primary_metric, float("nan")),
                result.fit_seconds,
                result.predict_seconds,
                len(result.failures),
            )
            _write_experiment(run, result)
            evaluator.add(result)
            results.append(result)
    augmentation = None
    if prepared.augmentation is not None:
        from benchlab.forecast.augmentation import run_augmentation

        augmentation = run_augmentation(
            config, prepared.augmentation, pipeline, run, progress=progress, console=console
        )
        for result in augmentation.results:
            _write_experiment(run, result)
            run.directory(f"{_experiment_dir(result)}/models")  # none: a release says so
            evaluator.add(result)
            results.append(result)
    _write_data_files(run, pipeline)
    return RunOutcome(
        records=evaluator.records(),
        leaderboard=evaluator.leaderboard(),
        primary_metric=evaluator.primary_metric,
        details=ForecastRun(results, evaluator, pipeline, augmentation),
    )


def print_forecast_summary(outcome: RunOutcome, console: Console) -> None:
    """The leaderboard: rank, model, strategy, the primary and headline metrics, fit time."""
    console.print(
        leaderboard_table(
            outcome.leaderboard, outcome.primary_metric, CONSOLE_METRICS, CONSOLE_INFO
        )
    )
    augmentation = getattr(outcome.details, "augmentation", None)
    if augmentation is not None:
        augmentation.task.print_summary(augmentation.outcome, console)


def _tensorboard_params(
    run: RunFolder, spec: ModelConfig, label: str, strategy: ModelingStrategy
) -> dict[str, Any]:
    """The model's params, plus ``log_dir`` in the run folder for a neural model under COMBINED
    (TensorBoard logs and checkpoints; INDIVIDUAL would write one set per SKU)."""
    params = dict(spec.params)
    takes_log_dir = "log_dir" in model_registry.get(spec.type).Params.model_fields
    if takes_log_dir and "log_dir" not in params and strategy is ModelingStrategy.COMBINED:
        folder = f"{strategy.value}/{safe_name(label)}/lightning"
        params["log_dir"] = str(run.directory(folder).resolve())
    return params


def _point_log_dir_to_final_folder(run: RunFolder, result: ExperimentResult) -> None:
    """Record ``log_dir`` where the logs will be once the run folder is renamed into place."""
    log_dir = result.hyperparameters.get("log_dir")
    if not log_dir or not str(log_dir).startswith(str(run.path.resolve())):
        return
    final = str(run.final_path.resolve()) + str(log_dir)[len(str(run.path.resolve())) :]
    result.hyperparameters["log_dir"] = final
    for model in result.models.values():
        model.hyperparameters["log_dir"] = final


def _experiment_dir(result: ExperimentResult) -> str:
    return f"{result.strategy.value}/{safe_name(result.model)}"


def _write_experiment(run: RunFolder, result: ExperimentResult) -> None:
    folder = _experiment_dir(result)
    name = f"predictions_{safe_name(result.model)}_{result.strategy.value}.parquet"
    run.write_parquet(name, result.predictions)
    run.write_parquet(f"{folder}/per_sku_metrics.parquet", result.per_sku_metrics)
    run.write_json(
        f"{folder}/metrics.json",
        {
            **result.record().to_json(),
            "hyperparameters": result.hyperparameters,
            "quantile_alphas": list(result.quantile_alphas),
            "n_workers": result.n_workers,
        },
    )
    run.write_json(
        f"{folder}/failures.json",
        [{"sku": list(f.sku), "reason": f.reason} for f in result.failures],
    )
    for key, model in result.models.items():
        model.save(run.directory(f"{folder}/models/{safe_name(key)}"))


def _write_data_files(run: RunFolder, pipeline: BenchmarkPipeline) -> None:
    """``dataset.json`` (what a release needs to serve) and the seed 000 feature mapping."""
    assert pipeline.data is not None
    run.write_json("dataset.json", dataset_description(pipeline))
    mapping = pipeline.data.metadata.get("mapping")
    if mapping is not None:
        run.write_json("feature_mapping.json", mapping)


def forecast_report_sections(
    config: ForecastRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """Draw the figures into ``run/figures`` and return the report's sections."""
    from benchlab.forecast.plots import make_report_figures
    from benchlab.forecast.report import report_sections

    details: ForecastRun = outcome.details
    data, split = details.pipeline.data, details.pipeline.split
    assert data is not None and split is not None
    history = None
    if config.report.fan_charts:
        history = split.train.select(*data.id_columns, DATE, TARGET)
    figures = make_report_figures(
        details.evaluator,
        run.directory("figures"),
        history=history,
        n_skus=config.report.fan_charts,
    )
    summary = {
        "source": data.source,
        "SKUs": data.n_series,
        "frequency": data.freq,
        "horizon": split.horizon,
        "train": f"{split.train[DATE].min()} … {split.train[DATE].max()}",
        "test": f"{split.test_dates[0]} … {split.test_dates[-1]}",
        "strategies": ", ".join(s.value for s in config.strategy),
        "seed": config.seed,
    }
    links = {title: path.relative_to(run.path).as_posix() for title, path in figures.items()}
    sections = report_sections(
        details.evaluator, figures=links, data_summary=summary, run_config=config.to_raw()
    )
    if details.augmentation is not None:
        from benchlab.forecast.augmentation import augmentation_sections

        sections[-1:-1] = augmentation_sections(details.augmentation)  # before the config
    return sections


def dataset_description(pipeline: BenchmarkPipeline) -> dict[str, Any]:
    """What a release needs to serve a run's models: the input shape, columns and periods."""
    data, split = pipeline.data, pipeline.split
    assert data is not None and split is not None
    seed_files = data.metadata.get("format") == "seed"
    return {
        "format": data.metadata.get("format"),
        "source": data.source,
        "id_columns": list(data.id_columns),
        "file_id_columns": list(FILE_ID_COLUMNS if seed_files else data.id_columns),
        "feature_columns": list(data.feature_columns),
        "exogenous_columns": list(data.exogenous_columns),
        "freq": data.freq,
        "season_length": data.season_length,
        "horizon": split.horizon,
        "train_start": str(split.train[DATE].min()),
        "train_end": str(split.train[DATE].max()),
        "test_start": str(split.test_dates[0]),
        "test_end": str(split.test_dates[-1]),
        "n_skus": data.n_series,
        "sku_tuples": [list(t) for t in data.sku_tuples()],
    }
