"""``lstm`` / ``lstm_quantile``: what the conformance suite does not cover."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from benchlab.errors import InputError
from benchlab.forecast.models.lstm import LSTM, LSTMQuantile, left_pad, window_starts

from .conftest import HORIZON, SEASON, Panel

FAST = {"hidden_size": 16, "input_size": 14, "output_size": 7, "max_epochs": 4}


def _sine_panel(levels: tuple[float, ...], n: int = 160, seed: int = 0) -> list[np.ndarray]:
    """Series with a strong weekly swing (±50 % of the level) and 5 % noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return [
        level * (1.0 + 0.5 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0.0, 0.05, n))
        for level in levels
    ]


def _flat(series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate(series), np.concatenate([[0], np.cumsum([len(s) for s in series])])


@pytest.mark.slow  # default hyperparameters: up to 50 epochs
@pytest.mark.parametrize("cls", [LSTM, LSTMQuantile])
def test_one_model_forecasts_series_of_very_different_levels(cls: type) -> None:
    """Per-series scaling: one network serves levels 10 and 1000 and beats each series' mean."""
    series = _sine_panel((10.0, 1000.0, 50.0))
    train = [s[:-HORIZON] for s in series]
    truth = np.stack([s[-HORIZON:] for s in series])
    model = cls(quantile_alphas=[0.1, 0.9] if cls is LSTMQuantile else None)
    point, _ = model.fit_series(*_flat(train), season_length=SEASON).forecast(HORIZON)
    mae = np.abs(point - truth).mean(axis=1)
    baseline = np.abs(np.array([s.mean() for s in train])[:, None] - truth).mean(axis=1)
    assert (mae < 0.5 * baseline).all(), f"MAE {mae} against the series means' {baseline}"


def test_scaling_and_last_windows_come_from_each_training_history() -> None:
    y, indptr = _flat([np.arange(1.0, 41.0), np.full(25, -4.0)])
    model = LSTM(**FAST).fit_series(y, indptr, season_length=SEASON)
    np.testing.assert_allclose(model.scale_, [20.5, 4.0])
    np.testing.assert_allclose(model.last_window_[0], np.arange(27.0, 41.0) / 20.5)
    np.testing.assert_allclose(model.last_window_[1], -1.0)


def test_short_series_are_padded_with_their_first_value_not_refused() -> None:
    y, indptr = _flat([np.array([3.0, 4.0, 5.0]), np.array([7.0]), np.arange(100.0)])
    model = LSTMQuantile(quantile_alphas=[0.2, 0.8], **FAST)
    point, quantiles = model.fit_series(y, indptr, season_length=SEASON).forecast(9)
    assert point.shape == (3, 9) and quantiles.shape == (3, 9, 2)
    assert np.isfinite(point).all() and np.isfinite(quantiles).all()
    np.testing.assert_allclose(model.last_window_[1] * model.scale_[1], 7.0)
    np.testing.assert_allclose(model.last_window_[0, :-3] * model.scale_[0], 3.0)
    # only short series: nothing to validate on, every epoch runs
    only_short = LSTM(**FAST).fit_series(
        np.array([1.0, 2.0, 3.0]), np.array([0, 3]), season_length=7
    )
    assert only_short.best_epoch_ is None and only_short.epochs_trained_ == FAST["max_epochs"]


def test_left_pad_keeps_long_series_unchanged() -> None:
    y, indptr = _flat([np.array([9.0]), np.arange(6.0)])
    values, new = left_pad(y, indptr, 4)
    assert new.tolist() == [0, 4, 10]
    assert values.tolist() == [9.0, 9.0, 9.0, 9.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("val_fraction", [0.0, 0.1, 0.3])
def test_validation_windows_forecast_only_the_latest_periods(val_fraction: float) -> None:
    n_in, n_out = 30, 7
    lengths = np.array([100, 60, 20, 41])  # the 20 is padded to one window, the 41 has 5
    _, indptr = left_pad(np.zeros(lengths.sum()), np.cumsum([0, *lengths]), n_in + n_out)
    padded = np.diff(indptr)
    train, val = window_starts(indptr, lengths, n_in, n_out, val_fraction)
    series = np.searchsorted(indptr, train, side="right") - 1
    assert np.all(train + n_in + n_out <= indptr[series + 1])  # windows stay inside a series
    held = np.maximum(n_out, np.ceil(val_fraction * lengths)).astype(int)
    has_val = (val_fraction > 0) & (padded - held >= n_in + n_out)
    assert has_val.tolist() == [val_fraction > 0, val_fraction > 0, False, False]
    for i in range(lengths.size):
        mine_train = train[series == i] - indptr[i]
        mine_val = val[(val >= indptr[i]) & (val < indptr[i + 1])] - indptr[i]
        if not has_val[i]:
            assert mine_val.size == 0 and mine_train.size == padded[i] - n_in - n_out + 1
            continue
        cut = padded[i] - held[i]
        assert (mine_train + n_in + n_out <= cut).all()  # training targets before the cut
        assert mine_train.max() == cut - n_in - n_out
        assert (mine_val + n_in >= cut).all()  # validation targets after it
        assert mine_val.max() == padded[i] - n_in - n_out  # up to the very last window


def test_early_stopping_stops_on_noise() -> None:
    rng = np.random.default_rng(0)
    y, indptr = _flat([rng.normal(10.0, 1.0, 150) for _ in range(4)])
    model = LSTM(hidden_size=16, max_epochs=100, patience=2).fit_series(y, indptr, season_length=7)
    assert model.best_epoch_ is not None
    assert model.epochs_trained_ == model.best_epoch_ + 1 + 2 < 100


def test_forecast_rolls_forward_over_any_horizon(panel: Panel) -> None:
    alphas = [0.1, 0.5, 0.9]
    model = LSTMQuantile(quantile_alphas=alphas, **FAST)
    model.fit_series(panel.train_y, panel.train_indptr, season_length=SEASON)
    point, quantiles = model.forecast(17)  # not a multiple of output_size
    assert point.shape == (3, 17) and quantiles.shape == (3, 17, 3)
    np.testing.assert_array_equal(point, quantiles[..., 1])
    assert (np.diff(quantiles, axis=-1) >= 0).all()
    np.testing.assert_array_equal(model.forecast(5)[0], point[:, :5])
    assert model.forecast(0)[0].shape == (3, 0)
    with pytest.raises(InputError, match="horizon"):
        model.forecast(-1)


def test_seed_decides_the_forecast(panel: Panel) -> None:
    def fit(seed: int) -> np.ndarray:
        model = LSTM(random_state=seed, **FAST)
        return model.fit_series(panel.train_y, panel.train_indptr, season_length=SEASON).forecast(
            HORIZON
        )[0]

    first = fit(1)
    np.testing.assert_array_equal(fit(1), first)
    assert not np.allclose(fit(2), first)


@pytest.mark.parametrize("cls", [LSTM, LSTMQuantile])
def test_forecast_after_load_needs_no_refit(cls: type, panel: Panel, tmp_path: Path) -> None:
    model = cls(quantile_alphas=[0.25, 0.75] if cls is LSTMQuantile else None, **FAST)
    model.fit_series(panel.train_y, panel.train_indptr, season_length=SEASON)
    files = model.save(tmp_path)
    (weights,) = [p for p in files if p.suffix == ".pt"]
    assert set(torch.load(weights, weights_only=True)) == set(model.net_.state_dict())
    scaling = json.loads((tmp_path / f"{cls.info.name}.scaling.json").read_text())
    assert len(scaling["scale"]) == 3 and len(scaling["last_window"][0]) == FAST["input_size"]

    loaded = cls.load(tmp_path)
    point, quantiles = model.forecast(HORIZON)
    again, again_q = loaded.forecast(HORIZON)
    np.testing.assert_array_equal(again, point)
    if quantiles is not None:
        np.testing.assert_array_equal(again_q, quantiles)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"input_size": 0}, "input_size"),
        ({"output_size": -7}, "output_size"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"num_layers": 0}, "num_layers"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(params: dict, named: str) -> None:
    with pytest.raises(InputError, match=named):
        LSTMQuantile(**params)
