"""A tiny WGAN-GP shape and random windows, so the model tests need no data files."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from benchlab.augment.models import architecture

HISTORY, HORIZON = 12, 7


def tiny_architecture(**changes: int) -> dict[str, int]:
    shape = {
        "horizon": HORIZON,
        "temporal_steps": HORIZON,
        "noise_dim": 4,
        "hidden_dim": 16,
        "condition_dim": 24,
        "temporal_dim": 8,
        "review_dim": 2,
        "discriminator_channels": 4,
    }
    return architecture(**{**shape, **changes})


def random_batch(n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """``n`` windows of uniform scaled sales, a one-hot calendar and review features."""
    gen = torch.Generator().manual_seed(seed)
    days = (torch.arange(HORIZON) + seed) % 7
    temporal = torch.zeros(n, HORIZON, 8)
    temporal[:, torch.arange(HORIZON), days] = 1.0
    temporal[:, :, 7] = (days >= 5).float()
    return {
        "history": torch.rand(n, HISTORY, generator=gen),
        "target": torch.rand(n, HORIZON, generator=gen),
        "temporal": temporal,
        "reviews": torch.rand(n, 2, generator=gen),
    }


class RandomWindows(Dataset):
    """:func:`random_batch` as a map-style dataset of dicts (what ``SalesDataset`` returns)."""

    def __init__(self, n: int, seed: int = 0) -> None:
        self.batch = random_batch(n, seed)

    def __len__(self) -> int:
        return self.batch["history"].shape[0]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {key: value[index] for key, value in self.batch.items()}


def loaders(n_train: int = 64, n_val: int = 32, batch_size: int = 32) -> dict[str, DataLoader]:
    return {
        "train_dataloaders": DataLoader(RandomWindows(n_train, 0), batch_size=batch_size),
        "val_dataloaders": DataLoader(RandomWindows(n_val, 1), batch_size=batch_size),
    }
