"""The condition encoder: what the generator and the critic know about a window besides its
target — the sales history, the calendar and the reviews — fused into one embedding."""

from __future__ import annotations

import torch
from torch import nn

#: Slope of the leaky ReLUs inside the GAN (the usual choice for WGAN critics).
LEAK = 0.2


class ConditionEncoder(nn.Module):
    """An LSTM over the history plus FC layers for calendar and review features, fused to
    ``condition_dim`` (512 in the seed).

    Inputs: ``history`` ``[B, history_window]`` (scaled units), ``review_features``
    ``[B, review_dim]`` and ``temporal_features`` ``[B, temporal_steps, temporal_dim]`` (the
    day-of-week one-hot and ``is_weekend`` of each target day); output ``[B, condition_dim]``.
    The calendar is flattened before its FC layer, so the encoder knows which day is which.
    """

    def __init__(
        self,
        *,
        temporal_steps: int,
        temporal_dim: int = 8,
        review_dim: int = 2,
        hidden_dim: int = 256,
        condition_dim: int = 512,
    ) -> None:
        super().__init__()
        side = max(hidden_dim // 4, 4)
        self.temporal_steps = temporal_steps
        self.temporal_dim = temporal_dim
        self.history_lstm = nn.LSTM(input_size=1, hidden_size=hidden_dim, batch_first=True)
        self.temporal_fc = nn.Sequential(
            nn.Linear(temporal_steps * temporal_dim, side), nn.LeakyReLU(LEAK)
        )
        self.review_fc = nn.Sequential(nn.Linear(review_dim, side), nn.LeakyReLU(LEAK))
        self.fusion = nn.Sequential(
            nn.Linear(hidden_dim + 2 * side, condition_dim), nn.LeakyReLU(LEAK)
        )

    def forward(
        self,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        _, (last, _) = self.history_lstm(history.unsqueeze(-1))
        calendar = self.temporal_fc(temporal_features.flatten(1))
        reviews = self.review_fc(review_features)
        return self.fusion(torch.cat([last[-1], calendar, reviews], dim=1))
