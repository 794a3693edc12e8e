"""``Discriminator``: the seed's signature, spectral norm on its layers, raw scores."""

from __future__ import annotations

import inspect

import torch
from torch import nn
from torch.nn.utils import parametrize

from benchlab.augment.models import Discriminator, build_discriminator

from .conftest import random_batch, tiny_architecture


def test_forward_takes_the_seed_arguments_in_order() -> None:
    names = list(inspect.signature(Discriminator.forward).parameters)
    assert names == ["self", "sequence", "history", "review_features", "temporal_features"]


def test_every_linear_and_conv_layer_is_spectrally_normalised() -> None:
    critic = build_discriminator(tiny_architecture())
    layers = [m for m in critic.modules() if isinstance(m, nn.Linear | nn.Conv1d)]
    assert any(isinstance(m, nn.Conv1d) for m in layers)
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert all(hasattr(m.parametrizations.weight[0], "_u") for m in layers)


def test_scores_are_raw_one_per_window() -> None:
    torch.manual_seed(0)
    critic = build_discriminator(tiny_architecture()).eval()
    batch = random_batch(8)
    args = (batch["history"], batch["reviews"], batch["temporal"])
    scores = critic(batch["target"], *args)
    assert scores.shape == (8,)
    torch.nn.init.constant_(critic.fusion[-1].bias, 50.0)  # no sigmoid squashes it to (0, 1)
    assert (critic(batch["target"], *args) > 1).all()
    torch.nn.init.constant_(critic.fusion[-1].bias, -50.0)
    assert (critic(batch["target"], *args) < 0).all()


def test_forward_is_score_of_the_encoded_condition() -> None:
    torch.manual_seed(0)
    critic = build_discriminator(tiny_architecture()).eval()
    batch = random_batch(4)
    args = (batch["history"], batch["reviews"], batch["temporal"])
    torch.testing.assert_close(
        critic(batch["target"], *args), critic.score(batch["target"], critic.encode(*args))
    )
