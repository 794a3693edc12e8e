"""SalesDataModule: the three splits' loaders, seeded shuffling, real + synthetic training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.augment.config import AugmentRunConfig
from benchlab.augment.data.datamodule import SalesDataModule
from benchlab.errors import InputError


def config(processed: Path, **data: object) -> AugmentRunConfig:
    return AugmentRunConfig(data={"processed_dir": processed, "batch_size": 32, **data}, seed=3)


def first_targets(module: SalesDataModule) -> torch.Tensor:
    return next(iter(module.train_dataloader()))["target"]


def test_loaders_cover_each_split_in_batches(olist_processed: Path) -> None:
    module = SalesDataModule(config(olist_processed))
    module.setup("fit")
    for split, loader in (
        ("train", module.train_dataloader()),
        ("val", module.val_dataloader()),
        ("test", module.test_dataloader()),
    ):
        batches = list(loader)
        assert sum(len(b["target"]) for b in batches) == len(module.windows[split]) > 0
        assert max(len(b["target"]) for b in batches) == 32
    val = torch.cat([b["target"] for b in module.val_dataloader()])
    np.testing.assert_array_equal(val.numpy(), module.windows["val"].target)  # in order


def test_training_batches_are_shuffled_from_the_seed(olist_processed: Path) -> None:
    same = [first_targets(SalesDataModule(config(olist_processed))) for _ in range(2)]
    other = first_targets(SalesDataModule(config(olist_processed).model_copy(update={"seed": 4})))
    assert torch.equal(same[0], same[1]) and not torch.equal(same[0], other)
    loader = SalesDataModule(config(olist_processed)).train_dataloader()
    epochs = [torch.cat([b["target"] for b in loader]) for _ in range(2)]
    assert not torch.equal(epochs[0], epochs[1])  # a new order each epoch…
    assert torch.equal(epochs[0].sort(dim=0).values, epochs[1].sort(dim=0).values)  # …same set


def test_synthetic_windows_join_the_training_set_only(olist_processed: Path) -> None:
    real = SalesDataModule(config(olist_processed))
    real.setup()
    synthetic = real.windows["train"].take(np.arange(40))
    module = SalesDataModule(config(olist_processed), synthetic=synthetic)
    module.setup()
    assert len(module.datasets["train"]) == len(real.windows["train"]) + 40
    flags = torch.cat([b["synthetic"] for b in module.train_dataloader()])
    assert flags.sum().item() == 40
    assert "synthetic" not in next(iter(module.val_dataloader()))


def test_a_window_longer_than_a_split_is_one_error(olist_processed: Path, tmp_path: Path) -> None:
    module = SalesDataModule(config(olist_processed, forecast_horizon=60))
    with pytest.raises(InputError, match="product_daily_panel.parquet: too short for one window"):
        module.setup()
    with pytest.raises(InputError, match="file not found"):
        SalesDataModule(config(olist_processed), panel_path=tmp_path / "none.parquet").setup()
