"""Test-set metrics from a network's logits, and the confusion-matrix figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from benchlab.vision.evaluation import confusion_matrix_figure, evaluate

LABELS = [0, 0, 1, 1, 2, 2]
PREDICTED = [0, 1, 1, 1, 2, 0]


def loader() -> DataLoader:
    """Inputs that are their own logits (the network is the identity): predictions known."""
    logits = nn.functional.one_hot(torch.tensor(PREDICTED), 3).float() * 5
    return DataLoader(TensorDataset(logits, torch.tensor(LABELS)), batch_size=4)


def test_metrics_of_known_predictions() -> None:
    result = evaluate(nn.Identity(), loader(), device="cpu", classes=["zero", "one", "two"])
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["predictions"].tolist() == PREDICTED
    assert result["labels"].tolist() == LABELS
    assert result["logits"].shape == (6, 3)
    assert result["confusion_matrix"].tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    zero, one, two = (result["per_class"][name] for name in ("zero", "one", "two"))
    assert (zero["precision"], zero["recall"], zero["support"]) == (0.5, 0.5, 2)
    assert (one["precision"], one["recall"]) == pytest.approx((2 / 3, 1.0))
    assert (two["precision"], two["recall"]) == (1.0, 0.5)
    f1s = [2 * p * r / (p + r) for p, r in ((0.5, 0.5), (2 / 3, 1.0), (1.0, 0.5))]
    assert result["f1_macro"] == pytest.approx(np.mean(f1s))
    assert "zero" in result["report_text"] and result["report"]["two"]["recall"] == 0.5


def test_a_class_never_predicted_or_present_is_still_listed() -> None:
    result = evaluate(nn.Identity(), loader(), device="cpu", classes=["a", "b", "c"])
    assert list(result["per_class"]) == ["a", "b", "c"]
    logits = torch.zeros(2, 4)
    logits[:, 0] = 1
    empty_class = DataLoader(TensorDataset(logits, torch.tensor([0, 1])), batch_size=2)
    result = evaluate(nn.Identity(), empty_class, device="cpu", classes=list("wxyz"))
    assert result["per_class"]["z"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert result["confusion_matrix"].shape == (4, 4)


def test_confusion_matrix_figure_is_a_png(tmp_path: Path) -> None:
    cm = np.array([[5, 1], [0, 4]])
    path = confusion_matrix_figure(cm, ["cat", "dog"], tmp_path / "cm.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name != "cm.png"]  # no temporary file left
