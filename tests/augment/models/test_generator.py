"""``Generator``: the seed's signature, one non-negative value per day of the horizon."""

from __future__ import annotations

import inspect

import torch

from benchlab.augment.models import Generator, build_generator

from .conftest import HORIZON, random_batch, tiny_architecture


def test_forward_takes_the_seed_arguments_in_order() -> None:
    names = list(inspect.signature(Generator.forward).parameters)
    assert names == ["self", "noise", "history", "review_features", "temporal_features"]


def test_a_sequence_per_window_never_negative() -> None:
    torch.manual_seed(0)
    generator = build_generator(tiny_architecture())
    batch = random_batch(16)
    noise = generator.sample_noise(16, generator=torch.Generator().manual_seed(1))
    out = generator(noise, batch["history"], batch["reviews"], batch["temporal"])
    assert out.shape == (16, HORIZON)
    assert (out >= 0).all()
    torch.nn.init.constant_(generator.head.bias, -100.0)  # every pre-activation negative
    clipped = generator(noise, batch["history"], batch["reviews"], batch["temporal"])
    assert torch.equal(clipped, torch.zeros_like(clipped))


def test_the_noise_changes_the_sequence() -> None:
    torch.manual_seed(0)
    generator = build_generator(tiny_architecture())
    torch.nn.init.constant_(generator.head.bias, 1.0)  # keep outputs above the ReLU's zero
    batch = random_batch(4)
    args = (batch["history"], batch["reviews"], batch["temporal"])
    first = generator(generator.sample_noise(4, generator=torch.Generator().manual_seed(1)), *args)
    second = generator(generator.sample_noise(4, generator=torch.Generator().manual_seed(2)), *args)
    assert not torch.allclose(first, second)
