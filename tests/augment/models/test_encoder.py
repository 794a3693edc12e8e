"""``ConditionEncoder``: history, reviews and calendar fused into one embedding."""

from __future__ import annotations

import torch

from benchlab.augment.models import ConditionEncoder

from .conftest import HORIZON, random_batch


def test_the_condition_has_condition_dim_features_per_window() -> None:
    batch = random_batch(5)
    encoder = ConditionEncoder(temporal_steps=HORIZON, hidden_dim=16, condition_dim=512)
    condition = encoder(batch["history"], batch["reviews"], batch["temporal"])
    assert condition.shape == (5, 512)
    assert torch.isfinite(condition).all()


def test_each_input_moves_the_condition() -> None:
    torch.manual_seed(0)
    batch = random_batch(3)
    encoder = ConditionEncoder(temporal_steps=HORIZON, hidden_dim=16, condition_dim=32).eval()
    base = encoder(batch["history"], batch["reviews"], batch["temporal"])
    for name in ("history", "reviews", "temporal"):
        changed = {**batch, name: batch[name].roll(1, dims=-1)}
        moved = encoder(changed["history"], changed["reviews"], changed["temporal"])
        assert not torch.allclose(moved, base), name
