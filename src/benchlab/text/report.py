"""The comparison of a text run's models, and its report: composite ranking, bootstrap
intervals, McNemar's test with Holm's correction, and the figures.

Everything is computed from what a run keeps (:class:`ComparisonInputs`): each model's metrics
(``metrics.json``'s results, the engine's records), the test predictions
(``predictions.parquet``: ``model, label_id, prediction_id`` …), the per-example latencies
(``latencies.parquet``) and the class names (``dataset.json``). The run builds these in memory;
``benchlab text benchmark RUN_DIR`` reads them back (:func:`read_run_inputs`) and gets the same
comparison.

- **Composite ranking** (:func:`benchlab.evaluation.composite.composite_scores`): min–max
  normalised metrics, weighted (``comparison.weights``; seed 004's 30 % accuracy, 30 % macro F1,
  20 % throughput, 20 % latency), the weights printed beside the ranking.
- **Bootstrap intervals** (:func:`benchlab.evaluation.statistics.bootstrap_ci`) of accuracy and
  macro F1, precision and recall, resampling the test examples (label and prediction together).
- **McNemar's test** (:func:`benchlab.evaluation.statistics.mcnemar`) for every pair of models
  on the same test examples, p-values Holm-corrected over all pairs.
- **Figures**: accuracy against median latency, macro F1 bars with their intervals, latency
  distributions, confusion matrices and the trainable-parameter share.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.errors import InputError
from benchlab.reports.markdown import (
    Section,
    config_section,
    figure_links,
    figures_section,
    format_value,
    markdown_table,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from benchlab.evaluation.composite import CompositeRanking
    from benchlab.runs import RunFolder
    from benchlab.tasks import RunOutcome
    from benchlab.text.config import ComparisonConfig, TextRunConfig

#: The quality metrics that get bootstrap intervals, in the order reports show them.
QUALITY_METRICS = ("accuracy", "f1_macro", "precision_macro", "recall_macro")
#: The speed and cost columns of the speed table, when the models have them.
SPEED_METRICS = (
    "latency_median_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "ttft_mean_ms",
    "throughput_samples_per_sec",
    "throughput_tokens_per_sec",
    "peak_rss_mb",
    "memory_allocated_mb",
    "memory_reserved_mb",
    "training_time_s",
)
PREDICTIONS_FILE = "predictions.parquet"
LATENCIES_FILE = "latencies.parquet"
DATASET_FILE = "dataset.json"
METRICS_FILE = "metrics.json"
FIGURES = "figures"
FINISHED, FAILED = "finished", "failed"


# --- inputs ------------------------------------------------------------------------------------
@dataclass
class ComparisonInputs:
    """What the comparison reads: per-model results, test predictions, latencies, classes.

    ``results`` are the engine's record entries (``{"model", "metrics", <info>}``, as in
    ``metrics.json``); ``predictions`` has ``model, row, label_id, prediction_id``; ``latencies``
    has ``model, latency_ms``.
    """

    results: list[dict[str, Any]]
    predictions: pl.DataFrame
    latencies: pl.DataFrame
    labels: list[str]
    dataset: dict[str, Any] = field(default_factory=dict)


def read_run_inputs(run_dir: Path) -> ComparisonInputs:
    """The comparison's inputs read back from a text run folder (one clear error when a file
    is missing or is not a text run's)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"run folder {run_dir} does not exist")
    needed = (METRICS_FILE, PREDICTIONS_FILE, LATENCIES_FILE, DATASET_FILE)
    missing = [name for name in needed if not (run_dir / name).is_file()]
    if missing:
        raise InputError(
            f"{run_dir}: not a text run folder (no {', '.join(missing)}); "
            "give a folder written by `benchlab run` with `task: text`"
        )
    try:
        results = json.loads((run_dir / METRICS_FILE).read_text())["results"]
        dataset = json.loads((run_dir / DATASET_FILE).read_text())
        predictions = pl.read_parquet(run_dir / PREDICTIONS_FILE)
        latencies = pl.read_parquet(run_dir / LATENCIES_FILE)
    except (OSError, KeyError, ValueError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{run_dir}: its files cannot be read ({exc})") from None
    for name, frame, columns in (
        (PREDICTIONS_FILE, predictions, ("model", "row", "label_id", "prediction_id")),
        (LATENCIES_FILE, latencies, ("model", "latency_ms")),
    ):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise InputError(f"{run_dir / name}: no column {', '.join(map(repr, absent))}")
    labels = dataset.get("labels")
    if not isinstance(labels, list) or not labels:
        raise InputError(f"{run_dir / DATASET_FILE}: no list of labels")
    return ComparisonInputs(results, predictions, latencies, [str(x) for x in labels], dataset)


def read_run_config(run_dir: Path) -> TextRunConfig:
    """The run's resolved ``config.yaml`` as a text config."""
    from benchlab.config import parse_run_config, read_yaml_mapping

    raw = read_yaml_mapping(Path(run_dir) / "config.yaml")
    if raw.get("task") != "text":
        raise InputError(f"{run_dir}: a {raw.get('task')!r} run, not a text run")
    return parse_run_config(raw, source=str(Path(run_dir) / "config.yaml"))


# --- statistics --------------------------------------------------------------------------------
class MacroScore:
    """One quality metric of (labels, predictions) pairs, vectorised over resamples.

    Called with ``y_true, y_pred`` of shape ``[..., n]`` it returns ``[...]``; macro averages run
    over every class ``0 … n_classes - 1`` with 0 for an undefined ratio (scikit-learn's
    ``labels=range(n_classes), zero_division=0``).

    >>> float(MacroScore("f1_macro", 2)(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])))
    0.7333333333333334
    """

    def __init__(self, metric: str, n_classes: int) -> None:
        if metric not in QUALITY_METRICS:
            raise InputError(f"metric {metric!r}: one of {', '.join(QUALITY_METRICS)}")
        self.metric, self.n_classes = metric, n_classes

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, axis: int = -1) -> Any:
        t, p = np.moveaxis(y_true, axis, -1), np.moveaxis(y_pred, axis, -1)
        if self.metric == "accuracy":
            return (t == p).mean(axis=-1)
        classes = np.arange(self.n_classes)
        is_true = t[..., None, :] == classes[:, None]
        is_pred = p[..., None, :] == classes[:, None]
        hits = (is_true & is_pred).sum(axis=-1)
        if self.metric == "precision_macro":
            per_class = _ratio(hits, is_pred.sum(axis=-1))
        elif self.metric == "recall_macro":
            per_class = _ratio(hits, is_true.sum(axis=-1))
        else:
            per_class = _ratio(2 * hits, is_true.sum(axis=-1) + is_pred.sum(axis=-1))
        return per_class.mean(axis=-1)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    safe = np.where(denominator > 0, denominator, 1)
    return np.where(denominator > 0, numerator / safe, 0.0)


def quality_intervals(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int,
    *,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Metric → :class:`~benchlab.evaluation.statistics.BootstrapInterval` for each of
    :data:`QUALITY_METRICS`, resampling the test examples (the same resamples for every metric
    and every model of a run: the same ``seed``)."""
    from benchlab.evaluation.statistics import bootstrap_ci

    pairs = (np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float))
    return {
        metric: bootstrap_ci(
            pairs,
            MacroScore(metric, n_classes),
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
        )
        for metric in QUALITY_METRICS
    }


def mcnemar_table(correct: Mapping[str, np.ndarray]) -> pl.DataFrame:
    """McNemar's test for every pair of models (``correct``: model → per-example correctness
    on the same examples), with Holm-corrected p-values over all pairs."""
    from benchlab.evaluation.statistics import holm_bonferroni, mcnemar

    rows = []
    for first, second in combinations(correct, 2):
        result = mcnemar(correct[first], correct[second])
        rows.append(
            {
                "model_a": first,
                "model_b": second,
                "only_a_correct": result.only_a_correct,
                "only_b_correct": result.only_b_correct,
                "statistic": float(result.statistic),
                "p_value": float(result.p_value),
                "method": result.method,
            }
        )
    schema = {
        "model_a": pl.String(),
        "model_b": pl.String(),
        "only_a_correct": pl.Int64(),
        "only_b_correct": pl.Int64(),
        "statistic": pl.Float64(),
        "p_value": pl.Float64(),
        "method": pl.String(),
        "p_value_holm": pl.Float64(),
    }
    if not rows:
        return pl.DataFrame(schema=schema)
    frame = pl.DataFrame(rows)
    holm = holm_bonferroni(frame["p_value"].to_numpy())
    return frame.with_columns(pl.Series("p_value_holm", holm, dtype=pl.Float64())).select(
        list(schema)
    )


# --- the comparison ----------------------------------------------------------------------------
@dataclass
class Comparison:
    """A run's models compared: composite ranking, intervals, pairwise tests, confusions."""

    results: pl.DataFrame  # finished models: model, metrics (one row each)
    failed: dict[str, str]  # model → why it failed
    ranking: CompositeRanking | None
    ranking_note: str
    intervals: pl.DataFrame  # model, metric, value, low, high
    mcnemar: pl.DataFrame
    confusions: dict[str, np.ndarray]
    latencies: pl.DataFrame
    labels: list[str]
    confidence: float
    n_resamples: int
    dataset: dict[str, Any] = field(default_factory=dict)
    trainable: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def models(self) -> list[str]:
        return self.results["model"].to_list() if "model" in self.results.columns else []

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    def interval(self, model: str, metric: str) -> tuple[float, float, float] | None:
        """``(value, low, high)`` of ``metric`` for ``model``, if computed."""
        rows = self.intervals.filter(model=model, metric=metric)
        return tuple(rows.row(0)[2:5]) if rows.height else None  # type: ignore[return-value]

    def to_json(self) -> dict[str, Any]:
        """The comparison as plain data (``benchlab text benchmark --json``)."""
        from benchlab.plain import jsonable

        ranking = self.ranking
        return jsonable(
            {
                "weights": ranking.weights if ranking else None,
                "composite": ranking.frame.to_dicts() if ranking else [],
                "intervals": self.intervals.to_dicts(),
                "confidence": self.confidence,
                "mcnemar": self.mcnemar.to_dicts(),
                "failed": self.failed,
            }
        )


def compare(
    inputs: ComparisonInputs,
    settings: ComparisonConfig,
    *,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
) -> Comparison:
    """Compare the finished models of ``inputs`` (``weights`` overrides ``settings.weights``)."""
    from benchlab.evaluation.composite import composite_scores

    finished = [r for r in inputs.results if r.get("status", FINISHED) != FAILED and r["metrics"]]
    failed = {
        str(r["model"]): str(r.get("error", "failed")) for r in inputs.results if r not in finished
    }
    results = _results_frame(finished)
    ranking, note = None, "No model finished."
    if results.height:
        try:
            ranking = composite_scores(
                results, dict(weights or settings.weights), id_columns=["model"]
            )
            note = f"Weights: {ranking.describe_weights()}."
        except InputError as exc:
            note = f"No composite ranking: {exc}"
    n_classes = len(inputs.labels)
    interval_rows, correct, confusions = [], {}, {}
    for model in results["model"].to_list() if results.height else []:
        y_true, y_pred = _model_predictions(inputs.predictions, model)
        correct[model] = y_true == y_pred
        confusions[model] = _confusion(y_true, y_pred, n_classes)
        intervals = quality_intervals(
            y_true,
            y_pred,
            n_classes,
            confidence=settings.confidence,
            n_resamples=settings.bootstrap_resamples,
            seed=seed,
        )
        interval_rows += [
            {"model": model, "metric": m, "value": iv.statistic, "low": iv.low, "high": iv.high}
            for m, iv in intervals.items()
        ]
    interval_schema = {
        "model": pl.String(),
        "metric": pl.String(),
        "value": pl.Float64(),
        "low": pl.Float64(),
        "high": pl.Float64(),
    }
    return Comparison(
        results=results,
        failed=failed,
        ranking=ranking,
        ranking_note=note,
        intervals=pl.DataFrame(interval_rows, schema=interval_schema),
        mcnemar=mcnemar_table(correct),
        confusions=confusions,
        latencies=inputs.latencies.filter(pl.col("model").is_in(list(correct))),
        labels=inputs.labels,
        confidence=settings.confidence,
        n_resamples=settings.bootstrap_resamples,
        dataset=inputs.dataset,
        trainable=_trainable_frame(finished),
    )


def _results_frame(results: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    rows = [
        {"model": str(r["model"]), **{k: _number(v) for k, v in r["metrics"].items()}}
        for r in results
    ]
    if not rows:
        return pl.DataFrame(schema={"model": pl.String()})
    frame = pl.DataFrame(rows, infer_schema_length=None)
    numeric = [c for c in frame.columns if c != "model"]
    return frame.with_columns(pl.col(numeric).cast(pl.Float64))


def _trainable_frame(results: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    rows = [
        {
            "model": str(r["model"]),
            "trainable_parameters": int(r["trainable_parameters"]),
            "total_parameters": int(r["total_parameters"]),
            "trainable_share": r["trainable_parameters"] / r["total_parameters"],
        }
        for r in results
        if r.get("trainable_parameters") and r.get("total_parameters")
    ]
    schema = {
        "model": pl.String(),
        "trainable_parameters": pl.Int64(),
        "total_parameters": pl.Int64(),
        "trainable_share": pl.Float64(),
    }
    return pl.DataFrame(rows, schema=schema)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _model_predictions(predictions: pl.DataFrame, model: str) -> tuple[np.ndarray, np.ndarray]:
    rows = predictions.filter(model=model).sort("row")
    if rows.is_empty():
        raise InputError(f"{PREDICTIONS_FILE}: no predictions of model {model!r}")
    return rows["label_id"].to_numpy(), rows["prediction_id"].to_numpy()


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))


# --- figures -----------------------------------------------------------------------------------
def write_figures(comparison: Comparison, folder: Path) -> dict[str, Path]:
    """Draw the comparison's figures into ``folder``; caption → PNG path."""
    folder = Path(folder)
    figures: dict[str, Path] = {}
    if comparison.results.is_empty():
        return figures
    drawn = (
        ("Accuracy vs median latency", "accuracy_latency.png", _scatter_figure),
        (f"Macro F1 with {comparison.confidence:.0%} bootstrap intervals", "f1.png", _f1_figure),
        ("Latency per example (batch 1)", "latency.png", _latency_figure),
        ("Confusion matrices (test split)", "confusion.png", _confusion_figure),
        ("Trainable-parameter share", "trainable_share.png", _trainable_figure),
    )
    for caption, name, draw in drawn:
        path = draw(comparison, folder / name)
        if path is not None:
            figures[caption] = path
    return figures


def _save(fig: Any, path: Path) -> Path:
    from benchlab.reports.plots import save_figure

    return save_figure(fig, path)


def _scatter_figure(comparison: Comparison, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    frame = comparison.results
    if not {"accuracy", "latency_median_ms"} <= set(frame.columns):
        return None
    points = frame.select("model", "accuracy", "latency_median_ms").drop_nulls()
    if points.is_empty():
        return None
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for model, accuracy, latency in points.iter_rows():
        found = comparison.interval(model, "accuracy")
        err = None if found is None else [[accuracy - found[1]], [found[2] - accuracy]]
        ax.errorbar(latency, accuracy, yerr=err, fmt="o", capsize=3, markersize=7)
        ax.annotate(model, (latency, accuracy), textcoords="offset points", xytext=(6, 6))
    latencies = points["latency_median_ms"].to_numpy()
    if latencies.min() > 0 and latencies.max() / latencies.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel("median latency per example, ms (lower is better)")
    ax.set_ylabel("accuracy (higher is better)")
    ax.set_title("Accuracy vs latency")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _f1_figure(comparison: Comparison, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    rows = comparison.intervals.filter(metric="f1_macro").sort("value", descending=True)
    if rows.is_empty():
        return None
    fig = Figure(figsize=(7, 1.6 + 0.45 * rows.height), layout="constrained")
    ax = fig.add_subplot()
    values, low, high = (rows[c].to_numpy() for c in ("value", "low", "high"))
    y = np.arange(rows.height)
    ax.barh(y, values, xerr=[values - low, high - values], capsize=4, color="#1f77b4")
    ax.set_yticks(y, rows["model"].to_list())
    ax.invert_yaxis()
    for i, (v, lo, hi) in enumerate(zip(values, low, high, strict=True)):
        ax.text(hi + 0.01, i, f"{v:.3f} [{lo:.3f}, {hi:.3f}]", va="center", fontsize=8)
    ax.set_xlim(0, min(1.25, max(1.0, float(high.max()) + 0.3)))
    ax.set_xlabel("macro F1 on the test split (higher is better)")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def _latency_figure(comparison: Comparison, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    samples = [
        (model, comparison.latencies.filter(model=model)["latency_ms"].to_numpy())
        for model in comparison.models
    ]
    samples = [(m, v) for m, v in samples if v.size]
    if not samples:
        return None
    fig = Figure(figsize=(max(5.0, 1.2 * len(samples) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.boxplot([v for _, v in samples], whis=(1, 99), showfliers=False)
    ax.set_xticks(range(1, len(samples) + 1), [m for m, _ in samples], rotation=20)
    every = np.concatenate([v for _, v in samples])
    if every.min() > 0 and every.max() / every.min() > 50:
        ax.set_yscale("log")
    ax.set_ylabel("ms per example (whiskers: p1–p99)")
    ax.set_title("Latency distribution, batch 1")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _confusion_figure(comparison: Comparison, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    models = [m for m in comparison.models if m in comparison.confusions]
    if not models:
        return None
    columns = min(3, len(models))
    rows = -(-len(models) // columns)
    k = len(comparison.labels)
    size = 1.2 + 0.55 * k
    fig = Figure(figsize=(columns * size + 0.5, rows * size + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, model in zip(axes, models, strict=False):
        counts = comparison.confusions[model]
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
        for (i, j), count in np.ndenumerate(counts):
            colour = "white" if share[i, j] > 0.6 else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color=colour)
        ax.set_xticks(range(k), comparison.labels, rotation=45, fontsize=8)
        ax.set_yticks(range(k), comparison.labels, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(model, fontsize=10)
    for ax in axes[len(models) :]:
        ax.set_visible(False)
    return _save(fig, path)


def _trainable_figure(comparison: Comparison, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    frame = comparison.trainable
    if frame.is_empty():
        return None
    fig = Figure(figsize=(6.5, 1.6 + 0.45 * frame.height), layout="constrained")
    ax = fig.add_subplot()
    share = 100 * frame["trainable_share"].to_numpy()
    y = np.arange(frame.height)
    ax.barh(y, share, color="#2ca02c")
    ax.set_yticks(y, frame["model"].to_list())
    ax.invert_yaxis()
    for i, (value, trainable, total) in enumerate(
        zip(share, frame["trainable_parameters"], frame["total_parameters"], strict=True)
    ):
        ax.text(value, i, f" {value:.2f}% ({trainable:,} of {total:,})", va="center", fontsize=8)
    ax.set_xlim(0, max(share.max() * 1.6, 1.0))
    ax.set_xlabel("trainable parameters, % of the model (LoRA adapters + head)")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


# --- tables and sections -----------------------------------------------------------------------
def composite_frame(comparison: Comparison) -> pl.DataFrame:
    """``composite_rank, model, composite_score`` and the weighted metrics, best first."""
    if comparison.ranking is None:
        return pl.DataFrame()
    frame = comparison.ranking.frame
    metrics = list(comparison.ranking.weights)
    return frame.select("composite_rank", "model", "composite_score", *metrics)


def weights_frame(comparison: Comparison) -> pl.DataFrame:
    """``metric, weight, direction``: the weights shown beside the ranking."""
    return comparison.ranking.weights_frame() if comparison.ranking else pl.DataFrame()


def intervals_frame(comparison: Comparison, digits: int = 4) -> pl.DataFrame:
    """One row per model, one ``value [low, high]`` column per quality metric."""
    if comparison.intervals.is_empty():
        return pl.DataFrame()
    text = comparison.intervals.with_columns(
        pl.format(
            "{} [{}, {}]",
            *(pl.col(c).round_sig_figs(digits) for c in ("value", "low", "high")),
        ).alias("interval")
    )
    wide = text.pivot(on="metric", index="model", values="interval")
    return wide.select("model", *(m for m in QUALITY_METRICS if m in wide.columns))


def speed_frame(comparison: Comparison) -> pl.DataFrame:
    """The speed and cost metrics the models have."""
    present = [m for m in SPEED_METRICS if m in comparison.results.columns]
    frame = comparison.results.select("model", *present)
    return frame.select(c for c in frame.columns if frame[c].null_count() < frame.height)


def mcnemar_display(comparison: Comparison) -> pl.DataFrame:
    """The pairwise tests with a ``significant`` column at ``1 - confidence`` (Holm)."""
    table = comparison.mcnemar
    if table.is_empty():
        return table
    return table.with_columns((pl.col("p_value_holm") < comparison.alpha).alias("significant"))


def _table_or(frame: pl.DataFrame, empty: str) -> list[str]:
    return [markdown_table(frame)] if frame.height and frame.columns else [empty]


def comparison_sections(
    comparison: Comparison, figures: Mapping[str, str] | None = None
) -> list[Section]:
    """The report's sections: data, composite ranking with its weights, intervals, speed,
    McNemar, trainable parameters, failures and the figures (``caption → relative link``)."""
    level = f"{comparison.confidence:.0%}"
    data = comparison.dataset
    sections = []
    if data:
        rows = [
            f"- source: `{data.get('source', '?')}`",
            f"- classes ({len(comparison.labels)}): {', '.join(comparison.labels)}",
            f"- examples: train {data.get('n_train', '?')}, validation "
            f"{data.get('n_validation', '?')}, test {data.get('n_test', '?')} "
            "(every figure below is on the held-out test split)",
        ]
        if data.get("device"):
            rows.append(f"- device: {data['device']}")
        sections.append(Section("Data", rows))
    ranking_lines = [
        "Each metric is min–max normalised across the models (1 best, 0 worst, in its "
        "direction); the composite is their weighted sum.",
        "",
        f"**{comparison.ranking_note}**",
    ]
    if comparison.ranking is not None:
        ranking_lines += [
            "",
            markdown_table(composite_frame(comparison)),
            "",
            "Weights used:",
            "",
            markdown_table(weights_frame(comparison)),
        ]
    sections.append(Section("Composite ranking", ranking_lines))
    sections.append(
        Section(
            f"Quality with {level} bootstrap intervals",
            [
                f"Percentile bootstrap over the test examples ({comparison.n_resamples} "
                "resamples, the same for every model); macro averages over every class.",
                "",
                *_table_or(intervals_frame(comparison), "No model finished."),
            ],
        )
    )
    sections.append(
        Section(
            "Speed and cost",
            [
                "Latency: one example at a time, after warm-up, device synchronised; "
                "throughput at the configured batch size; training time in seconds.",
                "",
                *_table_or(speed_frame(comparison), "No model finished."),
            ],
        )
    )
    sections.append(
        Section(
            "McNemar's test between every pair (Holm-corrected)",
            [
                "Only the test examples where exactly one model is right count; "
                f"`significant`: Holm-adjusted p < {comparison.alpha:.2g}.",
                "",
                *_table_or(mcnemar_display(comparison), "Fewer than two models finished."),
            ],
        )
    )
    if comparison.trainable.height:
        sections.append(Section("Trainable parameters", [markdown_table(comparison.trainable)]))
    if comparison.failed:
        sections.append(
            Section(
                "Failed models",
                [f"- **{model}**: {reason}" for model, reason in comparison.failed.items()],
            )
        )
    if figures:
        section = figures_section(dict(figures))
        if section is not None:
            sections.append(section)
    return sections


def report_title(config: TextRunConfig) -> str:
    return f"benchlab text: {config.name}"


def text_report_sections(
    config: TextRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """The run's report: the comparison (figures drawn into ``figures/``) and the config."""
    comparison: Comparison = outcome.details.comparison
    figures = write_figures(comparison, run.path / FIGURES)
    links = figure_links(figures, run.path)
    return [*comparison_sections(comparison, links), config_section(config.to_raw())]


def write_comparison(comparison: Comparison, out: Path, *, title: str) -> dict[str, Path]:
    """``comparison.md`` (+ ``.html``), ``comparison.json``, ``composite.csv``,
    ``intervals.csv``, ``mcnemar.csv`` and ``figures/`` in ``out``; name → path."""
    from benchlab.plain import jsonable
    from benchlab.reports.markdown import write_sections
    from benchlab.runs import atomic_path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name, frame in (
        ("composite.csv", composite_frame(comparison)),
        ("intervals.csv", comparison.intervals),
        ("mcnemar.csv", comparison.mcnemar),
    ):
        if frame.columns:
            with atomic_path(out / name) as tmp:
                frame.write_csv(tmp)
            files[name] = out / name
    with atomic_path(out / "comparison.json") as tmp:
        tmp.write_text(json.dumps(jsonable(comparison.to_json()), indent=2))
    files["comparison.json"] = out / "comparison.json"
    figures = write_figures(comparison, out / FIGURES)
    sections = comparison_sections(comparison, figure_links(figures, out))
    files["comparison.md"] = write_sections(out / "comparison.md", title, sections)
    return files


# --- console -----------------------------------------------------------------------------------
def ranking_table(comparison: Comparison) -> Table:
    """The composite ranking as a Rich table: rank, model, score, macro F1 with its interval,
    accuracy, median latency and throughput; the weights in the caption."""
    from rich.table import Table

    table = Table(title="Composite ranking", caption=comparison.ranking_note)
    columns = ("rank", "model", "composite", "f1_macro [CI]", "accuracy", "latency p50 ms",
               "samples/s")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "model" else "right")
    if comparison.ranking is None:
        return table
    results = {row["model"]: row for row in comparison.results.iter_rows(named=True)}
    for row in comparison.ranking.frame.iter_rows(named=True):
        model = row["model"]
        found = comparison.interval(model, "f1_macro")
        f1 = (
            "—"
            if found is None
            else f"{format_value(found[0])} [{format_value(found[1])}, {format_value(found[2])}]"
        )
        metrics = results[model]
        table.add_row(
            format_value(row["composite_rank"]),
            model,
            format_value(row["composite_score"]),
            f1,
            format_value(metrics.get("accuracy")),
            format_value(metrics.get("latency_median_ms")),
            format_value(metrics.get("throughput_samples_per_sec")),
        )
    return table


def print_comparison(comparison: Comparison, console: Console) -> None:
    """The ranking, the significant McNemar pairs and the failed models, on ``console``."""
    console.print(ranking_table(comparison))
    tests = mcnemar_display(comparison)
    if tests.height:
        significant = tests.filter("significant")
        console.print(
            f"McNemar (Holm): {significant.height} of {tests.height} pair(s) differ at "
            f"p < {comparison.alpha:.2g}"
            + "".join(
                f"\n  {a} vs {b}: p = {format_value(p)}"
                for a, b, p in significant.select("model_a", "model_b", "p_value_holm").rows()
            ),
            markup=False,
            highlight=False,
        )
    for model, reason in comparison.failed.items():
        console.print(f"failed: {model}: {reason}", markup=False, highlight=False)
