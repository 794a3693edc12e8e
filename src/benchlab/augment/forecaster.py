"""Seed 001's ``LSTMForecaster``: the downstream model that measures what synthetic windows add.

An LSTM reads the history window (scaled units); its last state, the review features known at
the forecast day and the calendar of the target days go through a small head to the ``horizon``
next values (scaled units, MSE loss). The same network is trained on real windows only, on real
+ synthetic windows and on synthetic windows only, each through the engine's Lightning harness
(:func:`benchlab.neural.fit_module`: early stopping on ``val_loss``, best epoch restored).

>>> with torch_session(n_threads=1, seed=0):  # doctest: +SKIP
...     module = LSTMForecaster(history_window=30, horizon=7)
...     fit = fit_forecaster(module, train, val, settings, batch_size=128, seed=0)
>>> predictions = predict(module, test_windows)  # [N, 7], scaled  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightning
import numpy as np
import torch
from torch import nn

from benchlab.augment.data.datasets import SalesDataset
from benchlab.neural.data import batch_loader

if TYPE_CHECKING:
    from benchlab.augment.data.windows import WindowArrays
    from benchlab.neural import FitOutcome, TrainerSettings

_PREDICT_BATCH = 4096


class LSTMForecaster(lightning.LightningModule):
    """History window → ``horizon`` values, conditioned on reviews and the target calendar.

    Batches are the dicts of :class:`~benchlab.augment.data.datasets.SalesDataset`
    (``history`` [B, H], ``temporal`` [B, F, 8], ``reviews`` [B, 2], ``target`` [B, F]).
    Logs ``train_loss`` and ``val_loss`` (MSE on scaled units).
    """

    def __init__(
        self,
        *,
        history_window: int,
        horizon: int,
        temporal_dim: int = 8,
        review_dim: int = 2,
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.1,
        learning_rate: float = 1e-3,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.horizon = horizon
        self.learning_rate = learning_rate
        self.lstm = nn.LSTM(
            input_size=1,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        context = hidden_size + review_dim + horizon * temporal_dim
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(context, hidden_size),
            nn.ReLU(),
            nn.Linear(hidden_size, horizon),
        )

    def forward(
        self, history: torch.Tensor, temporal: torch.Tensor, reviews: torch.Tensor
    ) -> torch.Tensor:
        """``[B, horizon]`` forecasts in scaled units."""
        states, _ = self.lstm(history.unsqueeze(-1))
        context = torch.cat([states[:, -1], reviews, temporal.flatten(1)], dim=1)
        return self.head(context)

    def _loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        prediction = self(batch["history"], batch["temporal"], batch["reviews"])
        return nn.functional.mse_loss(prediction, batch["target"])

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        size = batch["target"].shape[0]
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=size)
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        size = batch["target"].shape[0]
        self.log("val_loss", self._loss(batch), on_epoch=True, batch_size=size)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.learning_rate)


def fit_forecaster(
    module: LSTMForecaster,
    train: SalesDataset,
    val: SalesDataset,
    settings: TrainerSettings,
    *,
    batch_size: int,
    seed: int,
) -> FitOutcome:
    """Train on ``train`` (shuffled from ``seed``), early stopping on ``val``'s ``val_loss``."""
    from benchlab.neural import fit_module

    return fit_module(
        module,
        settings,
        train_dataloaders=batch_loader(train, batch_size=batch_size, shuffle=True, seed=seed),
        val_dataloaders=batch_loader(val, batch_size=batch_size, shuffle=False, seed=seed),
    )


def predict(module: LSTMForecaster, windows: WindowArrays) -> np.ndarray:
    """``[N, horizon]`` forecasts (scaled units, float32) for ``windows``, on the CPU."""
    module = module.to("cpu").eval()
    arrays: dict[str, Any] = {
        name: torch.from_numpy(np.ascontiguousarray(getattr(windows, name)))
        for name in ("history", "temporal", "reviews")
    }
    out = np.empty((len(windows), module.horizon), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(windows), _PREDICT_BATCH):
            part = slice(start, start + _PREDICT_BATCH)
            out[part] = module(
                arrays["history"][part], arrays["temporal"][part], arrays["reviews"][part]
            )
    return out
