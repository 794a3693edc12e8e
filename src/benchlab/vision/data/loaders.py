"""DataLoaders for one fold: a seeded shuffle for training, fixed order for val and test.

The train loader draws its order from its own ``torch.Generator`` (``loaders["train"].generator``),
so a run is reproducible and a checkpoint can store and restore where the shuffling stands.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import DataLoader

if TYPE_CHECKING:
    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.data.dataset import VisionData

SPLITS = ("train", "val", "test")


def seed_worker(worker_id: int) -> None:
    """Seed Python's and NumPy's generators in a DataLoader worker from its torch seed (which
    the loader derives from its generator), so random transforms repeat run to run."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def create_dataloaders(
    config: VisionRunConfig, data: VisionData, *, seed: int
) -> dict[str, DataLoader]:
    """``{"train", "val", "test"}`` loaders with ``config.training.batch_size`` and
    ``config.data.num_workers``; only the training one shuffles (seeded with ``seed``)."""
    workers = config.data.num_workers
    pin = config.training.device in ("auto", "cuda") and torch.cuda.is_available()
    generator = torch.Generator()
    generator.manual_seed(seed)
    loaders = {}
    for name in SPLITS:
        train = name == "train"
        loaders[name] = DataLoader(
            getattr(data, name),
            batch_size=config.training.batch_size,
            shuffle=train,
            generator=generator if train else None,
            num_workers=workers,
            worker_init_fn=seed_worker if workers else None,
            persistent_workers=workers > 0,
            pin_memory=pin,
        )
    return loaders
