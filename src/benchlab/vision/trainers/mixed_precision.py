"""``trainer_type: mixed_precision``: torch automatic mixed precision.

Forward passes run under ``torch.autocast(device_type, dtype=training.amp_dtype)``. float16 on
CUDA gets a ``torch.amp.GradScaler`` (its small range underflows gradients otherwise); bfloat16
has float32's range and needs none. On the CPU, float16 falls back to bfloat16 with a logged
warning: CPUs compute float16 mostly by emulation (slower, not faster) and the loss scaler is
CUDA's remedy, so bfloat16 is the CPU's mixed precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import torch

from benchlab.vision.trainers.base import BaseTrainer

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


def autocast_dtype(requested: str, device_type: str) -> torch.dtype:
    """The autocast dtype used for ``requested`` on ``device_type`` (float16 → bfloat16 on CPU).

    >>> autocast_dtype("float16", "cpu"), autocast_dtype("float16", "cuda")
    (torch.bfloat16, torch.float16)
    """
    if device_type == "cpu":
        return torch.bfloat16
    return _DTYPES[requested]


class MixedPrecisionTrainer(BaseTrainer):
    """Autocast forward passes; a GradScaler for float16 on CUDA."""

    name: ClassVar[str] = "mixed_precision"

    def setup(self) -> None:
        requested = self.config.training.amp_dtype
        device_type = self.device.type
        self.amp_dtype = autocast_dtype(requested, device_type)
        if requested == "float16" and self.amp_dtype != torch.float16:
            self.log.warning(
                "training.amp_dtype float16 on %s: using bfloat16 instead (float16 autocast is "
                "emulated on CPUs and its loss scaler is CUDA-only)",
                device_type,
            )
        use_scaler = self.amp_dtype == torch.float16 and device_type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if use_scaler else None
        self.log.info(
            "mixed precision: autocast %s on %s%s",
            str(self.amp_dtype).removeprefix("torch."),
            device_type,
            ", GradScaler" if self.scaler else "",
        )

    def autocast(self) -> AbstractContextManager[Any]:
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def train_batch(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.scaler is None:
            return super().train_batch(images, labels)
        self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            logits = self.model(images)
            loss = self.criterion(logits, labels)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach(), logits.detach()

    def trainer_state(self) -> dict[str, Any]:
        return {"scaler": self.scaler.state_dict()} if self.scaler is not None else {}

    def load_trainer_state(self, state: Mapping[str, Any]) -> None:
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
