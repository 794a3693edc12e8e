"""``trainer_type: standard``: plain PyTorch training (the shared loop as it is)."""

from __future__ import annotations

from typing import ClassVar

from benchlab.vision.trainers.base import BaseTrainer


class StandardTrainer(BaseTrainer):
    """Forward, cross-entropy, backward, optimizer step, batch after batch."""

    name: ClassVar[str] = "standard"
