"""Quality metrics and the confusion matrix against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.text.metrics import QUALITY_METRICS, confusion, quality_metrics


def test_macro_metrics_by_hand() -> None:
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 2]
    # class 0: p 1/2 r 1/2; class 1: p 2/3 r 1; class 2: p 1 r 1/2
    metrics = quality_metrics(y_true, y_pred, 3)
    assert tuple(metrics) == QUALITY_METRICS
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["precision_macro"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert metrics["recall_macro"] == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    f1 = [2 * p * r / (p + r) for p, r in ((1 / 2, 1 / 2), (2 / 3, 1), (1, 1 / 2))]
    assert metrics["f1_macro"] == pytest.approx(sum(f1) / 3)


def test_an_absent_class_counts_as_zero() -> None:
    metrics = quality_metrics([0, 0, 1], [0, 0, 1], 3)
    assert metrics["accuracy"] == 1.0
    assert metrics["f1_macro"] == pytest.approx(2 / 3)


def test_confusion_rows_are_true_classes() -> None:
    matrix = confusion([0, 0, 1, 2], [0, 1, 1, 1], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    assert isinstance(matrix, np.ndarray)


def test_bad_shapes_and_ids_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        quality_metrics([0, 1], [0], 2)
    with pytest.raises(ValueError, match="outside 0–1"):
        confusion([0, 2], [0, 1], 2)
