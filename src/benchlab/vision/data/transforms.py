"""Image transforms (torchvision transforms v2): resize, the config's augmentation for training
images only, float conversion and normalisation.

The same transform serves a dataset item (a uint8 tensor C×H×W, or a batch N×C×H×W) and a single
PIL image at inference time::

    transform = build_transform(config, checkpoint, train=False)
    logits = model(transform(PIL.Image.open("x.png")).unsqueeze(0))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import torch
from torchvision.transforms import v2

if TYPE_CHECKING:
    from benchlab.vision.config import AugmentationConfig, VisionRunConfig


class ImageGeometry(Protocol):
    """What a transform needs to know: a :class:`~benchlab.vision.data.dataset.VisionData`, a
    checkpoint or anything else with these attributes."""

    channels: int
    image_size: tuple[int, int]
    mean: Sequence[float]
    std: Sequence[float]


class ConvertMode:
    """A PIL image as ``L`` (1 channel) or ``RGB`` (3); tensors pass through unchanged.

    A class rather than a lambda, so DataLoader workers can pickle it.
    """

    def __init__(self, channels: int) -> None:
        self.channels = channels

    def __call__(self, image: Any) -> Any:
        from PIL import Image

        from benchlab.vision.data.images import _to_mode

        if isinstance(image, Image.Image):
            return _to_mode(image, "L" if self.channels == 1 else "RGB")
        return image

    def __repr__(self) -> str:
        return f"ConvertMode(channels={self.channels})"


class ImageTransform(v2.Compose):
    """A composed transform that also says whether it is ``random`` (draws on each call).

    A dataset applies a transform that is not random once, to all its images at once.
    """

    def __init__(self, transforms: Sequence[Any], *, random: bool) -> None:
        super().__init__(list(transforms))
        self.random = random


def augmentations(augmentation: AugmentationConfig, channels: int) -> list[Any]:
    """The random transforms the ``augmentation:`` section asks for (resizing crops aside)."""
    steps: list[Any] = []
    if augmentation.horizontal_flip:
        steps.append(v2.RandomHorizontalFlip())
    if augmentation.rotation_degrees > 0:
        steps.append(v2.RandomRotation(augmentation.rotation_degrees))
    if augmentation.color_jitter > 0:
        strength = augmentation.color_jitter
        saturation = strength if channels == 3 else None
        steps.append(v2.ColorJitter(brightness=strength, contrast=strength, saturation=saturation))
    return steps


def build_transform(
    config: VisionRunConfig, geometry: ImageGeometry, *, train: bool
) -> ImageTransform:
    """The transform of the training images (``train=True``: with the config's augmentation)
    or of validation, test and inference images: PIL image, array or uint8 tensor in, float32
    tensor C×H×W out, resized to ``geometry.image_size`` and normalised with its mean/std."""
    height, width = geometry.image_size
    size = [int(height), int(width)]
    augment = augmentations(config.augmentation, geometry.channels) if train else []
    crop = train and config.augmentation.random_resized_crop
    resize = (
        v2.RandomResizedCrop(size, scale=(0.8, 1.0), antialias=True)
        if crop
        else v2.Resize(size, antialias=True)
    )
    steps = [
        ConvertMode(geometry.channels),
        v2.ToImage(),
        resize,
        *augment,
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(mean=list(geometry.mean), std=list(geometry.std)),
    ]
    return ImageTransform(steps, random=bool(augment) or crop)
