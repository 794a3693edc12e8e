"""Feature names come from parameters and values come from the past only."""

from __future__ import annotations

import datetime as dt

import polars as pl

from benchlab.forecast.features import FeatureSpec, build_features


def test_names_are_derived_from_parameters() -> None:
    spec = FeatureSpec(
        lags=(1, 7), rolling_windows=(7,), rolling_lag=1, calendar=("month",), exogenous=("price",)
    )
    assert spec.names() == [
        "lag_1",
        "lag_7",
        "rolling_mean_lag1_window7",
        "rolling_std_lag1_window7",
        "month",
        "price",
    ]
    assert spec.lookback == 8


def test_for_horizon_modes() -> None:
    direct = FeatureSpec.for_horizon(28, season_length=7, mode="direct")
    assert direct.min_lag == 28 and direct.is_direct(28)
    recursive = FeatureSpec.for_horizon(28, season_length=7)
    assert recursive.min_lag == 1 and not recursive.is_direct(28)
    weekly = FeatureSpec.for_horizon(8, season_length=52)
    assert "week_of_year" in weekly.calendar and 52 in weekly.lags


def test_lags_and_rolling_stay_within_each_series() -> None:
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(10)]
    frame = pl.DataFrame(
        {"id": ["a"] * 10 + ["b"] * 10, "date": dates * 2, "target": [float(i) for i in range(20)]}
    )
    spec = FeatureSpec(lags=(2,), rolling_windows=(3,), rolling_lag=1, calendar=())
    out = build_features(frame, spec, ["id"])
    b = out.filter(pl.col("id") == "b")
    assert b["lag_2"].to_list()[:3] == [None, None, 10.0]
    assert b["rolling_mean_lag1_window3"].to_list()[1:4] == [10.0, 10.5, 11.0]
    a = out.filter(pl.col("id") == "a")
    assert a["lag_2"][9] == 7.0
