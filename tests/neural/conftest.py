"""A tiny LightningModule and its data: a one-weight linear regression."""

from __future__ import annotations

import lightning
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LinearRegression(lightning.LightningModule):
    """``y = w x`` (no bias), trained with SGD on the mean squared error."""

    def __init__(self, learning_rate: float = 0.1, zero_init: bool = False) -> None:
        super().__init__()
        self.layer = nn.Linear(1, 1, bias=False)
        if zero_init:
            nn.init.zeros_(self.layer.weight)
        self.learning_rate = learning_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x).squeeze(-1)

    def _step(self, batch: list[torch.Tensor], name: str) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log(name, loss, on_step=False, on_epoch=True, batch_size=x.shape[0])
        return loss

    def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train_loss")

    def validation_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val_loss")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.learning_rate)


def line(slope: float, n: int = 256, seed: int = 0) -> TensorDataset:
    """``n`` points of ``y = slope * x`` with standard normal ``x``."""
    x = torch.randn(n, 1, generator=torch.Generator().manual_seed(seed))
    return TensorDataset(x, slope * x.squeeze(-1))


class LineData(lightning.LightningDataModule):
    """Training points on ``y = train_slope * x``; validation on ``y = val_slope * x``."""

    def __init__(self, train_slope: float = 2.0, val_slope: float | None = 1.0) -> None:
        super().__init__()
        self.train_slope = train_slope
        self.val_slope = val_slope

    def train_dataloader(self) -> DataLoader:
        return DataLoader(line(self.train_slope), batch_size=64, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        assert self.val_slope is not None
        return DataLoader(line(self.val_slope, seed=1), batch_size=256)


class TrainOnlyData(lightning.LightningDataModule):
    """Training points only: no validation loop."""

    def train_dataloader(self) -> DataLoader:
        return DataLoader(line(2.0), batch_size=64, shuffle=True)


@pytest.fixture()
def loaders() -> dict[str, DataLoader]:
    """Full-batch loaders (one step per epoch): train on slope 2, validate on slope 1."""
    return {
        "train_dataloaders": DataLoader(line(2.0), batch_size=256),
        "val_dataloaders": DataLoader(line(1.0, seed=1), batch_size=256),
    }
