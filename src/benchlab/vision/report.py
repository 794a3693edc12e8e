"""The vision run's report sections and its training-curves figure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.reports.markdown import Section, config_section, figures_section, format_value

if TYPE_CHECKING:
    from benchlab.runs import RunFolder
    from benchlab.tasks import RunOutcome
    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.trainers.base import TrainHistory
    from benchlab.vision.training import VisionResult


def training_curves_figure(history: TrainHistory, path: Path) -> Path:
    """Loss and accuracy per epoch, train and validation, side by side (PNG)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from benchlab.reports.plots import save_figure

    epochs = history.series("epoch")
    fig = Figure(figsize=(10, 4))
    for position, (metric, title) in enumerate((("loss", "Loss"), ("accuracy", "Accuracy")), 1):
        ax = fig.add_subplot(1, 2, position)
        for split, style in (("train", "-o"), ("val", "-s")):
            ax.plot(epochs, history.series(f"{split}_{metric}"), style, label=split, markersize=3)
        if metric == "accuracy" and history.best_epoch:
            ax.axvline(history.best_epoch, color="grey", linestyle="--", label="best epoch")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(format_value(v) for v in row) + " |" for row in rows]
    return lines


def summary_section(config: VisionRunConfig, result: VisionResult) -> Section:
    history = result.history
    rows: list[list[Any]] = [
        ["model", result.model_label],
        ["trainer", result.trainer_type],
        ["device", result.device],
        ["data", f"{config.data.data_dir} (fold {config.data.fold})"],
        ["classes", len(result.classes)],
        ["epochs", history.completed],
        ["best epoch", history.best_epoch],
        ["training time (s)", round(result.train_seconds, 2)],
        ["throughput (images/s)", round(history.images_per_second, 1)],
    ]
    if history.epochs and "epsilon" in history.epochs[-1]:
        rows.append(["privacy spent (ε)", history.epochs[-1]["epsilon"]])
        rows.append(["δ", config.training.dp.target_delta])
    if result.resumed_from:
        rows.append(["resumed from", result.resumed_from])
    if history.stopped_early:
        reason = "interrupted" if result.interrupted else "stopped early"
        rows.append(["note", f"{reason} after epoch {history.completed}"])
    return Section("Run summary", _table(["", "value"], rows))


def metrics_section(result: VisionResult) -> Section:
    rows = [
        ["test accuracy", result.test["accuracy"]],
        ["test macro F1", result.test["f1_macro"]],
        ["best validation accuracy", result.history.best_val_accuracy],
    ]
    note = "Test metrics are those of `weights/best.pt` (the epoch with the best val accuracy)."
    return Section("Metrics", [note, "", *_table(["metric", "value"], rows)])


def per_class_section(result: VisionResult) -> Section:
    rows = [
        [name, scores["precision"], scores["recall"], scores["f1"], scores["support"]]
        for name, scores in result.test["per_class"].items()
    ]
    header = ["class", "precision", "recall", "f1", "support"]
    return Section("Per-class metrics (test split)", _table(header, rows))


def vision_report_sections(
    config: VisionRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """Run summary, metrics, per-class table, confusion matrix and training curves, config."""
    result: VisionResult = outcome.details
    figures = {
        caption: result.files[key]
        for caption, key in (
            ("Confusion matrix (test split)", "confusion_matrix"),
            ("Training curves", "training_curves"),
        )
        if key in result.files and (run.path / result.files[key]).is_file()
    }
    sections = [
        summary_section(config, result),
        metrics_section(result),
        per_class_section(result),
        figures_section(figures),
        config_section(config.to_raw()),
    ]
    return [section for section in sections if section is not None]
