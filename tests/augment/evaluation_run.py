"""A tiny evaluation config (2 seeds, 1 epoch, small forecaster) over a tiny GAN run, for the
evaluation's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchlab.augment.config import AugmentRunConfig
from benchlab.config import parse_run_config

from .gan_run import tiny_raw

EVALUATION: dict[str, Any] = {
    "seeds": [0, 1],
    "bootstrap_resamples": 200,
    "forecaster": {"hidden_size": 8, "num_layers": 1, "batch_size": 64, "max_epochs": 1},
}


def evaluation_raw(
    processed: Path, output_dir: Path, gan_run: Path | None, **sections: dict[str, Any]
) -> dict[str, Any]:
    """The tiny GAN config with ``stage: evaluate`` and the tiny evaluation section."""
    evaluation = {**EVALUATION, "gan_run": None if gan_run is None else str(gan_run)}
    raw = tiny_raw(processed, output_dir, generation={"samples_per_real": 2}, **sections)
    raw["stage"] = "evaluate"
    raw["evaluation"] = {**evaluation, **raw.get("evaluation", {})}
    return raw


def evaluation_config(
    processed: Path, output_dir: Path, gan_run: Path | None, **sections: dict[str, Any]
) -> AugmentRunConfig:
    return parse_run_config(evaluation_raw(processed, output_dir, gan_run, **sections))
