"""Datasets over index files: the images of one split, labelled by their class folder.

Small splits are decoded once and kept in memory (``preload``), so training on the digits does
not decode a PNG per item per epoch; a deterministic transform (validation, test, or training
without augmentation) is then applied once to the whole split. Large splits are read from disk
item by item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import Dataset

from benchlab.errors import InputError
from benchlab.vision.data.images import infer_geometry, read_image
from benchlab.vision.data.splits import SplitIndex, class_of, read_split

if TYPE_CHECKING:
    from benchlab.vision.config import VisionRunConfig

PRELOAD_MAX_BYTES = 256 * 2**20
"""A split whose decoded pixels (uint8) fit in this many bytes is kept in memory; the same
bound applies to its transformed float32 copy."""

STATS_MAX_IMAGES = 4096
"""Mean and std are measured on at most this many training images (a seeded sample)."""


class IndexedImageDataset(Dataset):
    """The images an index file lists, as ``(float tensor C×H×W, int label)``.

    ``relative_paths`` are relative to ``data_dir`` (``raw/<class>/<file>``); the label is the
    index of the class folder in ``classes``. Each image is read as ``channels`` channels and
    resized to ``image_size`` = (height, width), then passed (as a uint8 tensor) through
    ``transform``; without one, pixels are scaled to [0, 1]. ``preload=None`` keeps the decoded
    split in memory when it fits in :data:`PRELOAD_MAX_BYTES`.
    """

    def __init__(
        self,
        data_dir: str | Path,
        relative_paths: Sequence[str],
        classes: Sequence[str],
        *,
        transform: Callable[[Any], torch.Tensor] | None = None,
        channels: int,
        image_size: tuple[int, int],
        preload: bool | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.paths = list(relative_paths)
        self.classes = list(classes)
        self.channels = int(channels)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        index = {name: i for i, name in enumerate(self.classes)}
        unknown = next((p for p in self.paths if class_of(p) not in index), None)
        if unknown is not None:
            raise InputError(f"{self.data_dir / unknown}: class {class_of(unknown)!r} is unknown")
        self.labels = [index[class_of(path)] for path in self.paths]
        height, width = self.image_size
        self._bytes = len(self.paths) * self.channels * height * width
        self.preloaded = self._bytes <= PRELOAD_MAX_BYTES if preload is None else bool(preload)
        self._pixels = self._decode_all() if self.preloaded else None
        self._ready: torch.Tensor | None = None
        self._transform: Callable[[Any], torch.Tensor] | None = None
        self.transform = transform

    @property
    def transform(self) -> Callable[[Any], torch.Tensor] | None:
        return self._transform

    @transform.setter
    def transform(self, transform: Callable[[Any], torch.Tensor] | None) -> None:
        """Set the transform; a preloaded split with a transform that is not random is
        transformed here, once, as a batch."""
        self._transform = transform
        self._ready = None
        fixed = transform is None or getattr(transform, "random", True) is False
        if self._pixels is not None and fixed and self._bytes * 4 <= PRELOAD_MAX_BYTES:
            self._ready = self._apply(self._pixels)

    def __len__(self) -> int:
        return len(self.paths)

    def path(self, index: int) -> Path:
        return self.data_dir / self.paths[index]

    def pixels(self, index: int) -> torch.Tensor:
        """Image ``index`` as a uint8 tensor C×H×W, resized (before any transform)."""
        if self._pixels is not None:
            return self._pixels[index]
        return self._decode(index)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        if self._ready is not None:
            return self._ready[index], self.labels[index]
        return self._apply(self.pixels(index)), self.labels[index]

    def _apply(self, pixels: torch.Tensor) -> torch.Tensor:
        if self._transform is None:
            return pixels.float().div_(255.0)
        return self._transform(pixels).as_subclass(torch.Tensor)

    def _decode(self, index: int) -> torch.Tensor:
        image = read_image(self.path(index), channels=self.channels, image_size=self.image_size)
        array = np.asarray(image, dtype=np.uint8)
        if array.ndim == 2:
            array = array[:, :, None]
        return torch.from_numpy(array.transpose(2, 0, 1).copy())

    def _decode_all(self) -> torch.Tensor:
        height, width = self.image_size
        pixels = torch.empty((len(self.paths), self.channels, height, width), dtype=torch.uint8)
        for index in range(len(self.paths)):
            pixels[index] = self._decode(index)
        return pixels

    def channel_stats(self, *, seed: int = 0) -> tuple[list[float], list[float]]:
        """Per-channel mean and std of the pixels in [0, 1], over at most
        :data:`STATS_MAX_IMAGES` images (a seeded sample); a flat channel gets std 1."""
        count = len(self)
        if count == 0:
            raise InputError(f"{self.data_dir}: no images to measure mean and std on")
        chosen = np.arange(count)
        if count > STATS_MAX_IMAGES:
            chosen = np.sort(np.random.default_rng(seed).choice(count, STATS_MAX_IMAGES, False))
        total = torch.zeros(self.channels, dtype=torch.float64)
        squares = torch.zeros(self.channels, dtype=torch.float64)
        for start in range(0, len(chosen), 512):
            batch = torch.stack([self.pixels(int(i)) for i in chosen[start : start + 512]])
            values = batch.to(torch.float64).div_(255.0)
            total += values.sum(dim=(0, 2, 3))
            squares += values.square().sum(dim=(0, 2, 3))
        n = len(chosen) * self.image_size[0] * self.image_size[1]
        mean = total / n
        std = (squares / n - mean.square()).clamp_min(0.0).sqrt()
        std = torch.where(std > 1e-6, std, torch.ones_like(std))
        return [round(float(v), 6) for v in mean], [round(float(v), 6) for v in std]


@dataclass
class VisionData:
    """The three datasets of one fold and what a model needs to know about their images."""

    train: IndexedImageDataset
    val: IndexedImageDataset
    test: IndexedImageDataset
    classes: list[str]
    channels: int
    image_size: tuple[int, int]
    mean: list[float]
    std: list[float]
    split: SplitIndex

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def create_datasets(config: VisionRunConfig, *, preload: bool | None = None) -> VisionData:
    """The train/val/test datasets of ``config.data.fold``, with their transforms.

    Channels, image size, mean and std come from the config, or, where it leaves them None,
    from the training images only (never the validation or test images).
    """
    from benchlab.vision.data.transforms import build_transform

    data_cfg = config.data
    split = read_split(data_cfg.data_dir, data_cfg.fold)
    classes = split.classes
    if data_cfg.classes is not None and list(data_cfg.classes) != classes:
        raise InputError(
            f"{data_cfg.splits_dir}: the index files name the classes {classes}, the config's "
            f"data.classes are {list(data_cfg.classes)}"
        )
    wanted = config.model.num_classes
    if wanted is not None and wanted != len(classes):
        raise InputError(
            f"{data_cfg.splits_dir}: the index files name {len(classes)} classes but "
            f"model.num_classes is {wanted}"
        )
    channels, image_size = data_cfg.channels, data_cfg.image_size
    if channels is None or image_size is None:
        found_channels, found_size = infer_geometry([data_cfg.data_dir / p for p in split.train])
        channels = channels or found_channels
        image_size = image_size or found_size
    for name, values in (("mean", data_cfg.mean), ("std", data_cfg.std)):
        if values is not None and len(values) != channels:
            raise InputError(f"data.{name} has {len(values)} values for {channels} channel(s)")
    if data_cfg.std is not None and any(v <= 0 for v in data_cfg.std):
        raise InputError(f"data.std must be positive, got {data_cfg.std}")

    def dataset(paths: list[str]) -> IndexedImageDataset:
        return IndexedImageDataset(
            data_cfg.data_dir,
            paths,
            classes,
            channels=channels,
            image_size=image_size,
            preload=preload,
        )

    train, val, test = dataset(split.train), dataset(split.val), dataset(split.test)
    mean, std = data_cfg.mean, data_cfg.std
    if mean is None or std is None:
        measured_mean, measured_std = train.channel_stats(seed=config.seed)
        mean = mean or measured_mean
        std = std or measured_std
    data = VisionData(
        train=train,
        val=val,
        test=test,
        classes=list(classes),
        channels=int(channels),
        image_size=(int(image_size[0]), int(image_size[1])),
        mean=list(mean),
        std=list(std),
        split=split,
    )
    train.transform = build_transform(config, data, train=True)
    val.transform = build_transform(config, data, train=False)
    test.transform = build_transform(config, data, train=False)
    return data
