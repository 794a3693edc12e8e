"""The generator: noise and a condition → a GRU decoder → one non-negative value per day."""

from __future__ import annotations

import torch
from torch import nn

from benchlab.augment.models.encoder import ConditionEncoder


class Generator(nn.Module):
    """``G(z | history, reviews, calendar)``: a ``[B, horizon]`` sales sequence (ReLU output,
    so never negative), in the scaled units of the history.

    The noise and the encoded condition set the GRU's initial state and are its input at every
    step; a linear head reads one value per step. :meth:`encode` and :meth:`decode` split
    :meth:`forward`, so the critic's updates (during which the generator does not change) can
    encode a batch's condition once and draw new noise for each update.
    """

    def __init__(
        self,
        *,
        horizon: int,
        temporal_steps: int,
        noise_dim: int = 32,
        hidden_dim: int = 256,
        condition_dim: int = 512,
        temporal_dim: int = 8,
        review_dim: int = 2,
    ) -> None:
        super().__init__()
        self.horizon = horizon
        self.noise_dim = noise_dim
        self.encoder = ConditionEncoder(
            temporal_steps=temporal_steps,
            temporal_dim=temporal_dim,
            review_dim=review_dim,
            hidden_dim=hidden_dim,
            condition_dim=condition_dim,
        )
        self.initial_state = nn.Sequential(
            nn.Linear(noise_dim + condition_dim, hidden_dim), nn.Tanh()
        )
        self.step_input = nn.Linear(noise_dim + condition_dim, hidden_dim)
        self.decoder = nn.GRU(input_size=hidden_dim, hidden_size=hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, 1)
        self.output = nn.ReLU()

    def encode(
        self,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        """The generator's condition embedding ``[B, condition_dim]``."""
        return self.encoder(history, review_features, temporal_features)

    def decode(self, noise: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """Sequences ``[B, horizon]`` from noise and an encoded condition."""
        seed = torch.cat([noise, condition], dim=1)
        state = self.initial_state(seed).unsqueeze(0)
        steps = self.step_input(seed).unsqueeze(1).expand(-1, self.horizon, -1)
        decoded, _ = self.decoder(steps.contiguous(), state)
        return self.output(self.head(decoded).squeeze(-1))

    def forward(
        self,
        noise: torch.Tensor,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        return self.decode(noise, self.encode(history, review_features, temporal_features))

    def sample_noise(
        self, batch: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None
    ) -> torch.Tensor:
        """Standard normal noise ``[batch, noise_dim]`` (from ``generator`` when given)."""
        return torch.randn(batch, self.noise_dim, device=device, generator=generator)
