"""``benchlab run``: every listed model under every listed strategy, into one run folder.

Layout of a run folder (``<output_dir>/forecast/<dataset>/<run_id>/``)::

    config.yaml                     resolved config (after overrides)
    benchlab.log                    what the run did, with timings
    dataset.json                    input shape, id/feature columns, frequency, periods, SKUs
    feature_mapping.json            the seed 000 feature mapping (when the data had one)
    leaderboard.csv / metrics.json  every experiment's metrics and timings
    report.md + figures/*.png       the Markdown report and its pictures
    predictions_<model>_<strategy>.parquet
    <strategy>/<model>/             metrics.json, per_sku_metrics.parquet, failures.json, models/
    manifest.json                   SHA-256 and size of every file, environment, git commit
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchlab.config import ForecastRunConfig
from benchlab.forecast.config import ModelConfig
from benchlab.forecast.data.seed_files import FILE_ID_COLUMNS
from benchlab.forecast.evaluator import ModelEvaluator
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.results import ExperimentResult, ModelingStrategy
from benchlab.forecast.schema import DATE, TARGET
from benchlab.logs import get_logger, log_to_file
from benchlab.parallel import stderr_console
from benchlab.reports.markdown import format_value
from benchlab.runs import RunFolder, jsonable, safe_name
from benchlab.tracking import Tracker

LOG_FILE = "benchlab.log"
log = get_logger("run")


@dataclass
class RunSummary:
    run_dir: Path
    results: list[ExperimentResult]
    evaluator: ModelEvaluator

    def to_json(self) -> dict[str, Any]:
        return jsonable(
            {
                "run_dir": str(self.run_dir),
                "results": [
                    {
                        "model": r.model_type,
                        "strategy": r.strategy.value,
                        "metrics": r.metrics,
                        "fit_seconds": r.fit_seconds,
                        "predict_seconds": r.predict_seconds,
                        "wall_seconds": r.wall_seconds,
                        "n_failed": len(r.failures),
                    }
                    for r in self.results
                ],
            }
        )


def run_forecast(
    config: ForecastRunConfig,
    *,
    progress: bool = True,
    console: Console | None = None,
    extra: Callable[[RunFolder], None] | None = None,
) -> RunSummary:
    """Load → split → train each model under each strategy → evaluate → write the run folder.

    ``extra`` writes more files into the run folder before its manifest (e.g. tuning results).
    """
    console = console or stderr_console
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
    for label in training.models:  # validate every model before any training
        spec = training.models[label]
        pipeline.make_task(spec.type, hyperparameters=spec.params)

    evaluator = ModelEvaluator(primary_metric=config.report.primary_metric)
    results: list[ExperimentResult] = []
    run = RunFolder(
        config.output_dir, task=config.task, dataset=config.data.dataset_name, name=config.name
    )
    with run, log_to_file(run.file(LOG_FILE)):
        log.info("run %s: %s", run.run_id, described)
        run.write_yaml("config.yaml", json.loads(config.model_dump_json()))
        for label in training.models:
            for strategy in config.strategy:
                console.print(f"→ {label} [{strategy.value}]", markup=False, highlight=False)
                params = _tensorboard_params(run, training.models[label], label, strategy)
                result = pipeline.run_experiment(
                    None,
                    strategy,
                    label,
                    hyperparameters=params,
                    n_workers=config.n_workers,
                    progress=progress,
                )
                _point_log_dir_to_final_folder(run, result)
                log.info(
                    "%s [%s]: %s %.4g, fit %.2f s, predict %.2f s, %d failed SKU(s)",
                    label,
                    strategy.value,
                    evaluator.primary_metric,
                    result.metrics.get(evaluator.primary_metric, float("nan")),
                    result.fit_seconds,
                    result.predict_seconds,
                    len(result.failures),
                )
                _write_experiment(run, result)
                evaluator.add(result)
                results.append(result)
        _write_summary(run, config, pipeline, evaluator, results)
        if extra is not None:
            extra(run)
    summary = RunSummary(run.final_path, results, evaluator)
    track_run(config, summary)
    return summary


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


def track_run(config: ForecastRunConfig, summary: RunSummary) -> str | None:
    """Log a finished run to MLflow: the config, the run folder as artifacts, and one child
    run per experiment with its metrics and timings. Returns the parent run id (None when
    tracking is off or failed; the run folder is written already either way)."""
    tracker = Tracker(config.tracking, output_dir=config.output_dir, experiment=config.name)
    tags = {"benchlab.task": config.task, "benchlab.run_dir": str(summary.run_dir)}
    params = json.loads(config.model_dump_json())
    with tracker.run(summary.run_dir.name, params=params, tags=tags) as parent:
        parent.log_artifacts(summary.run_dir)
        for result in summary.results:
            name = f"{result.model_type} [{result.strategy.value}]"
            child_params = {
                "model": result.model_type,
                "strategy": result.strategy.value,
                "quantile_alphas": list(result.quantile_alphas),
                **result.hyperparameters,
            }
            with tracker.run(name, params=child_params, parent_run_id=parent.run_id) as child:
                child.log_metrics(
                    {
                        **result.metrics,
                        "fit_seconds": result.fit_seconds,
                        "predict_seconds": result.predict_seconds,
                        "wall_seconds": result.wall_seconds,
                        "n_failed": float(len(result.failures)),
                    }
                )
    return parent.run_id


def _experiment_dir(result: ExperimentResult) -> str:
    return f"{result.strategy.value}/{safe_name(result.model_type)}"


def _write_experiment(run: RunFolder, result: ExperimentResult) -> None:
    folder = _experiment_dir(result)
    name = f"predictions_{safe_name(result.model_type)}_{result.strategy.value}.parquet"
    run.write_parquet(name, result.predictions)
    run.write_parquet(f"{folder}/per_sku_metrics.parquet", result.per_sku_metrics)
    run.write_json(
        f"{folder}/metrics.json",
        {
            "model": result.model_type,
            "strategy": result.strategy.value,
            "hyperparameters": result.hyperparameters,
            "quantile_alphas": list(result.quantile_alphas),
            "metrics": result.metrics,
            "fit_seconds": result.fit_seconds,
            "predict_seconds": result.predict_seconds,
            "wall_seconds": result.wall_seconds,
            "n_workers": result.n_workers,
        },
    )
    run.write_json(
        f"{folder}/failures.json",
        [{"sku": list(f.sku), "reason": f.reason} for f in result.failures],
    )
    for key, model in result.models.items():
        model.save(run.directory(f"{folder}/models/{safe_name(key)}"))


def _write_summary(
    run: RunFolder,
    config: ForecastRunConfig,
    pipeline: BenchmarkPipeline,
    evaluator: ModelEvaluator,
    results: list[ExperimentResult],
) -> None:
    from benchlab.reports.markdown import write_report
    from benchlab.reports.plots import make_report_figures

    data, split = pipeline.data, pipeline.split
    assert data is not None and split is not None
    leaderboard = evaluator.leaderboard()
    leaderboard.write_csv(run.file("leaderboard.csv"))
    run.write_json("metrics.json", RunSummary(run.final_path, results, evaluator).to_json())
    history = None
    if config.report.fan_charts:
        history = split.train.select(*data.id_columns, DATE, TARGET)
    figures = make_report_figures(
        evaluator, run.directory("figures"), history=history, n_skus=config.report.fan_charts
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
    run.write_json("dataset.json", dataset_description(pipeline))
    mapping = data.metadata.get("mapping")
    if mapping is not None:
        run.write_json("feature_mapping.json", mapping)
    rel = {title: Path(p.relative_to(run.path)) for title, p in figures.items()}
    write_report(
        run.file("report.md"),
        title=f"benchlab forecast benchmark: {config.name}",
        evaluator=evaluator,
        data_summary=summary,
        figures=rel,
        run_config=json.loads(config.model_dump_json()),
    )


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


CONSOLE_METRICS = (
    "rmsse",
    "wrmsse",
    "mase",
    "smape",
    "mean_pinball",
    "coverage_80",
    "rmsse_vs_oracle",
)


def leaderboard_table(evaluator: ModelEvaluator) -> Table:
    """The leaderboard as a Rich table: the primary metric first, then the usual headline ones."""
    frame = evaluator.leaderboard()
    primary = evaluator.primary_metric
    metrics = [primary, *(m for m in CONSOLE_METRICS if m != primary)]
    metrics = [m for m in metrics if m in frame.columns and frame[m].null_count() < frame.height]
    shown = ["rank", "model", "strategy", *metrics, "fit_seconds", "n_failed"]
    table = Table(title=f"Leaderboard (ranked by {primary})")
    for column in shown:
        left = column in ("model", "strategy")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for row in frame.select(shown).iter_rows():
        table.add_row(*(format_value(v) for v in row))
    return table


def print_summary(summary: RunSummary, console: Console) -> None:
    """The leaderboard and where the run went."""
    console.print(leaderboard_table(summary.evaluator))
    console.print(f"run folder: {summary.run_dir}", soft_wrap=True)
    console.print(f"report: {summary.run_dir / 'report.md'}", soft_wrap=True)
