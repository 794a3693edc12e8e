"""Torch datasets over windows: dict items, whole batches at once, the synthetic flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.augment.data.datasets import AugmentedSalesDataset, SalesDataset
from benchlab.augment.data.preprocess import PANEL_FILE
from benchlab.augment.data.windows import WindowArrays, make_windows, read_panel
from benchlab.errors import InputError


@pytest.fixture(scope="module")
def windows(olist_processed: Path) -> WindowArrays:
    return make_windows(
        read_panel(olist_processed / PANEL_FILE), history=30, horizon=7, split="val"
    )


def test_an_item_is_a_dict_of_tensors(windows: WindowArrays) -> None:
    data = SalesDataset(windows)
    assert len(data) == len(windows)
    item = data[3]
    assert {k: tuple(v.shape) for k, v in item.items()} == {
        "history": (30,),
        "target": (7,),
        "temporal": (7, 8),
        "reviews": (2,),
    }
    assert all(v.dtype == torch.float32 for v in item.values())
    np.testing.assert_array_equal(item["target"].numpy(), windows.target[3])
    batch = data[[0, 5, 9]]
    assert batch["history"].shape == (3, 30)
    np.testing.assert_array_equal(batch["temporal"].numpy(), windows.temporal[[0, 5, 9]])


def test_the_augmented_dataset_appends_flagged_synthetic_windows(windows: WindowArrays) -> None:
    synthetic = windows.take(np.arange(10)).with_target(np.full((10, 7), 0.5))
    data = AugmentedSalesDataset(windows, synthetic)
    assert len(data) == len(windows) + 10
    assert data[0]["synthetic"].item() == 0.0 and data[len(windows)]["synthetic"].item() == 1.0
    assert torch.all(data[len(windows) + 9]["target"] == 0.5)
    assert data[list(range(len(data)))]["synthetic"].sum().item() == 10


def test_synthetic_windows_of_another_shape_are_refused(windows: WindowArrays) -> None:
    shorter = WindowArrays(
        history=windows.history[:, :20],
        target=windows.target,
        temporal=windows.temporal,
        reviews=windows.reviews,
        product_ids=windows.product_ids,
        start_dates=windows.start_dates,
        split="train",
    )
    with pytest.raises(InputError, match="'history' has shape"):
        AugmentedSalesDataset(windows, shorter)
