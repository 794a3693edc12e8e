"""Quality metrics of a text classifier: accuracy and macro precision, recall and F1
(scikit-learn, ``zero_division=0``), and the confusion matrix.

>>> quality_metrics([0, 1, 1, 2], [0, 1, 0, 2], 3)["accuracy"]
0.75
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

QUALITY_METRICS = ("accuracy", "f1_macro", "precision_macro", "recall_macro")


def _check(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true, dtype=np.int64)
    pred = np.asarray(y_pred, dtype=np.int64)
    if true.shape != pred.shape or true.ndim != 1:
        raise ValueError(f"y_true {true.shape} and y_pred {pred.shape} must be 1-D, same length")
    if true.size == 0:
        raise ValueError("no predictions to score")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    for name, ids in (("y_true", true), ("y_pred", pred)):
        if ids.min() < 0 or ids.max() >= n_classes:
            raise ValueError(f"{name} holds ids outside 0–{n_classes - 1}")
    return true, pred


def quality_metrics(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> dict[str, float]:
    """``accuracy``, ``f1_macro``, ``precision_macro``, ``recall_macro`` over all
    ``n_classes`` classes (a class never predicted or absent counts as 0, not skipped)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    true, pred = _check(y_true, y_pred, n_classes)
    precision, recall, f1, _ = precision_recall_fscore_support(
        true, pred, labels=np.arange(n_classes), average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(true, pred)),
        "f1_macro": float(f1),
        "precision_macro": float(precision),
        "recall_macro": float(recall),
    }


def confusion(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> np.ndarray:
    """The ``[n_classes, n_classes]`` confusion matrix: row = true class, column = predicted."""
    from sklearn.metrics import confusion_matrix

    true, pred = _check(y_true, y_pred, n_classes)
    return confusion_matrix(true, pred, labels=np.arange(n_classes))
