"""Checkpoints: the full state round-trips, loads weights-only, and is checked before loading."""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.errors import InputError
from benchlab.runs import sha256_file
from benchlab.vision.checkpoints import (
    Checkpoint,
    build_model,
    capture_rng,
    digest_path,
    load_checkpoint,
    restore_rng,
    save_checkpoint,
)
from benchlab.vision.config import VisionModelConfig
from benchlab.vision.models import create_model


def small_checkpoint(**changes: object) -> Checkpoint:
    torch.manual_seed(0)
    model = create_model(VisionModelConfig(), num_classes=3, channels=1, image_size=(8, 8))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(4, 1, 8, 8)).sum().backward()
    optimizer.step()
    fields = {
        "model_state": model.state_dict(),
        "config": {"task": "vision", "model": {"type": "custom", "dropout": 0.2}},
        "classes": ["a", "b", "c"],
        "channels": 1,
        "image_size": (8, 8),
        "mean": [0.5],
        "std": [0.25],
        "epoch": 2,
        "best_metric": 0.75,
        "best_epoch": 1,
        "history": [{"epoch": 1.0, "val_accuracy": 0.75}, {"epoch": 2.0, "val_accuracy": 0.5}],
        "optimizer_state": optimizer.state_dict(),
        "scheduler_state": {"last_epoch": 2, "base_lrs": [0.01]},
        "rng": capture_rng(torch.Generator().manual_seed(5)),
        "trainer_state": {"trainer_type": "standard"},
        **changes,
    }
    return Checkpoint(**fields)


def test_round_trip_keeps_the_full_state(tmp_path: Path) -> None:
    state = small_checkpoint()
    path = save_checkpoint(tmp_path / "weights" / "last.pt", state)
    assert digest_path(path).read_text().split() == [
        sha256_file(path),
        "last.pt",
    ]
    loaded = load_checkpoint(path)
    assert loaded.path == path
    assert (loaded.classes, loaded.channels, loaded.image_size) == (["a", "b", "c"], 1, (8, 8))
    assert (loaded.mean, loaded.std, loaded.epoch) == ([0.5], [0.25], 2)
    assert (loaded.best_metric, loaded.best_epoch, loaded.history) == (0.75, 1, state.history)
    assert loaded.scheduler_state == state.scheduler_state
    assert loaded.trainer_state == {"trainer_type": "standard"}
    for name, tensor in state.model_state.items():
        assert torch.equal(loaded.model_state[name], tensor), name
    moments = loaded.optimizer_state["state"][0]["exp_avg"]
    assert torch.equal(moments, state.optimizer_state["state"][0]["exp_avg"])
    assert torch.equal(loaded.rng["generator"], state.rng["generator"])
    assert loaded.rng["numpy"] == state.rng["numpy"]


def test_build_model_rebuilds_the_network_without_the_data(tmp_path: Path) -> None:
    state = small_checkpoint()
    model = build_model(load_checkpoint(save_checkpoint(tmp_path / "best.pt", state)))
    assert not model.training
    reference = create_model(VisionModelConfig(), num_classes=3, channels=1, image_size=(8, 8))
    reference.load_state_dict(state.model_state)
    reference.eval()
    images = torch.randn(5, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(model(images), reference(images))


def test_a_changed_file_fails_its_sha256_check(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "best.pt", small_checkpoint())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"best\.pt fails its SHA-256 check"):
        load_checkpoint(path)


def test_a_file_without_its_digest_is_refused(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "best.pt", small_checkpoint())
    digest_path(path).unlink()
    with pytest.raises(InputError, match=r"best\.pt: no best\.pt\.sha256"):
        load_checkpoint(path)


def with_digest(path: Path) -> Path:
    digest_path(path).write_text(f"{sha256_file(path)}  {path.name}\n")
    return path


def test_a_torch_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, path)
    with pytest.raises(InputError, match=r"model\.pt is not a benchlab vision checkpoint"):
        load_checkpoint(with_digest(path))


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.pt"
    path.write_bytes(os.urandom(256))
    with pytest.raises(InputError, match=r"noise\.pt is not a benchlab vision checkpoint"):
        load_checkpoint(with_digest(path))


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_malicious_pickle_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "evil.pt"
    with path.open("wb") as handle:
        pickle.dump({"format": "benchlab.vision.checkpoint", "x": _Payload(marker)}, handle, 2)
    with pytest.raises(InputError, match=r"evil\.pt"):
        load_checkpoint(with_digest(path))
    assert not marker.exists()


def test_a_missing_checkpoint_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing\.pt does not exist"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_random_states_are_restored(tmp_path: Path) -> None:
    generator = torch.Generator().manual_seed(11)
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    state = capture_rng(generator)
    first = (random.random(), np.random.rand(), torch.rand(1), torch.rand(1, generator=generator))
    save_checkpoint(tmp_path / "rng.pt", small_checkpoint(rng=state))

    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    generator.manual_seed(9)
    restore_rng(load_checkpoint(tmp_path / "rng.pt").rng, generator)
    again = (random.random(), np.random.rand(), torch.rand(1), torch.rand(1, generator=generator))
    assert first[:2] == again[:2]
    assert torch.equal(first[2], again[2]) and torch.equal(first[3], again[3])
