"""Torch datasets over :class:`~benchlab.augment.data.windows.WindowArrays`.

An item is a dict of float32 tensors ``{"history": [H], "target": [F], "temporal": [F, 8],
"reviews": [2]}``; indexing with a list (or tensor) of positions returns the whole batch at once
(``[B, H]`` …), which :func:`benchlab.neural.data.batch_loader` uses so no per-window
collation runs.
:class:`AugmentedSalesDataset` adds ``"synthetic"`` (1.0 for a generated window, 0.0 for a real
one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from benchlab.augment.data.windows import WindowArrays
from benchlab.errors import InputError

Index = int | Sequence[int] | np.ndarray | torch.Tensor
FIELDS = ("history", "target", "temporal", "reviews")


class SalesDataset(Dataset):
    """Real windows of one split."""

    def __init__(self, windows: WindowArrays) -> None:
        self.windows = windows
        self.tensors = {name: torch.from_numpy(getattr(windows, name)) for name in FIELDS}

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: Index) -> dict[str, torch.Tensor]:
        return {name: values[index] for name, values in self.tensors.items()}


class AugmentedSalesDataset(SalesDataset):
    """Real windows followed by synthetic ones (same history/horizon), flagged ``synthetic``."""

    def __init__(self, real: WindowArrays, synthetic: WindowArrays) -> None:
        for name in FIELDS:
            a, b = getattr(real, name).shape[1:], getattr(synthetic, name).shape[1:]
            if a != b:
                raise InputError(
                    f"synthetic windows do not match the real ones: '{name}' has shape {b}, "
                    f"the real windows {a}"
                )
        super().__init__(real)
        self.real, self.synthetic = real, synthetic
        for name in FIELDS:
            extra = torch.from_numpy(getattr(synthetic, name))
            self.tensors[name] = torch.cat([self.tensors[name], extra])
        flags = np.concatenate([np.zeros(len(real)), np.ones(len(synthetic))])
        self.tensors["synthetic"] = torch.from_numpy(flags.astype(np.float32))

    def __len__(self) -> int:
        return len(self.real) + len(self.synthetic)
