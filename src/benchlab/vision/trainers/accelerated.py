"""``trainer_type: accelerate``: Hugging Face Accelerate, with gradient accumulation.

``Accelerator(gradient_accumulation_steps=…, cpu=…)`` prepares the network, optimizer and
loaders; each batch runs inside ``accelerator.accumulate(model)`` and backpropagates with
``accelerator.backward``, so the optimizer steps once every ``gradient_accumulation_steps``
batches (and at the end of the epoch). The same code runs on one CPU, one GPU or, launched
with ``accelerate launch``, on several.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from benchlab.extras import require
from benchlab.vision.trainers.base import BaseTrainer


class AccelerateTrainer(BaseTrainer):
    """Training through ``accelerate.Accelerator``."""

    name: ClassVar[str] = "accelerate"
    accumulates: ClassVar[bool] = True

    def setup(self) -> None:
        accelerate = require("accelerate", "vision", what="the accelerate trainer")
        self.accelerator = accelerate.Accelerator(
            gradient_accumulation_steps=self.config.training.gradient_accumulation_steps,
            cpu=self.device.type == "cpu",
        )
        self.model, self.optimizer, self.train_loader, self.val_loader = self.accelerator.prepare(
            self.model, self.optimizer, self.train_loader, self.val_loader
        )
        self.device = self.accelerator.device
        self.log.info(
            "accelerate: %d process(es) on %s, gradient accumulation over %d batch(es)",
            self.accelerator.num_processes,
            self.device,
            self.accelerator.gradient_accumulation_steps,
        )

    def to_device(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return images, labels  # the prepared loaders place batches themselves

    def train_batch(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with self.accelerator.accumulate(self.model):
            logits = self.model(images)
            loss = self.criterion(logits, labels)
            self.accelerator.backward(loss)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        return loss.detach(), logits.detach()

    def core_model(self) -> nn.Module:
        return self.accelerator.unwrap_model(self.model)

    def finish(self) -> None:
        self.accelerator.wait_for_everyone()
        self.accelerator.end_training()
