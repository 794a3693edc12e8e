"""``fit_module``: any LightningModule, seeded, its best epoch restored, files only where asked."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch

from benchlab.errors import FitError, InputError
from benchlab.neural import TrainerSettings, fit_module, torch_session

from .conftest import LinearRegression, LineData, TrainOnlyData


def _train(seed: int, settings: TrainerSettings, **data: object) -> LinearRegression:
    with torch_session(n_threads=1, seed=seed):
        module = LinearRegression()
        fit_module(module, settings, **(data or {"datamodule": LineData()}))
    return module


def test_the_same_seed_trains_identical_weights() -> None:
    settings = TrainerSettings(max_epochs=3, accelerator="cpu")
    first = _train(0, settings).layer.weight.detach().clone()
    torch.testing.assert_close(_train(0, settings).layer.weight, first, rtol=0, atol=0)
    assert not torch.equal(_train(1, settings).layer.weight, first)


def test_the_best_epoch_is_restored_and_early_stopping_stops(loaders: dict) -> None:
    """Training pulls the weight from 0 towards 2; validation prefers 1, so the validation loss
    falls, then rises: the weights kept are the best epoch's, not the last one's."""
    module = LinearRegression(zero_init=True)
    outcome = fit_module(
        module, TrainerSettings(max_epochs=30, patience=2, accelerator="cpu"), **loaders
    )
    assert outcome.best_epoch is not None
    assert outcome.epochs_trained == outcome.best_epoch + 1 + 2 < 30
    weight = module.layer.weight.item()
    assert abs(weight - 1.0) < 0.25, weight
    x, y = loaders["val_dataloaders"].dataset.tensors
    val_loss = torch.nn.functional.mse_loss(module(x), y).item()
    assert outcome.best_score == pytest.approx(val_loss, rel=1e-5)


def test_log_dir_keeps_tensorboard_events_and_the_best_checkpoint(
    loaders: dict, tmp_path: Path
) -> None:
    module = LinearRegression(zero_init=True)
    settings = TrainerSettings(
        max_epochs=8,
        patience=None,
        accelerator="cpu",
        log_dir=tmp_path / "logs",
        name="line",
        hparams={"learning_rate": 0.1},
    )
    outcome = fit_module(module, settings, **loaders)
    assert outcome.epochs_trained == 8  # no early stopping
    assert outcome.log_dir is not None and outcome.log_dir.parent == tmp_path / "logs" / "line"
    assert list(outcome.log_dir.glob("events.out.tfevents.*"))
    assert (outcome.log_dir / "hparams.yaml").is_file()
    assert outcome.checkpoint == outcome.log_dir / "checkpoints" / "best.ckpt"
    saved = torch.load(outcome.checkpoint, map_location="cpu", weights_only=True)
    assert saved["epoch"] == outcome.best_epoch < 7
    for key, value in module.state_dict().items():
        torch.testing.assert_close(value, saved["state_dict"][key], rtol=0, atol=0)


def test_without_log_dir_nothing_is_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    scratch.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    module = LinearRegression()
    outcome = fit_module(
        module, TrainerSettings(max_epochs=2, accelerator="cpu"), datamodule=LineData()
    )
    assert outcome.best_epoch is not None  # a checkpoint was written and read back
    assert outcome.log_dir is None and outcome.checkpoint is None
    assert list(cwd.iterdir()) == [] and list(scratch.iterdir()) == []


def test_without_validation_every_epoch_runs_and_nothing_is_restored() -> None:
    outcome = fit_module(
        LinearRegression(),
        TrainerSettings(max_epochs=3, accelerator="cpu"),
        datamodule=TrainOnlyData(),
    )
    assert outcome.epochs_trained == 3
    assert outcome.best_epoch is None and outcome.best_score is None


def test_a_monitor_of_none_keeps_the_last_epoch(loaders: dict) -> None:
    outcome = fit_module(
        LinearRegression(),
        TrainerSettings(max_epochs=2, monitor=None, accelerator="cpu"),
        **loaders,
    )
    assert outcome.epochs_trained == 2 and outcome.best_epoch is None


def test_trainer_kwargs_reach_the_trainer(loaders: dict) -> None:
    outcome = fit_module(
        LinearRegression(),
        TrainerSettings(max_epochs=5, accelerator="cpu", trainer_kwargs={"max_steps": 2}),
        **loaders,
    )
    assert outcome.epochs_trained == 2  # one step per epoch, stopped by max_steps


def test_a_failing_step_is_a_fit_error() -> None:
    class Broken(LinearRegression):
        def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
            raise RuntimeError("exploded")

    with pytest.raises(FitError, match="broken: training failed: exploded"):
        fit_module(
            Broken(),
            TrainerSettings(max_epochs=1, accelerator="cpu", name="broken"),
            datamodule=LineData(),
        )


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is here")
def test_asking_for_a_missing_gpu_is_an_input_error() -> None:
    with pytest.raises(InputError, match="accelerator='cuda'"):
        fit_module(LinearRegression(), TrainerSettings(accelerator="cuda"), datamodule=LineData())


def test_checkpoints_every_n_epochs_keep_the_best_checked_and_the_last_checked(
    loaders: dict, tmp_path: Path
) -> None:
    settings = TrainerSettings(
        max_epochs=5,
        patience=None,
        accelerator="cpu",
        log_dir=tmp_path / "logs",
        checkpoint_every_n_epochs=2,
        save_last=True,
    )
    outcome = fit_module(LinearRegression(zero_init=True), settings, **loaders)
    assert outcome.epochs_trained == 5
    assert outcome.best_epoch is not None and outcome.best_epoch in (1, 3)  # epochs 2 and 4
    assert outcome.last_checkpoint == outcome.log_dir / "checkpoints" / "last.ckpt"
    last = torch.load(outcome.last_checkpoint, map_location="cpu", weights_only=True)
    assert last["epoch"] == 3  # the fifth epoch is not a checked one
