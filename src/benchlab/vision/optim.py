"""Optimizers (SGD, Adam, AdamW) and per-epoch learning-rate schedules (step, cosine with linear
warmup, plateau) built from the config.

A schedule is stepped once per epoch (:meth:`EpochScheduler.step`, with the epoch's validation
loss for ``plateau``); its state dict goes into checkpoints, so a resumed run continues the
same schedule. ``step`` and ``cosine`` are pure functions of the epoch (a ``LambdaLR``):

>>> [round(cosine_factor(e, epochs=4, warmup=1, floor=0.0), 3) for e in range(4)]
[0.5, 1.0, 0.75, 0.25]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError

if TYPE_CHECKING:
    import torch

    from benchlab.vision.config import OptimizerConfig, SchedulerConfig


def create_optimizer(config: OptimizerConfig, parameters: Iterable[Any]) -> torch.optim.Optimizer:
    """``torch.optim.SGD`` (with momentum), ``Adam`` or ``AdamW`` over ``parameters``."""
    import torch

    params = [p for p in parameters if p.requires_grad]
    if config.name == "sgd":
        return torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    if config.name == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def warmup_factor(epoch: int, warmup: int) -> float:
    """Linear warmup: epoch ``e`` < ``warmup`` trains at ``(e + 1) / (warmup + 1)`` of the rate."""
    return (epoch + 1) / (warmup + 1)


def cosine_factor(epoch: int, *, epochs: int, warmup: int, floor: float) -> float:
    """Linear warmup, then half a cosine from 1 towards ``floor`` (reached one epoch after the
    last, so no epoch trains at the floor alone)."""
    if epoch < warmup:
        return warmup_factor(epoch, warmup)
    span = max(epochs - warmup, 1)
    progress = min((epoch - warmup) / span, 1.0)
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def step_factor(epoch: int, *, warmup: int, step_size: int, gamma: float) -> float:
    """Linear warmup, then ``gamma`` every ``step_size`` epochs."""
    if epoch < warmup:
        return warmup_factor(epoch, warmup)
    return gamma ** ((epoch - warmup) // step_size)


class EpochScheduler:
    """A learning-rate schedule stepped once per epoch; ``none`` keeps the rate."""

    def __init__(self, kind: str, scheduler: Any | None) -> None:
        self.kind = kind
        self.scheduler = scheduler

    def step(self, val_loss: float) -> None:
        if self.scheduler is None:
            return
        if self.kind == "plateau":
            self.scheduler.step(val_loss)
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any] | None:
        return None if self.scheduler is None else self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any] | None) -> None:
        if self.scheduler is not None and state is not None:
            self.scheduler.load_state_dict(state)


def create_scheduler(
    config: SchedulerConfig, optimizer: torch.optim.Optimizer, *, num_epochs: int
) -> EpochScheduler:
    """The schedule ``config.type`` names over ``num_epochs`` epochs."""
    import torch

    if config.type == "none":
        return EpochScheduler("none", None)
    if config.type == "plateau":
        if config.warmup_epochs:
            raise InputError(
                "scheduler.warmup_epochs works with the step and cosine schedules; plateau "
                "adapts the rate itself (set warmup_epochs: 0)"
            )
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=config.gamma,
            patience=config.patience,
            min_lr=config.min_lr,
        )
        return EpochScheduler("plateau", plateau)
    if config.type == "step":
        factor = partial(
            step_factor, warmup=config.warmup_epochs, step_size=config.step_size, gamma=config.gamma
        )
    else:
        base = optimizer.param_groups[0]["lr"]
        factor = partial(
            cosine_factor,
            epochs=num_epochs,
            warmup=config.warmup_epochs,
            floor=min(config.min_lr / base, 1.0),
        )
    return EpochScheduler(config.type, torch.optim.lr_scheduler.LambdaLR(optimizer, factor))
