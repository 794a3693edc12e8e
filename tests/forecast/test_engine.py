"""The fit/forecast unit: recursion feeds predictions back, and never reads test actuals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from benchlab.forecast import engine
from benchlab.forecast.engine import ForecastTask, fit_and_forecast
from benchlab.forecast.features import FeatureSpec
from benchlab.forecast.models.base import ForecastModel, ModelInfo
from benchlab.forecast.schema import DATE, TARGET, Y_PRED


class LastPlusOne(ForecastModel):
    """Predicts lag_1 + 1: a recursive forecast must then count upwards step by step."""

    info = ModelInfo("last_plus_one", "features", False, "test double")

    def fit(self, X: np.ndarray, y: np.ndarray) -> LastPlusOne:
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0] + 1.0


def frames(n_train: int = 40, horizon: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    dates = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(n_train + horizon)]
    full = pl.DataFrame(
        {
            "sku": ["a"] * len(dates) + ["b"] * len(dates),
            DATE: dates * 2,
            TARGET: [float(i) for i in range(len(dates))] + [100.0] * len(dates),
        }
    )
    train = full.filter(pl.col(DATE) < dates[n_train])
    test = full.filter(pl.col(DATE) >= dates[n_train]).drop(TARGET)
    return train, test


def task(spec: FeatureSpec, horizon: int = 5) -> ForecastTask:
    return ForecastTask(
        model_type="last_plus_one",
        id_columns=("sku",),
        season_length=7,
        horizon=horizon,
        feature_spec=spec,
    )


def test_recursive_forecast_feeds_predictions_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ForecastTask, "build_model", lambda self: LastPlusOne())
    train, test = frames()
    spec = FeatureSpec(lags=(1, 7), rolling_windows=(7,), calendar=("weekday",))
    out = fit_and_forecast(task(spec), train, test).predictions.sort("sku", DATE)
    assert out.filter(pl.col("sku") == "a")[Y_PRED].to_list() == [40.0, 41.0, 42.0, 43.0, 44.0]
    assert out.filter(pl.col("sku") == "b")[Y_PRED].to_list() == [101.0, 102.0, 103.0, 104.0, 105.0]


def test_direct_spec_forecasts_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ForecastTask, "build_model", lambda self: LastPlusOne())
    train, test = frames()
    spec = FeatureSpec.for_horizon(5, season_length=7, mode="direct")
    assert spec.is_direct(5) and spec.lags[0] == 5
    out = fit_and_forecast(task(spec), train, test).predictions.sort("sku", DATE)
    # lag_5 of the five test days are the last five training values of series a: 35..39
    assert out.filter(pl.col("sku") == "a")[Y_PRED].to_list() == [36.0, 37.0, 38.0, 39.0, 40.0]


def test_test_frame_with_target_is_refused() -> None:
    train, test = frames()
    with pytest.raises(ValueError, match="must not carry the target"):
        fit_and_forecast(task(FeatureSpec()), train, test.with_columns(pl.lit(1.0).alias(TARGET)))


def test_parallel_flag_comes_from_the_model() -> None:
    lgbm = ForecastTask("lightgbm_quantile", ("sku",), season_length=7, horizon=5)
    assert engine.model_runs_in_parallel(lgbm) is True


def test_a_model_that_declines_parallelism_runs_skus_in_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(LastPlusOne, "runs_in_parallel", lambda self: False, raising=False)
    monkeypatch.setattr(ForecastTask, "build_model", lambda self: LastPlusOne())
    assert engine.model_runs_in_parallel(task(FeatureSpec())) is False
