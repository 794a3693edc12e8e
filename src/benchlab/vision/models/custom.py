"""Seed 002's custom networks (``model.type: custom``): small CNNs that fit any image size.

Each pools only while the feature map is at least 4 pixels on its short side and ends with a
global average pool, so the same class takes 8×8 digits and 224×224 photographs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

#: BatchNorm's running statistics follow recent batches closely: on small data an epoch has few
#: batches, and with torch's 0.1 the statistics of the first epochs lag the fast-changing
#: activations (digits, 12 batches an epoch: validation accuracy 0.10 after epoch 1 with 0.1,
#: 0.94 with 0.3; the same 99 % test accuracy either way after 20 epochs).
BATCHNORM_MOMENTUM = 0.3


def _pooled(size: tuple[int, int]) -> bool:
    return min(size) >= 4


class SimpleCNN(nn.Module):
    """Three blocks of two 3×3 conv-BN-ReLU layers (32, 64, 128 channels), max-pooled while the
    map is large enough, then global average pool, dropout and a linear classifier."""

    description = "3 blocks of 2 conv-BN-ReLU (32/64/128 ch), global pool, dropout, linear"

    def __init__(
        self,
        num_classes: int,
        *,
        channels: int = 3,
        image_size: tuple[int, int] = (224, 224),
        dropout: float = 0.2,
        widths: tuple[int, ...] = (32, 64, 128),
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        size, width_in = image_size, channels
        for width in widths:
            for first in (True, False):
                layers += [
                    nn.Conv2d(width_in if first else width, width, 3, padding=1, bias=False),
                    nn.BatchNorm2d(width, momentum=BATCHNORM_MOMENTUM),
                    nn.ReLU(inplace=True),
                ]
            if _pooled(size):
                layers.append(nn.MaxPool2d(2))
                size = (size[0] // 2, size[1] // 2)
            width_in = width
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(width_in, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)))


class TinyNet(nn.Module):
    """Two 3×3 conv-ReLU layers (16, 32 channels), global average pool, dropout, linear: a
    network for smoke tests and very small data."""

    description = "2 conv-ReLU layers (16/32 ch), global pool, dropout, linear; for smoke tests"

    def __init__(
        self,
        num_classes: int,
        *,
        channels: int = 3,
        image_size: tuple[int, int] = (224, 224),
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        pool: nn.Module = nn.MaxPool2d(2) if _pooled(image_size) else nn.Identity()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            pool,
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(inplace=True),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(32, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)))


#: ``model.custom_architecture`` → builder(num_classes, *, channels, image_size, dropout).
CUSTOM_MODELS: dict[str, Callable[..., nn.Module]] = {"simple_cnn": SimpleCNN, "tiny_net": TinyNet}
