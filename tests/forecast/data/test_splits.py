"""Temporal splits never leak and say clearly when they cannot be made."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.splits import temporal_split


def daily(n_days: int = 60) -> ForecastData:
    dates = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]
    frame = pl.DataFrame(
        {
            "unique_id": ["a"] * n_days + ["b"] * n_days,
            "date": dates * 2,
            "target": [float(i) for i in range(2 * n_days)],
        }
    )
    return ForecastData(
        frame=frame, id_columns=("unique_id",), freq="1d", season_length=7, source="daily.parquet"
    )


def test_default_split_takes_last_horizon() -> None:
    split = temporal_split(daily(), horizon=10)
    assert len(split.test_dates) == 10
    assert split.test_dates[0] == dt.date(2020, 2, 20)
    assert split.train["date"].max() < split.test["date"].min()
    assert split.test.height == 20


def test_split_date_caps_test_at_horizon() -> None:
    split = temporal_split(daily(), split_date="2020-02-01", horizon=7)
    assert split.test_dates == [dt.date(2020, 2, 1) + dt.timedelta(days=i) for i in range(7)]
    assert split.train["date"].max() == dt.date(2020, 1, 31)


@pytest.mark.parametrize("when", ["2019-12-01", "2020-01-01", "2021-01-01"])
def test_split_outside(when: str) -> None:
    with pytest.raises(InputError, match="outside the data of daily.parquet"):
        temporal_split(daily(), split_date=when)


def test_bad_horizon_and_date() -> None:
    with pytest.raises(InputError, match="horizon"):
        temporal_split(daily(), horizon=0)
    with pytest.raises(InputError, match="ISO date"):
        temporal_split(daily(), split_date="soon")
    with pytest.raises(InputError, match="cannot hold"):
        temporal_split(daily(10), horizon=28)
