"""Vision fixtures: the digits written once per session with 2-fold splits, and a small config."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.digits import write_digits
from benchlab.vision.data.splits import write_splits

DIGITS_FOLDS = 2


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
