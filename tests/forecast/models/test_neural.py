"""Pieces shared by the neural models: scaling, losses, training side effects, logs, devices."""

from __future__ import annotations

import logging
import pickle
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.errors import InputError
from benchlab.forecast.model_types import create_model
from benchlab.forecast.models._nets import monotone, pinball_loss
from benchlab.forecast.models.base import ForecastModel
from benchlab.forecast.models.lightning_mlp import LightningStandard
from benchlab.forecast.models.lstm import LSTM
from benchlab.forecast.models.neural import FeatureScaler, TargetScaler, validation_size
from benchlab.neural import uses_gpu

from .conftest import SEASON, Panel

TINY_MLP = {"hidden_sizes": [8], "max_epochs": 3, "batch_size": 64}
TINY_LSTM = {"hidden_size": 8, "input_size": 14, "output_size": 7, "max_epochs": 3}


def _fit(name: str, panel: Panel, **params: object) -> ForecastModel:
    model = create_model(name, **params)
    if model.info.input_kind == "features":
        return model.fit(panel.X_train, panel.y_train)
    return model.fit_series(panel.train_y, panel.train_indptr, season_length=SEASON)


# --- scaling -------------------------------------------------------------------------------------
def test_feature_scaler_fills_with_the_median_then_standardises() -> None:
    X = np.array(
        [[1.0, np.nan, 5.0], [2.0, np.nan, 5.0], [np.nan, np.nan, 5.0], [9.0, np.nan, 5.0]]
    )
    scaler = FeatureScaler.fit(X)
    np.testing.assert_array_equal(scaler.medians, [2.0, 0.0, 5.0])
    filled = np.array([1.0, 2.0, 2.0, 9.0])
    np.testing.assert_allclose(scaler.means, [filled.mean(), 0.0, 5.0])
    np.testing.assert_allclose(scaler.stds, [filled.std(), 1.0, 1.0])  # constant → 1
    Z = scaler.transform(X)
    assert Z.dtype == np.float32 and np.isfinite(Z).all()
    np.testing.assert_allclose(Z[:, 0], (filled - filled.mean()) / filled.std(), rtol=1e-6)
    np.testing.assert_array_equal(Z[:, 1:], 0.0)
    again = FeatureScaler.from_dict(scaler.to_dict())
    np.testing.assert_array_equal(again.transform(X), Z)


def test_target_scaler_round_trips_and_survives_a_constant_target() -> None:
    y = np.array([3.0, 5.0, 10.0])
    scaler = TargetScaler.fit(y)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(y)), y, rtol=1e-6)
    assert TargetScaler.fit(np.full(4, 7.0)) == TargetScaler(7.0, 1.0)


@pytest.mark.parametrize(
    ("n", "fraction", "expected"), [(100, 0.1, 10), (7, 0.1, 1), (2, 0.9, 1), (1, 0.5, 0)]
)
def test_validation_size_keeps_a_row_on_each_side(n: int, fraction: float, expected: int) -> None:
    assert validation_size(n, fraction) == expected


# --- losses and heads ----------------------------------------------------------------------------
def test_pinball_loss_weights_under_and_over_prediction_by_alpha() -> None:
    target = torch.tensor([10.0])
    alphas = torch.tensor([0.1, 0.9])
    under = pinball_loss(torch.tensor([[8.0, 8.0]]), target, alphas)  # both 2 too low
    over = pinball_loss(torch.tensor([[12.0, 12.0]]), target, alphas)  # both 2 too high
    assert under.item() == pytest.approx((0.1 * 2 + 0.9 * 2) / 2)
    assert over.item() == pytest.approx((0.9 * 2 + 0.1 * 2) / 2)
    one = pinball_loss(torch.tensor([[8.0, 12.0]]), target, alphas)
    assert one.item() == pytest.approx((0.1 * 2 + 0.1 * 2) / 2)


def test_monotone_head_never_crosses_and_keeps_the_first_output() -> None:
    raw = torch.randn(200, 5, generator=torch.Generator().manual_seed(0)) * 10
    out = monotone(raw)
    assert (out.diff(dim=-1) >= 0).all()  # softplus of a very negative output rounds to 0
    torch.testing.assert_close(out[:, 0], raw[:, 0])


# --- process state, quietness, devices -----------------------------------------------------------
def test_training_leaves_threads_randomness_and_log_levels_as_they_were(panel: Panel) -> None:
    threads = torch.get_num_threads()
    level = logging.getLogger("lightning.pytorch").level
    np.random.seed(123)
    random.seed(123)
    torch.manual_seed(123)
    expected = (np.random.random(), random.random(), torch.rand(1).item())
    np.random.seed(123)
    random.seed(123)
    torch.manual_seed(123)
    _fit("lightning_standard", panel, **TINY_MLP)
    assert (np.random.random(), random.random(), torch.rand(1).item()) == expected
    assert torch.get_num_threads() == threads
    assert logging.getLogger("lightning.pytorch").level == level
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize(
    ("name", "params"), [("lightning_standard", TINY_MLP), ("lstm", TINY_LSTM)]
)
def test_fit_is_quiet(
    name: str,
    params: dict,
    panel: Panel,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No progress bar or summary on the terminal, no "GPU available" banner in the logs."""
    caplog.set_level(logging.INFO)
    _fit(name, panel, **params)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert [r.getMessage() for r in caplog.records if r.name.startswith("lightning")] == []


def test_the_model_trains_and_predicts_with_n_jobs_threads(
    panel: Panel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n) or real(n))
    before = torch.get_num_threads()
    model = _fit("lightning_standard", panel, n_jobs=3, **TINY_MLP)
    model.predict(panel.X_test)
    assert calls == [3, before, 3, before]  # fit, restore, predict, restore


def test_loader_workers_do_not_change_the_result(panel: Panel) -> None:
    """Loaders draw from their own seeded generators: workers change speed, not numbers."""
    inline = _fit("lightning_standard", panel, **TINY_MLP).predict(panel.X_test)
    workers = _fit("lightning_standard", panel, dataloader_workers=1, **TINY_MLP)
    np.testing.assert_array_equal(workers.predict(panel.X_test), inline)


def test_runs_in_parallel_on_the_cpu_and_sequentially_on_a_gpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert LightningStandard(accelerator="cpu").runs_in_parallel()
    assert LSTM(accelerator="cpu").runs_in_parallel()
    assert not LSTM(accelerator="cuda").runs_in_parallel()
    assert not uses_gpu("cpu") and uses_gpu("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert not LightningStandard(accelerator="auto").runs_in_parallel()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert LightningStandard(accelerator="auto").runs_in_parallel()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is here")
def test_asking_for_a_missing_gpu_is_an_input_error(panel: Panel) -> None:
    with pytest.raises(InputError, match="accelerator='cuda'"):
        _fit("lightning_standard", panel, accelerator="cuda", **TINY_MLP)


def test_other_models_run_in_parallel_as_their_info_says() -> None:
    assert create_model("statquant").runs_in_parallel()


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"devices": 0}, "devices"),
        ({"devices": "all"}, "devices"),
        ({"accelerator": "tpu"}, "accelerator"),
        ({"log_dir": "relative/logs"}, "log_dir"),
        ({"dropout": 1.0}, "dropout"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"patience": 0}, "patience"),
        ({"dataloader_workers": -1}, "dataloader_workers"),
    ],
)
def test_bad_shared_hyperparameters_are_refused_by_name(params: dict, named: str) -> None:
    for cls in (LightningStandard, LSTM):
        with pytest.raises(InputError, match=named):
            cls(**params)


# --- logs, checkpoints and temporary files -------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params"), [("lightning_standard", TINY_MLP), ("lstm", TINY_LSTM)]
)
def test_log_dir_receives_tensorboard_events_and_the_best_checkpoint(
    name: str, params: dict, panel: Panel, tmp_path: Path
) -> None:
    model = _fit(name, panel, log_dir=str(tmp_path / "logs"), **params)
    run = model.log_path_
    assert run is not None and run.parent == tmp_path / "logs" / name
    assert list(run.glob("events.out.tfevents.*"))
    (checkpoint,) = run.glob("checkpoints/*.ckpt")
    saved = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert saved["epoch"] == model.best_epoch_
    restored = {k.removeprefix("net."): v for k, v in saved["state_dict"].items() if k != "alphas"}
    for key, value in model.net_.state_dict().items():
        torch.testing.assert_close(value, restored[key], rtol=0, atol=0)


@pytest.mark.parametrize(
    ("name", "params"), [("lightning_standard", TINY_MLP), ("lstm", TINY_LSTM)]
)
def test_without_log_dir_nothing_is_left_behind(
    name: str,
    params: dict,
    panel: Panel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    scratch.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    model = _fit(name, panel, **params)
    assert model.best_epoch_ is not None  # a checkpoint was written and read back
    assert model.log_path_ is None
    assert list(cwd.iterdir()) == [] and list(scratch.iterdir()) == []


def test_a_fitted_model_pickles_for_worker_processes(panel: Panel) -> None:
    model = _fit("lstm", panel, **TINY_LSTM)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.forecast(10)[0], model.forecast(10)[0])


def test_weights_of_another_shape_are_refused_on_load(panel: Panel, tmp_path: Path) -> None:
    model = _fit("lightning_standard", panel, **TINY_MLP)
    model.save(tmp_path)
    params = tmp_path / "lightning_standard.params.json"
    params.write_text(params.read_text().replace("[\n    8\n  ]", "[\n    9\n  ]"))
    with pytest.raises(InputError, match="weights do not fit"):
        LightningStandard.load(tmp_path)
