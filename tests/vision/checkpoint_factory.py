"""Benchlab vision checkpoints for tests that need one but no training (export, inference,
release): a seeded, untrained network on the digits, saved with its SHA-256 sidecar."""

from __future__ import annotations

from pathlib import Path

from benchlab.vision.config import VisionRunConfig


def digits_run_config(digits_dir: Path, output_dir: Path, **model: object) -> VisionRunConfig:
    """A small digits config (custom simple_cnn unless ``model`` says otherwise)."""
    return VisionRunConfig.model_validate(
        {
            "task": "vision",
            "name": "digits",
            "seed": 0,
            "output_dir": str(output_dir),
            "tracking": {"enabled": False},
            "data": {"data_dir": str(digits_dir), "fold": 0},
            "model": {"type": "custom", "custom_architecture": "simple_cnn", **model},
            "training": {"num_epochs": 1, "batch_size": 64},
        }
    )


def untrained_checkpoint(config: VisionRunConfig, path: Path, *, seed: int = 0) -> Path:
    """Save the config's network, freshly initialised with ``seed``, as a checkpoint at
    ``path`` (geometry, classes, mean and std from the config's data)."""
    import torch

    from benchlab.vision.checkpoints import Checkpoint, save_checkpoint
    from benchlab.vision.data.dataset import create_datasets
    from benchlab.vision.models import create_model

    data = create_datasets(config)
    torch.manual_seed(seed)
    model = create_model(
        config.model,
        num_classes=data.num_classes,
        channels=data.channels,
        image_size=data.image_size,
    )
    state = Checkpoint(
        model_state=model.state_dict(),
        config=config.to_raw(),
        classes=list(data.classes),
        channels=data.channels,
        image_size=tuple(data.image_size),
        mean=list(data.mean),
        std=list(data.std),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_checkpoint(path, state)
