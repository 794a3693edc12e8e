"""The four trainers of seed 002, chosen by ``training.trainer_type``.

>>> sorted(TRAINERS)
['accelerate', 'dp', 'mixed_precision', 'standard']
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.tasks import resolve

if TYPE_CHECKING:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader

    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.data.dataset import VisionData
    from benchlab.vision.trainers.base import BaseTrainer

_PACKAGE = "benchlab.vision.trainers"
#: ``training.trainer_type`` → the trainer class, imported when chosen.
TRAINERS: dict[str, str] = {
    "standard": f"{_PACKAGE}.standard:StandardTrainer",
    "mixed_precision": f"{_PACKAGE}.mixed_precision:MixedPrecisionTrainer",
    "accelerate": f"{_PACKAGE}.accelerated:AccelerateTrainer",
    "dp": f"{_PACKAGE}.differential_privacy:DPTrainer",
}


def resolve_device(requested: str) -> str:
    """``training.device``: ``auto`` is CUDA when there is a GPU, else MPS, else the CPU."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": mps is not None and mps.is_available(),
    }
    if requested == "auto":
        return next(name for name in ("cuda", "mps", "cpu") if available[name])
    if not available[requested]:
        raise InputError(f"training.device: {requested} is not available on this machine")
    return requested


def get_trainer(
    config: VisionRunConfig,
    model: nn.Module,
    loaders: Mapping[str, DataLoader],
    *,
    device: str | torch.device,
    run_dir: str | Path,
    log: logging.Logger,
    data: VisionData | None = None,
    writer: Any | None = None,
) -> BaseTrainer:
    """The trainer ``config.training.trainer_type`` names, ready to :meth:`~BaseTrainer.fit`.

    ``data`` (classes, channels, image size, mean, std) goes into the checkpoints so inference
    and export can rebuild the network; ``writer`` is a TensorBoard ``SummaryWriter``.
    """
    trainer_class = resolve(TRAINERS[config.training.trainer_type])
    return trainer_class(
        config, model, loaders, device=device, run_dir=run_dir, log=log, data=data, writer=writer
    )
