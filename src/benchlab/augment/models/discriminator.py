"""The critic: Conv1D over the sequence, fused with the condition, a raw score (no sigmoid)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from benchlab.augment.models.encoder import LEAK, ConditionEncoder


def with_spectral_norm(module: nn.Module) -> nn.Module:
    """``module`` with spectral normalisation on every ``Linear`` and ``Conv1d`` inside it."""
    for child in list(module.modules()):
        if isinstance(child, nn.Linear | nn.Conv1d):
            spectral_norm(child)
    return module


class Discriminator(nn.Module):
    """``D(x | history, reviews, calendar)``: a WGAN critic, one unbounded score per window.

    The sequence ``[B, horizon]`` goes through two Conv1D layers; the condition through the
    critic's own :class:`ConditionEncoder`; both are fused by FC layers. Every ``Linear`` and
    ``Conv1d`` (the encoder's too; its LSTM excepted) carries spectral normalisation.

    :meth:`encode` and :meth:`score` split :meth:`forward` so that one training step can encode
    the condition once and score real, generated and interpolated sequences with it.
    """

    def __init__(
        self,
        *,
        horizon: int,
        temporal_steps: int,
        channels: int = 64,
        hidden_dim: int = 256,
        condition_dim: int = 512,
        temporal_dim: int = 8,
        review_dim: int = 2,
    ) -> None:
        super().__init__()
        self.horizon = horizon
        self.encoder = ConditionEncoder(
            temporal_steps=temporal_steps,
            temporal_dim=temporal_dim,
            review_dim=review_dim,
            hidden_dim=hidden_dim,
            condition_dim=condition_dim,
        )
        self.sequence_conv = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size=3, padding=1),
            nn.LeakyReLU(LEAK),
            nn.Conv1d(channels, 2 * channels, kernel_size=3, padding=1),
            nn.LeakyReLU(LEAK),
        )
        self.sequence_fc = nn.Sequential(
            nn.Linear(2 * channels * horizon, hidden_dim), nn.LeakyReLU(LEAK)
        )
        self.fusion = nn.Sequential(
            nn.Linear(hidden_dim + condition_dim, hidden_dim),
            nn.LeakyReLU(LEAK),
            nn.Linear(hidden_dim, 1),
        )
        with_spectral_norm(self)

    def encode(
        self,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        """The critic's condition embedding ``[B, condition_dim]``."""
        return self.encoder(history, review_features, temporal_features)

    def score(self, sequence: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """Raw scores ``[B]`` of ``sequence`` ``[B, horizon]`` under an encoded condition."""
        features = self.sequence_fc(self.sequence_conv(sequence.unsqueeze(1)).flatten(1))
        return self.fusion(torch.cat([features, condition], dim=1)).squeeze(-1)

    def forward(
        self,
        sequence: torch.Tensor,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        return self.score(sequence, self.encode(history, review_features, temporal_features))
