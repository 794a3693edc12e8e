"""The seed's LSTM forecaster: it learns a planted weekly signal the naive forecast misses,
trains reproducibly from a seed, and predicts in batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchlab.augment.data.datasets import SalesDataset
from benchlab.augment.data.windows import WindowArrays
from benchlab.augment.forecaster import LSTMForecaster, fit_forecaster, predict
from benchlab.neural import TrainerSettings, torch_session

HISTORY, HORIZON = 14, 7
PATTERN = np.array([0.1, 0.2, 0.3, 0.2, 0.1, 0.8, 0.9])  # weekend peak


def planted_windows(n_products: int, days: int, *, seed: int) -> WindowArrays:
    """Every product sells ``level + PATTERN[day of week]`` plus a little noise; the calendar
    features say which day of the week each target day is."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    level = rng.uniform(0.0, 0.3, size=(n_products, 1))
    series = level + PATTERN[day % 7] + rng.normal(scale=0.02, size=(n_products, days))
    starts = np.arange(HISTORY, days - HORIZON + 1)
    history = series[:, starts[:, None] + np.arange(-HISTORY, 0)].reshape(-1, HISTORY)
    target_days = starts[:, None] + np.arange(HORIZON)
    target = series[:, target_days].reshape(-1, HORIZON)
    one_hot = np.eye(7)[target_days % 7]  # [W, F, 7]
    weekend = (target_days % 7 >= 5)[..., None]
    temporal = np.concatenate([one_hot, weekend], axis=-1)
    n = n_products * len(starts)
    return WindowArrays(
        history=history.astype(np.float32),
        target=target.astype(np.float32),
        temporal=np.tile(temporal, (n_products, 1, 1)).astype(np.float32),
        reviews=np.zeros((n, 2), dtype=np.float32),
        product_ids=np.repeat([f"p{i}" for i in range(n_products)], len(starts)),
        start_dates=np.zeros(n, dtype="datetime64[D]"),
        split="train",
    )


def _train(train: WindowArrays, val: WindowArrays, *, seed: int, epochs: int) -> LSTMForecaster:
    settings = TrainerSettings(max_epochs=epochs, accelerator="cpu", patience=3)
    with torch_session(n_threads=1, seed=seed):
        module = LSTMForecaster(
            history_window=HISTORY, horizon=HORIZON, hidden_size=16, num_layers=1, dropout=0.0
        )
        fit = fit_forecaster(
            module, SalesDataset(train), SalesDataset(val), settings, batch_size=64, seed=seed
        )
    assert fit.best_epoch is not None  # early stopping watched val_loss
    return module


def test_the_forecaster_beats_the_last_value_on_a_planted_weekly_signal() -> None:
    train = planted_windows(12, 120, seed=0)
    val = planted_windows(4, 60, seed=1)
    test = planted_windows(4, 60, seed=2)
    module = _train(train, val, seed=0, epochs=12)
    forecast = predict(module, test)
    naive = np.repeat(test.history[:, -1:], HORIZON, axis=1)
    lstm_mae = np.abs(forecast - test.target).mean()
    naive_mae = np.abs(naive - test.target).mean()
    assert lstm_mae < 0.5 * naive_mae, (lstm_mae, naive_mae)


def test_the_same_seed_trains_the_same_forecaster() -> None:
    train = planted_windows(3, 40, seed=0)
    val = planted_windows(2, 30, seed=1)
    first = predict(_train(train, val, seed=5, epochs=1), val)
    again = predict(_train(train, val, seed=5, epochs=1), val)
    other = predict(_train(train, val, seed=6, epochs=1), val)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_predict_goes_through_the_windows_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchlab.augment.forecaster as forecaster

    windows = planted_windows(2, 40, seed=3)
    with torch_session(seed=0):
        module = LSTMForecaster(history_window=HISTORY, horizon=HORIZON, hidden_size=8)
    whole = predict(module, windows)
    monkeypatch.setattr(forecaster, "_PREDICT_BATCH", 7)
    assert whole.shape == (len(windows), HORIZON) and whole.dtype == np.float32
    np.testing.assert_allclose(predict(module, windows), whole, rtol=0, atol=1e-6)
    with torch.inference_mode():
        direct = module(
            torch.from_numpy(windows.history[:3]),
            torch.from_numpy(windows.temporal[:3]),
            torch.from_numpy(windows.reviews[:3]),
        )
    np.testing.assert_allclose(whole[:3], direct.numpy(), rtol=0, atol=1e-6)
