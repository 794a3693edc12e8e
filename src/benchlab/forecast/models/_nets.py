"""PyTorch networks and the Lightning training module behind the neural models.

Kept apart from :mod:`benchlab.forecast.models.neural` because importing torch and Lightning
takes seconds: this module is imported on first fit or load, never at registry discovery.
Every class lives at module level so a fitted model pickles (INDIVIDUAL workers return theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import lightning
import torch
from torch import nn
from torch.utils.data import Dataset


def monotone(raw: torch.Tensor) -> torch.Tensor:
    """Non-crossing quantiles along the last axis: the first output plus softplus increments.

    >>> monotone(torch.tensor([[0.0, -5.0, 2.0]])).diff(dim=-1).ge(0).all().item()
    True
    """
    first = raw[..., :1]
    steps = nn.functional.softplus(raw[..., 1:])
    return torch.cat([first, first + torch.cumsum(steps, dim=-1)], dim=-1)


def pinball_loss(pred: torch.Tensor, target: torch.Tensor, alphas: torch.Tensor) -> torch.Tensor:
    """Mean quantile (pinball) loss; ``pred`` is ``target``'s shape plus one axis of alphas.

    >>> pinball_loss(torch.zeros(2, 1), torch.ones(2), torch.tensor([0.75])).item()
    0.75
    """
    diff = target.unsqueeze(-1) - pred
    return torch.maximum(alphas * diff, (alphas - 1.0) * diff).mean()


class WindowDataset(Dataset):
    """Windows over flat series: item ``k`` is ``values[starts[k]:starts[k] + width]``, split
    into ``input_size`` inputs and the rest as targets. Windows are gathered per batch, so
    memory stays that of the series, not of every overlapping window."""

    def __init__(self, values: torch.Tensor, starts: torch.Tensor, input_size: int, width: int):
        self.values = values
        self.starts = starts
        self.offsets = torch.arange(width)
        self.input_size = input_size

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    def __getitem__(self, index: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        windows = self.values[self.starts[index].unsqueeze(-1) + self.offsets]
        return windows[:, : self.input_size], windows[:, self.input_size :]


class MLPNet(nn.Module):
    """Fully connected ReLU layers with dropout; ``n_quantiles`` monotone outputs, or one."""

    def __init__(
        self, n_inputs: int, hidden_sizes: Sequence[int], dropout: float, n_quantiles: int
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_inputs
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, max(n_quantiles, 1)))
        self.layers = nn.Sequential(*layers)
        self.n_quantiles = n_quantiles

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_quantiles)`` sorted quantiles, or ``(batch,)`` for a point model."""
        out = self.layers(x)
        return monotone(out) if self.n_quantiles else out.squeeze(-1)


class LSTMNet(nn.Module):
    """An LSTM over a window of past values; a linear head maps its last state to the future."""

    def __init__(
        self,
        output_size: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        n_quantiles: int,
    ) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            1,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, output_size * max(n_quantiles, 1))
        self.output_size = output_size
        self.n_quantiles = n_quantiles

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, output_size, n_quantiles)`` sorted per step, or ``(batch, output_size)``."""
        states, _ = self.lstm(x.unsqueeze(-1))
        out = self.head(self.dropout(states[:, -1]))
        if not self.n_quantiles:
            return out
        return monotone(out.view(x.shape[0], self.output_size, self.n_quantiles))


class Regressor(lightning.LightningModule):
    """Trains any of the networks above with MSE (point) or pinball loss (quantiles)."""

    def __init__(
        self,
        net: nn.Module,
        *,
        alphas: Sequence[float],
        learning_rate: float,
        weight_decay: float,
    ) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("alphas", torch.tensor(list(alphas), dtype=torch.float32))
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self._loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = (
            self._pinball if len(alphas) else nn.functional.mse_loss
        )

    def _pinball(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return pinball_loss(pred, target, self.alphas)

    def _step(self, batch: Sequence[torch.Tensor], name: str) -> torch.Tensor:
        x, y = batch
        loss = self._loss(self.net(x), y)
        self.log(name, loss, on_step=False, on_epoch=True, batch_size=x.shape[0])
        return loss

    def training_step(self, batch: Sequence[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train_loss")

    def validation_step(self, batch: Sequence[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val_loss")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
