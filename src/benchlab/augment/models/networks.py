"""The networks' shape as plain keyword arguments (what weight files and hyperparameters store),
and the networks built from it. Imports torch, not Lightning."""

from __future__ import annotations

from collections.abc import Mapping

from benchlab.augment.models.discriminator import Discriminator
from benchlab.augment.models.generator import Generator


def architecture(
    *,
    horizon: int,
    temporal_steps: int,
    noise_dim: int,
    hidden_dim: int,
    condition_dim: int,
    temporal_dim: int,
    review_dim: int,
    discriminator_channels: int,
) -> dict[str, int]:
    """The shape arguments :class:`WGANGP` builds its networks from (all keyword-only)."""
    return {
        "horizon": horizon,
        "temporal_steps": temporal_steps,
        "noise_dim": noise_dim,
        "hidden_dim": hidden_dim,
        "condition_dim": condition_dim,
        "temporal_dim": temporal_dim,
        "review_dim": review_dim,
        "discriminator_channels": discriminator_channels,
    }


def build_generator(arch: Mapping[str, int]) -> Generator:
    """A :class:`Generator` of ``arch``'s shape (untrained)."""
    return Generator(**{k: v for k, v in arch.items() if k != "discriminator_channels"})


def build_discriminator(arch: Mapping[str, int]) -> Discriminator:
    """A :class:`Discriminator` of ``arch``'s shape (untrained)."""
    skip = {"discriminator_channels", "noise_dim"}
    return Discriminator(
        channels=arch["discriminator_channels"],
        **{k: v for k, v in arch.items() if k not in skip},
    )
