"""The four trainers on the digits (CPU, one short epoch each) and what each adds."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from benchlab.errors import InputError
from benchlab.vision.checkpoints import build_model, load_checkpoint, save_checkpoint
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.models.custom import SimpleCNN, TinyNet
from benchlab.vision.trainers import TRAINERS, get_trainer
from benchlab.vision.trainers.base import TrainHistory
from benchlab.vision.trainers.mixed_precision import MixedPrecisionTrainer
from benchlab.vision.training import fit_model, prepare_training, training_session

EPOCH_KEYS = {"val_accuracy", "val_loss", "train_loss", "train_accuracy"}
log = logging.getLogger("benchlab.vision.test")


def trainer_config(
    digits_config: VisionRunConfig, trainer: str, **training: object
) -> VisionRunConfig:
    raw = digits_config.to_raw()
    raw["model"]["custom_architecture"] = "tiny_net"
    raw["training"].update({"trainer_type": trainer, "num_epochs": 1, **training})
    return VisionRunConfig.model_validate(raw)


def adam_steps(optimizer: torch.optim.Optimizer) -> int:
    return int(next(iter(optimizer.state.values()))["step"])


@pytest.mark.parametrize("trainer", sorted(TRAINERS))
def test_every_trainer_trains_and_checkpoints_on_cpu(
    digits_config: VisionRunConfig, trainer: str, tmp_path: Path
) -> None:
    config = trainer_config(digits_config, trainer)
    result = fit_model(config, prepare_training(config), tmp_path)
    assert type(result.trainer).name == trainer
    metrics = result.history.epochs[0]
    assert set(metrics) >= EPOCH_KEYS and result.history.completed == 1
    assert 0 <= metrics["val_accuracy"] <= 1 and math.isfinite(metrics["train_loss"])
    assert isinstance(result.trainer.core_model(), TinyNet)
    saved = load_checkpoint(tmp_path / "weights/last.pt")
    assert saved.trainer_state["trainer_type"] == trainer
    model = build_model(saved)
    images = torch.randn(3, 1, 8, 8)
    reference = result.trainer.core_model().cpu().eval()
    with torch.no_grad():
        assert torch.allclose(model(images), reference(images))
    if trainer == "dp":
        assert metrics["epsilon"] > 0


def test_standard_trainer_warns_that_it_does_not_accumulate(
    digits_config: VisionRunConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = trainer_config(digits_config, "standard", gradient_accumulation_steps=2)
    prepared = prepare_training(config)
    with caplog.at_level(logging.WARNING, logger="benchlab"):
        result = fit_model(config, prepared, tmp_path)
    assert "accelerate trainer only" in caplog.text
    assert adam_steps(result.trainer.optimizer) == len(prepared.loaders["train"])


def test_accelerate_accumulates_gradients(digits_config: VisionRunConfig, tmp_path: Path) -> None:
    config = trainer_config(digits_config, "accelerate", gradient_accumulation_steps=3)
    prepared = prepare_training(config)
    batches = len(prepared.loaders["train"])
    result = fit_model(config, prepared, tmp_path)
    assert adam_steps(result.trainer.optimizer) == math.ceil(batches / 3) < batches


def test_mixed_precision_on_cpu_uses_bfloat16_autocast(
    digits_config: VisionRunConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """float16 on the CPU falls back to bfloat16 (logged); no GradScaler off CUDA."""
    config = trainer_config(digits_config, "mixed_precision", amp_dtype="float16", device="cpu")
    prepared = prepare_training(config)
    with caplog.at_level(logging.WARNING, logger="benchlab"), training_session(config):
        trainer = get_trainer(
            config, prepared.model, prepared.loaders, device="cpu", run_dir=tmp_path, log=log
        )
    assert "using bfloat16 instead" in caplog.text
    assert isinstance(trainer, MixedPrecisionTrainer) and trainer.scaler is None
    assert trainer.amp_dtype == torch.bfloat16
    with trainer.autocast():
        assert trainer.model(torch.randn(2, 1, 8, 8)).dtype == torch.bfloat16


@pytest.mark.skipif(not torch.cuda.is_available(), reason="GradScaler is for float16 on CUDA")
def test_mixed_precision_float16_on_cuda_scales_the_loss(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = trainer_config(digits_config, "mixed_precision", amp_dtype="float16", device="cuda")
    result = fit_model(config, prepare_training(config), tmp_path)
    assert result.trainer.amp_dtype == torch.float16 and result.trainer.scaler is not None
    assert "scaler" in load_checkpoint(tmp_path / "weights/last.pt").trainer_state


def test_dp_with_a_target_epsilon_spends_at_most_it(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = trainer_config(
        digits_config, "dp", dp={"target_epsilon": 5.0, "noise_multiplier": None}
    )
    result = fit_model(config, prepare_training(config), tmp_path)
    spent = result.history.epochs[-1]["epsilon"]
    assert 0 < spent <= 5.0 * 1.01
    assert result.trainer.optimizer.noise_multiplier > 0


def test_dp_needs_noise_or_a_target(digits_config: VisionRunConfig, tmp_path: Path) -> None:
    config = trainer_config(digits_config, "dp", dp={"noise_multiplier": None})
    with pytest.raises(InputError, match="noise_multiplier or target_epsilon"):
        fit_model(config, prepare_training(config), tmp_path)


def test_dp_replaces_batchnorm_and_its_checkpoint_rebuilds_the_network(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    raw = digits_config.to_raw()
    raw["training"]["trainer_type"] = "dp"
    config = VisionRunConfig.model_validate(raw)
    prepared = prepare_training(config)
    with training_session(config):
        trainer = get_trainer(
            config,
            prepared.model,
            prepared.loaders,
            device="cpu",
            run_dir=tmp_path,
            log=log,
            data=prepared.data,
        )
    core = trainer.core_model()
    assert isinstance(core, SimpleCNN)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in core.modules())
    assert any(isinstance(m, nn.GroupNorm) for m in core.modules())
    path = save_checkpoint(tmp_path / "dp.pt", trainer.checkpoint(TrainHistory()))
    saved = load_checkpoint(path)
    assert saved.module_fix == "opacus"
    rebuilt = build_model(saved)
    images = torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(rebuilt(images), core.eval()(images))


def test_dp_resume_continues_the_privacy_accounting(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = trainer_config(digits_config, "dp", num_epochs=2)
    straight = fit_model(config, prepare_training(config), tmp_path / "straight")
    fit_model(config, prepare_training(config), tmp_path / "first", on_epoch_end=lambda e, m: True)
    resumed_config = config.model_copy(update={"resume": tmp_path / "first/weights/last.pt"})
    resumed = fit_model(resumed_config, prepare_training(resumed_config), tmp_path / "second")
    epsilons = resumed.history.series("epsilon")
    assert epsilons[0] < epsilons[1]
    assert epsilons == pytest.approx(straight.history.series("epsilon"))


def test_device_auto_and_an_unavailable_device() -> None:
    from benchlab.vision.trainers import resolve_device

    assert resolve_device("cpu") == "cpu"
    if torch.cuda.is_available():
        assert resolve_device("auto") == "cuda"
    else:
        assert resolve_device("auto") in ("cpu", "mps")
        with pytest.raises(InputError, match="training.device: cuda is not available"):
            resolve_device("cuda")
