"""The vision report's sections and training-curves figure, from a hand-made result."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from benchlab.reports.markdown import render_sections
from benchlab.tasks import RunOutcome
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.evaluation import confusion_matrix_figure
from benchlab.vision.report import training_curves_figure, vision_report_sections
from benchlab.vision.trainers.base import TrainHistory
from benchlab.vision.training import VisionResult


def history(epsilon: bool) -> TrainHistory:
    rows = []
    for epoch, (loss, accuracy) in enumerate([(1.2, 0.6), (0.5, 0.85), (0.4, 0.82)], start=1):
        row = {
            "epoch": float(epoch),
            "train_loss": loss,
            "val_loss": loss + 0.1,
            "train_accuracy": accuracy + 0.05,
            "val_accuracy": accuracy,
        }
        if epsilon:
            row["epsilon"] = 0.5 * epoch
        rows.append(row)
    return TrainHistory(
        epochs=rows, best_epoch=2, best_val_accuracy=0.85, train_seconds=2.0, images=400
    )


def result(tmp_path: Path, *, epsilon: bool = False) -> VisionResult:
    files = {"confusion_matrix": "confusion_matrix.png", "training_curves": "training_curves.png"}
    confusion_matrix_figure(
        np.array([[4, 1], [0, 5]]), ["cat", "dog"], tmp_path / files["confusion_matrix"]
    )
    training_curves_figure(history(epsilon), tmp_path / files["training_curves"])
    return VisionResult(
        history=history(epsilon),
        test={
            "accuracy": 0.9,
            "f1_macro": 0.8990,
            "per_class": {
                "cat": {"precision": 1.0, "recall": 0.8, "f1": 0.889, "support": 5},
                "dog": {"precision": 0.833, "recall": 1.0, "f1": 0.909, "support": 5},
            },
        },
        classes=["cat", "dog"],
        model_label="simple_cnn",
        trainer_type="dp" if epsilon else "standard",
        device="cpu",
        train_seconds=2.5,
        files=files,
    )


def render(tmp_path: Path, *, epsilon: bool = False) -> str:
    config = VisionRunConfig.model_validate({"task": "vision", "data": {"data_dir": "data/pets"}})
    outcome = RunOutcome(records=[], leaderboard=None, primary_metric="test_accuracy",
                         details=result(tmp_path, epsilon=epsilon))  # fmt: skip
    sections = vision_report_sections(config, outcome, SimpleNamespace(path=tmp_path))
    return render_sections("report", sections)


def test_report_has_summary_metrics_classes_and_figures(tmp_path: Path) -> None:
    text = render(tmp_path)
    for heading in (
        "## Run summary",
        "## Metrics",
        "## Per-class metrics (test split)",
        "## Figures",
        "## Run configuration",
    ):
        assert heading in text, heading
    assert "| cat | 1 | 0.8 | 0.889 | 5 |" in text
    assert "| test accuracy | 0.9 |" in text and "| best epoch | 2 |" in text
    assert "(confusion_matrix.png)" in text and "(training_curves.png)" in text
    assert "ε" not in text


def test_dp_report_shows_the_privacy_spent(tmp_path: Path) -> None:
    text = render(tmp_path, epsilon=True)
    assert "| privacy spent (ε) | 1.5 |" in text and "| δ | 1e-05 |" in text


def test_training_curves_figure_is_a_png(tmp_path: Path) -> None:
    path = training_curves_figure(history(False), tmp_path / "curves.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
