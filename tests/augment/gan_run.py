"""A tiny GAN config and run on the shared ``olist_processed`` panel, for the GAN's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from benchlab.augment.config import AugmentRunConfig
from benchlab.config import parse_run_config

TINY: dict[str, Any] = {
    "task": "augment",
    "name": "tiny_gan",
    "seed": 3,
    "data": {"batch_size": 64},
    "model": {"noise_dim": 4, "hidden_dim": 8, "condition_dim": 16, "discriminator_channels": 4},
    "training": {"max_epochs": 1, "n_critic": 2, "accelerator": "cpu"},
    "tracking": {"enabled": False},
}


def tiny_raw(processed: Path, output_dir: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    """The tiny config as YAML data, each section updated with ``sections``."""
    raw = {key: dict(value) if isinstance(value, dict) else value for key, value in TINY.items()}
    raw["data"]["processed_dir"] = str(processed)
    raw["output_dir"] = str(output_dir)
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    return raw


def tiny_config(processed: Path, output_dir: Path, **sections: dict[str, Any]) -> AugmentRunConfig:
    return parse_run_config(tiny_raw(processed, output_dir, **sections))


def write_tiny_config(path: Path, processed: Path, output_dir: Path, **sections: Any) -> Path:
    path.write_text(yaml.safe_dump(tiny_raw(processed, output_dir, **sections)))
    return path


def train_tiny_gan(processed: Path, output_dir: Path, **sections: dict[str, Any]) -> Any:
    """Run the tiny config through the engine runner; the ``RunSummary``."""
    from benchlab.runner import run_task

    return run_task(tiny_config(processed, output_dir, **sections), progress=False)
