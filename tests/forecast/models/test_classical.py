"""statsforecast models (``seasonal_naive``, ``theta``, ``auto_ets``): model-specific checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchlab.errors import FitError, InputError
from benchlab.forecast.model_types import create_model
from benchlab.forecast.models.classical import AutoETS, SeasonalNaive, Theta, interval_levels

PATTERN = np.array([10.0, 12.0, 15.0, 11.0, 9.0, 20.0, 25.0])


def _periodic_panel() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two noise-free weekly series of different lengths and phases; and their next 14 days."""
    first = np.tile(PATTERN, 20)
    second = np.tile(2.0 * PATTERN, 16)[3:]
    y = np.concatenate([first, second])
    indptr = np.array([0, first.size, y.size])
    future = np.stack([np.tile(PATTERN, 2), np.tile(2.0 * PATTERN, 3)[second.size % 7 + 3 :][:14]])
    return y, indptr, future


@pytest.mark.parametrize(
    ("name", "tol"), [("seasonal_naive", 0.0), ("theta", 1e-3), ("auto_ets", 0.05)]
)
def test_a_pure_seasonal_series_is_forecast_nearly_exactly(name: str, tol: float) -> None:
    y, indptr, future = _periodic_panel()
    model = create_model(name, quantile_alphas=[0.1, 0.5, 0.9])
    point, quantiles = model.fit_series(y, indptr, season_length=7).forecast(14)
    np.testing.assert_allclose(point, future, rtol=0, atol=tol * np.abs(future).max())
    np.testing.assert_allclose(quantiles[..., 1], point, rtol=1e-6)  # 0.5: the mean forecast


def test_quantiles_are_statsforecast_interval_bounds() -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive as SfSeasonalNaive

    rng = np.random.default_rng(0)
    y = 10.0 + PATTERN[np.arange(120) % 7] + rng.normal(0.0, 1.0, 120)
    model = SeasonalNaive(quantile_alphas=[0.05, 0.25, 0.75, 0.95])
    point, quantiles = model.fit_series(y, np.array([0, 120]), season_length=7).forecast(5)

    frame = pd.DataFrame({"unique_id": 0, "ds": np.arange(120), "y": y})
    sf = StatsForecast(models=[SfSeasonalNaive(season_length=7)], freq=1)
    expected = sf.forecast(df=frame, h=5, level=[90, 50])
    np.testing.assert_allclose(point[0], expected["SeasonalNaive"])
    for j, column in enumerate(["lo-90", "lo-50", "hi-50", "hi-90"]):
        np.testing.assert_allclose(quantiles[0, :, j], expected[f"SeasonalNaive-{column}"])


def test_interval_levels() -> None:
    assert interval_levels((0.1, 0.3, 0.5, 0.7, 0.9)) == [80, 40]
    assert interval_levels((0.025, 0.975)) == [95]
    assert interval_levels((0.5,)) == []


def test_hyperparameters() -> None:
    y, indptr, future = _periodic_panel()
    additive = Theta(decomposition_type="additive").fit_series(y, indptr, season_length=7)
    assert additive.forecast(7)[0].shape == (2, 7)
    ana = AutoETS(model="ANA", damped=False).fit_series(y, indptr, season_length=7)
    np.testing.assert_allclose(ana.forecast(14)[0], future, atol=0.5)
    with pytest.raises(InputError, match="model"):
        AutoETS(model="XYZ")


@pytest.mark.filterwarnings("ignore:Historical data")
def test_a_series_too_short_for_its_season_fails_clearly() -> None:
    model = SeasonalNaive().fit_series(np.arange(5.0), np.array([0, 5]), season_length=7)
    with pytest.raises(FitError, match="series \\[0\\]"):
        model.forecast(3)


def test_horizon_zero() -> None:
    y, indptr, _ = _periodic_panel()
    model = Theta(quantile_alphas=[0.1]).fit_series(y, indptr, season_length=7)
    point, quantiles = model.forecast(0)
    assert point.shape == (2, 0) and quantiles is not None and quantiles.shape == (2, 0, 1)
