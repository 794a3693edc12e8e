"""Transforms: augmentation for training only, one pipeline for tensors and PIL images."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.transforms import build_transform


@dataclass
class Geometry:
    channels: int = 1
    image_size: tuple[int, int] = (8, 8)
    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.25,)


def config(**augmentation: object) -> VisionRunConfig:
    return VisionRunConfig.model_validate(
        {"data": {"data_dir": "data/x"}, "augmentation": augmentation}
    )


def test_eval_transform_resizes_scales_and_normalises_any_input() -> None:
    transform = build_transform(config(rotation_degrees=30), Geometry(), train=False)
    assert transform.random is False
    pixels = np.full((16, 12, 3), 255, dtype=np.uint8)
    for given in (Image.fromarray(pixels), Image.fromarray(pixels).convert("LA")):
        out = transform(given)
        assert out.shape == (1, 8, 8) and out.dtype == torch.float32
        assert torch.allclose(out, torch.full((1, 8, 8), (1.0 - 0.5) / 0.25))
    batch = torch.zeros((4, 1, 8, 8), dtype=torch.uint8)
    assert torch.allclose(transform(batch), torch.full((4, 1, 8, 8), -2.0))


def test_train_transform_is_random_only_with_augmentation() -> None:
    geometry = Geometry(channels=3, mean=(0.5,) * 3, std=(0.5,) * 3)
    assert build_transform(config(), geometry, train=True).random is False
    for augmentation in (
        {"horizontal_flip": True},
        {"rotation_degrees": 45},
        {"color_jitter": 0.4},
        {"random_resized_crop": True},
    ):
        transform = build_transform(config(**augmentation), geometry, train=True)
        assert transform.random is True
        image = torch.randint(
            0, 256, (3, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
        )
        torch.manual_seed(0)
        outs = [transform(image) for _ in range(8)]
        assert all(o.shape == (3, 8, 8) for o in outs)
        assert any(not torch.equal(outs[0], o) for o in outs[1:]), augmentation
        torch.manual_seed(0)
        assert torch.equal(transform(image), outs[0])  # seeded: repeatable
