"""Data loading every neural task shares: whole batches indexed at once, seeded shuffling.

Imported only by code that trains (it imports torch).
"""

from __future__ import annotations

import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


def batch_loader(
    data: Dataset, *, batch_size: int, shuffle: bool, seed: int, workers: int = 0
) -> DataLoader:
    """Whole batches indexed at once (``data[list_of_rows]``), not row by row then collated.

    Shuffling and the workers draw from generators seeded with ``seed``, never the global
    one, so the order (and the number of loader workers) gives the same batches in every run
    with that seed.
    """
    sampler: RandomSampler | SequentialSampler = (
        RandomSampler(data, generator=torch.Generator().manual_seed(seed))
        if shuffle
        else SequentialSampler(data)
    )
    return DataLoader(
        data,
        sampler=BatchSampler(sampler, batch_size, drop_last=False),
        batch_size=None,
        num_workers=workers,
        persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(seed),
    )
