"""Test-set evaluation: accuracy, macro F1, per-class precision/recall/F1 (scikit-learn), the
confusion matrix, and its figure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader


def predict_logits(
    model: nn.Module, loader: DataLoader, *, device: str | torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """``(logits, labels)`` of every batch of ``loader`` (eval mode, no gradients)."""
    import torch

    model.eval()
    logits, labels = [], []
    with torch.no_grad():
        for images, targets in loader:
            logits.append(model(images.to(device)).float().cpu())
            labels.append(torch.as_tensor(targets))
    if not logits:
        return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
    return torch.cat(logits).numpy(), torch.cat(labels).numpy().astype(np.int64)


def evaluate(
    model: nn.Module,
    loader: DataLoader,
    *,
    device: str | torch.device,
    classes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Metrics of ``model`` on ``loader``.

    Returns ``accuracy``, ``f1_macro``, ``per_class`` (class → precision, recall, f1,
    support), ``confusion_matrix`` (rows: true class, columns: predicted), ``predictions``,
    ``labels``, ``logits``, and scikit-learn's classification report as ``report_text`` and
    ``report`` (a dict).
    """
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    logits, labels = predict_logits(model, loader, device=device)
    n_classes = len(classes) if classes is not None else logits.shape[1]
    names = list(classes) if classes is not None else [str(i) for i in range(n_classes)]
    indices = list(range(n_classes))
    predictions = logits.argmax(axis=1) if len(logits) else np.zeros(0, dtype=np.int64)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=indices, zero_division=0
    )
    report_options = {"labels": indices, "target_names": names, "zero_division": 0, "digits": 4}
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "f1_macro": float(
            f1_score(labels, predictions, labels=indices, average="macro", zero_division=0)
        ),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(names)
        },
        "confusion_matrix": confusion_matrix(labels, predictions, labels=indices),
        "predictions": predictions,
        "labels": labels,
        "logits": logits,
        "report_text": classification_report(labels, predictions, **report_options),
        "report": classification_report(labels, predictions, output_dict=True, **report_options),
    }


def confusion_matrix_figure(cm: np.ndarray, classes: Sequence[str], path: Path) -> Path:
    """The confusion matrix as a PNG heat map with counts (rows: true, columns: predicted)."""
    from matplotlib.figure import Figure

    from benchlab.reports.plots import save_figure

    n = len(classes)
    side = min(max(4.0, 0.5 * n + 2.0), 16.0)
    fig = Figure(figsize=(side, side * 0.9))
    ax = fig.add_subplot()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), labels=list(classes), rotation=45 if n > 6 else 0, ha="right")
    ax.set_yticks(range(n), labels=list(classes))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix (test split)")
    if n <= 30:
        threshold = cm.max() / 2 if cm.size else 0
        for i in range(n):
            for j in range(n):
                colour = "white" if cm[i, j] > threshold else "black"
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", color=colour, fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
