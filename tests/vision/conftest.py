"""Vision fixtures: the digits written once per session with 2-fold splits, and a small config."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.digits import write_digits
from benchlab.vision.data.splits import write_splits

DIGITS_FOLDS = 2


def write_image_folder(
    root: Path,
    counts: Mapping[str, int],
    *,
    size: tuple[int, int] = (6, 5),
    mode: str = "L",
    suffix: str = ".png",
    seed: int = 0,
) -> Path:
    """``root/raw/<class>/<i><suffix>``: ``counts[class]`` random images of ``size`` (height,
    width) in PIL ``mode``; returns ``root``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    height, width = size
    bands = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    for name, count in counts.items():
        folder = root / "raw" / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            pixels = rng.integers(0, 256, size=(height, width, bands), dtype=np.uint8)
            image = Image.fromarray(pixels[:, :, 0] if bands == 1 else pixels, mode=mode)
            image.save(folder / f"{i}{suffix}")
    return root


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/digits`` with ``raw/<class>/<n>.png`` (seed 0) and 2-fold ``splits/`` (seed 0).

    Shared by the whole session: tests must not write into it.
    """
    data_dir = write_digits(tmp_path_factory.mktemp("vision") / "digits", seed=0)
    write_splits(data_dir / "raw", folds=DIGITS_FOLDS, seed=0)
    return data_dir


@pytest.fixture()
def digits_config(digits_dir: Path, tmp_path: Path) -> VisionRunConfig:
    """A validated config on the digits: custom simple_cnn, 2 epochs, batch 64, fold 0, runs
    under ``tmp_path/"runs"``, no tracking."""
    return VisionRunConfig.model_validate(
        {
            "task": "vision",
            "name": "digits",
            "seed": 0,
            "output_dir": str(tmp_path / "runs"),
            "tracking": {"enabled": False},
            "data": {"data_dir": str(digits_dir), "fold": 0},
            "model": {"type": "custom", "custom_architecture": "simple_cnn"},
            "training": {"num_epochs": 2, "batch_size": 64},
        }
    )
