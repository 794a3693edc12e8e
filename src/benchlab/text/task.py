"""The text task: what the engine calls for ``task: text`` configs (seed 004, MoodBench).

``prepare`` loads and splits the data and resolves every model (a baseline name, or a registry
entry whose weights are on disk) before anything is written, so a bad column or a model that is
not on disk stops with one message and leaves no run folder. ``run`` then benchmarks each model
in turn on the same splits — a baseline is fitted, a registry model is fine-tuned with LoRA —
and writes, besides the engine's files::

    results/<model>_results.json   seed 004's result format, one per model
    predictions.parquet            model, row, text, label, prediction, label_id, prediction_id
                                   (+ rating when data.rating_column is set): the test split
    latencies.parquet              model, latency_ms: every single-example timing
    dataset.json                   source, labels, split sizes, columns, device
    models/<model>/                the fine-tuned adapter + head + tokenizer (or the baseline)
    logs/<model>/                  TensorBoard logs of the fine-tuning
    figures/*.png                  the report's figures

A model that fails is reported (``status: failed`` with the reason, in the leaderboard, the log
and the report) and the others go on; the run fails only when every model does.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from benchlab.errors import FitError, InputError
from benchlab.logs import get_logger
from benchlab.tasks import RunOutcome, Task
from benchlab.text.config import TextRunConfig

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder
    from benchlab.text.report import Comparison

log = get_logger("text")
#: What the leaderboard shows right after the primary metric.
PREFERRED_METRICS = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "latency_median_ms",
    "latency_p99_ms",
    "throughput_samples_per_sec",
    "training_time_s",
    "trainable_share",
)
#: Where the per-model result JSONs go (seed 004's ``results/<model>_results.json``).
RESULTS_FOLDER = "results"
LOGS_FOLDER = "logs"
#: The seed's dataset names: the ``<dataset>`` level of the run folder is the name itself.
SEED_DATASETS = ("imdb", "sst2", "amazon", "yelp")


@dataclass(frozen=True)
class ModelPlan:
    """One model of the run: a baseline (``entry`` None) or a registry entry found on disk."""

    name: str
    entry: Any = None  # benchlab.text.registry.ModelEntry
    location: Path | None = None

    @property
    def is_baseline(self) -> bool:
        return self.entry is None


@dataclass
class PreparedText:
    """Everything ``run`` needs, checked before any file is written."""

    splits: Any  # benchlab.text.data.TextSplits
    plans: list[ModelPlan]
    device: str


@dataclass
class TextRun:
    """The text task's own results of a run (``RunOutcome.details``)."""

    comparison: Comparison
    failures: dict[str, str] = field(default_factory=dict)
    device: str = "cpu"


def resolve_models(config: TextRunConfig) -> list[ModelPlan]:
    """Each of ``config.models`` as a plan: baselines by name, other names (or aliases) from
    the registry, located on disk. An unknown name or a model not on disk is one InputError."""
    from benchlab.text.baselines import BASELINES

    plans: list[ModelPlan] = []
    registry = None
    for name in config.models:
        if name in BASELINES:
            plans.append(ModelPlan(name))
            continue
        if registry is None:
            from benchlab.text.registry import load_registry

            registry = load_registry(config.registry)
        from benchlab.text.loading import model_location

        entry = registry.get(name)
        location = model_location(entry, config.models_directory())
        plans.append(ModelPlan(entry.name, entry, Path(location)))
    names = [plan.name for plan in plans]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"models: {', '.join(twice)} listed twice (a name and its alias)")
    return plans


def prepare_text(config: TextRunConfig, console: Console) -> PreparedText:
    """Check the device, load and split the data, resolve every model: nothing is written."""
    from benchlab.text.data import load_text_data
    from benchlab.text.device import resolve_device

    device = resolve_device(config.training.device)
    plans = resolve_models(config)
    splits = load_text_data(config.data, seed=config.seed)
    console.print(
        f"{config.name}: {len(splits.labels)} classes ({', '.join(splits.labels)}) from "
        f"{splits.source}: train {splits.train.height}, validation {splits.validation.height}, "
        f"test {splits.test.height}; models {', '.join(p.name for p in plans)}; device {device}",
        markup=False,
        highlight=False,
    )
    return PreparedText(splits, plans, device)


def with_device(config: TextRunConfig, device: str) -> TextRunConfig:
    """``config`` with ``training.device`` set to the device resolved once for the run."""
    training = config.training.model_copy(update={"device": device})
    return config.model_copy(update={"training": training})


@dataclass
class ModelOutcome:
    """One model's benchmark: its record entry, test predictions and latencies."""

    metrics: dict[str, float]
    info: dict[str, Any]
    predicted: np.ndarray
    latencies_ms: list[float]


def fit_classifier(
    plan: ModelPlan, prepared: PreparedText, config: TextRunConfig, run_dir: Path, progress: bool
) -> Any:
    """A fitted baseline, or the registry model fine-tuned with LoRA (its TensorBoard logs and
    checkpoints under ``run_dir/logs/<model>/``)."""
    splits = prepared.splits
    if plan.is_baseline:
        from benchlab.text.baselines import make_baseline

        return make_baseline(plan.name, splits.labels, seed=config.seed).fit(
            splits.train["text"].to_list(), splits.train["label"].to_numpy()
        )
    from benchlab.text.training import fine_tune

    return fine_tune(plan.entry, splits, config, log_dir=run_dir / LOGS_FOLDER, progress=progress)


def inference_session(plan: ModelPlan, config: TextRunConfig) -> AbstractContextManager[None]:
    """Torch with ``training.num_threads`` threads while a registry model predicts and is
    timed (restored afterwards); nothing for a baseline."""
    if plan.is_baseline:
        return nullcontext()
    from benchlab.neural import torch_session

    return torch_session(n_threads=config.training.num_threads)


def benchmark_model(
    plan: ModelPlan,
    prepared: PreparedText,
    config: TextRunConfig,
    run: RunFolder,
    *,
    progress: bool,
    stage: Any = None,
) -> ModelOutcome:
    """Fit, predict the test split, score (with bootstrap intervals), time, and write the
    model's result JSON and saved model. ``stage(text)`` is told what is under way."""
    from benchlab.text.metrics import quality_metrics
    from benchlab.text.release import save_classifier, saved_model_dir
    from benchlab.text.report import quality_intervals
    from benchlab.text.results import result_file_name, result_json, write_result_json
    from benchlab.text.speed import measure_speed

    stage = stage or (lambda text: None)
    splits = prepared.splits
    stage("training" if not plan.is_baseline else "fitting")
    started = time.perf_counter()
    classifier = fit_classifier(plan, prepared, config, run.path, progress)
    training_time_s = float(getattr(classifier, "training_time_s", time.perf_counter() - started))
    stage("predicting")
    texts = splits.test["text"].to_list()
    y_true = splits.test["label"].to_numpy()
    with inference_session(plan, config):
        predicted = np.asarray(classifier.predict(texts), dtype=np.int64)
    n_classes = len(splits.labels)
    quality = quality_metrics(y_true, predicted, n_classes)
    intervals = quality_intervals(
        y_true,
        predicted,
        n_classes,
        confidence=config.comparison.confidence,
        n_resamples=config.comparison.bootstrap_resamples,
        seed=config.seed,
    )
    stage("timing")
    with inference_session(plan, config):
        speed = measure_speed(classifier, texts, config.speed)
    trainable = getattr(classifier, "trainable_parameters", None)
    total = getattr(classifier, "total_parameters", None)
    share = trainable / total if trainable and total else None
    speed_metrics = _finite(speed.as_metrics())
    batch_size = speed_metrics.pop("throughput_batch_size", None)
    metrics = {
        **{k: float(v) for k, v in quality.items()},
        **speed_metrics,
        "training_time_s": training_time_s,
    }
    if share is not None:
        metrics["trainable_share"] = share
    info: dict[str, Any] = {
        "status": "finished",
        "device": getattr(classifier, "device", "cpu"),
        "n_test": int(y_true.size),
        "throughput_batch_size": None if batch_size is None else int(batch_size),
        **{f"{m}_low": iv.low for m, iv in intervals.items() if m in ("accuracy", "f1_macro")},
        **{f"{m}_high": iv.high for m, iv in intervals.items() if m in ("accuracy", "f1_macro")},
    }
    if trainable and total:
        info.update(trainable_parameters=int(trainable), total_parameters=int(total))
    extra = {
        "model": plan.name,
        "kind": "baseline" if plan.is_baseline else "lora",
        "hf_id": getattr(plan.entry, "hf_id", None),
        "n_test": info["n_test"],
        "trainable_parameters": info.get("trainable_parameters"),
        "total_parameters": info.get("total_parameters"),
        "trainable_share": share,
        "confidence_intervals": {
            m: {"low": iv.low, "high": iv.high, "confidence": iv.confidence}
            for m, iv in intervals.items()
        },
    }
    write_result_json(
        run.file(f"{RESULTS_FOLDER}/{result_file_name(plan.name)}"),
        result_json(plan.name, quality, speed, training_time_s, extra),
    )
    stage("saving")
    save_classifier(classifier, saved_model_dir(run.path, plan.name))
    return ModelOutcome(metrics, info, predicted, list(speed.latencies_ms))


def _finite(values: dict[str, Any]) -> dict[str, float]:
    """The numbers of ``values`` that are finite (memory on CPU is absent, not 0)."""
    kept = {}
    for key, value in values.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value):
            kept[key] = float(value)
    return kept


def run_text(
    config: TextRunConfig,
    prepared: PreparedText,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Benchmark every model of ``prepared`` on the same splits, writing into ``run``."""
    import polars as pl
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
    from benchlab.text.report import ComparisonInputs, compare

    config = with_device(config, prepared.device)
    splits = prepared.splits
    board = Leaderboard(
        TextTask.primary_metric, greater_is_better=True, preferred_metrics=PREFERRED_METRICS
    )
    predictions: list[pl.DataFrame] = []
    latencies: list[pl.DataFrame] = []
    failures: dict[str, str] = {}
    base = _test_frame(splits)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
        task = bar.add_task("models", total=len(prepared.plans))
        for number, plan in enumerate(prepared.plans, start=1):
            label = f"[{number}/{len(prepared.plans)}] {plan.name}"

            def stage(text: str, label: str = label) -> None:
                bar.update(task, description=f"{label}: {text}")
                log.info("%s: %s", label, text)

            try:
                outcome = benchmark_model(
                    plan, prepared, config, run, progress=progress, stage=stage
                )
            except Exception as exc:  # noqa: BLE001 - one model failing must not stop the others
                reason = _reason(exc)
                failures[plan.name] = reason
                log.error(
                    "%s failed: %s", plan.name, reason, exc_info=not isinstance(exc, InputError)
                )
                console.print(f"✗ {plan.name} failed: {reason}", markup=False, highlight=False)
                board.add(
                    ExperimentRecord(plan.name, {}, info={"status": "failed", "error": reason})
                )
            else:
                board.add(ExperimentRecord(plan.name, outcome.metrics, info=outcome.info))
                predictions.append(_predictions_frame(base, plan.name, outcome.predicted, splits))
                latencies.append(
                    pl.DataFrame(
                        {"model": plan.name, "latency_ms": outcome.latencies_ms},
                        schema={"model": pl.String(), "latency_ms": pl.Float64()},
                    )
                )
                m = outcome.metrics
                console.print(
                    f"✓ {plan.name}: macro F1 {m['f1_macro']:.4f}, accuracy {m['accuracy']:.4f}, "
                    f"trained in {m['training_time_s']:.1f} s",
                    markup=False,
                    highlight=False,
                )
            bar.advance(task)
    if len(failures) == len(prepared.plans):
        raise FitError("every model failed: " + "; ".join(f"{m}: {r}" for m, r in failures.items()))
    predictions_frame = pl.concat(predictions)
    latencies_frame = pl.concat(latencies)
    run.write_parquet("predictions.parquet", predictions_frame)
    run.write_parquet("latencies.parquet", latencies_frame)
    dataset = _dataset_description(config, splits, prepared.device)
    run.write_json("dataset.json", dataset)
    records = board.records
    inputs = ComparisonInputs(
        [r.to_json() for r in records], predictions_frame, latencies_frame, splits.labels, dataset
    )
    comparison = compare(inputs, config.comparison, seed=config.seed)
    return RunOutcome(
        records=records,
        leaderboard=board.frame(),
        primary_metric=TextTask.primary_metric,
        details=TextRun(comparison, failures, prepared.device),
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _test_frame(splits: Any) -> pl.DataFrame:
    import polars as pl

    test = splits.test
    columns = [
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        pl.col("text"),
        pl.col("label").cast(pl.Int64).alias("label_id"),
    ]
    if "rating" in test.columns:
        columns.append(pl.col("rating"))
    return test.select(columns)


def _predictions_frame(
    base: pl.DataFrame, model: str, predicted: np.ndarray, splits: Any
) -> pl.DataFrame:
    import polars as pl

    names = np.asarray(splits.labels, dtype=object)
    return base.select(
        pl.lit(model).alias("model"),
        "row",
        "text",
        pl.Series("label", names[base["label_id"].to_numpy()], dtype=pl.String()),
        pl.Series("prediction", names[predicted], dtype=pl.String()),
        "label_id",
        pl.Series("prediction_id", predicted, dtype=pl.Int64()),
        *(["rating"] if "rating" in base.columns else []),
    )


def _dataset_description(config: TextRunConfig, splits: Any, device: str) -> dict[str, Any]:
    return {
        "source": str(splits.source),
        "labels": list(splits.labels),
        "n_train": splits.train.height,
        "n_validation": splits.validation.height,
        "n_test": splits.test.height,
        "text_column": config.data.text_column,
        "label_column": config.data.label_column,
        "rating_column": config.data.rating_column,
        "device": device,
    }


class TextTask(Task):
    """Seed 004's sentiment benchmark: baselines and LoRA-tuned models, ranked by macro F1 (and
    by the weighted composite in the report)."""

    name: ClassVar[str] = "text"
    config_class: ClassVar[type[TextRunConfig]] = TextRunConfig
    primary_metric: ClassVar[str] = "f1_macro"
    greater_is_better: ClassVar[bool] = True

    def dataset_name(self, config: TextRunConfig) -> str:
        source = config.data.source
        if source in SEED_DATASETS:
            return source
        path = Path(source)
        return (path.stem if path.suffix else path.name) or "text"

    def prepare(self, config: TextRunConfig, *, console: Console) -> PreparedText:
        return prepare_text(config, console)

    def run(
        self,
        config: TextRunConfig,
        prepared: PreparedText,
        run: RunFolder,
        *,
        progress: bool,
        console: Console,
    ) -> RunOutcome:
        return run_text(config, prepared, run, progress=progress, console=console)

    def report_title(self, config: TextRunConfig) -> str:
        from benchlab.text.report import report_title

        return report_title(config)

    def report_sections(
        self, config: TextRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        from benchlab.text.report import text_report_sections

        return text_report_sections(config, outcome, run)

    def print_summary(self, outcome: RunOutcome, console: Console) -> None:
        from benchlab.text.report import print_comparison

        print_comparison(outcome.details.comparison, console)

    def tune(
        self, config: TextRunConfig, *, n_trials: int | None, resume: bool, progress: bool
    ) -> Any:
        from benchlab.text.tuning import tune_text

        return tune_text(config, n_trials=n_trials, resume=resume, progress=progress)

    def release_adapter(self) -> Any:
        from benchlab.text.release import TextReleaseAdapter

        return TextReleaseAdapter()

    def models(self) -> list[dict[str, str]]:
        from benchlab.text.config import default_models_dir
        from benchlab.text.registry import load_registry

        return load_registry().rows(default_models_dir())
