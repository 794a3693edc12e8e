"""Temporal train/test split with a leakage check (never a random split)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from benchlab.errors import InputError
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.schema import DATE


@dataclass
class TemporalSplit:
    """Training rows are strictly before ``split_date``; the test period is ``test_dates``."""

    train: pl.DataFrame
    test: pl.DataFrame
    split_date: dt.date
    test_dates: list
    horizon: int


def _as_date(value: object, *, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def temporal_split(
    data: ForecastData, *, split_date: object | None = None, horizon: int = 28
) -> TemporalSplit:
    """Split at ``split_date`` (default: the last ``horizon`` periods form the test period).

    The test period holds the first ``horizon`` distinct dates on or after ``split_date``.

    >>> split = temporal_split(data, split_date="2020-03-01", horizon=28)  # doctest: +SKIP
    """
    if horizon < 1:
        raise InputError(f"data.horizon must be at least 1; got {horizon}")
    dates = data.frame.get_column(DATE).unique().sort()
    first, last = dates[0], dates[-1]
    if split_date is None:
        if len(dates) <= horizon:
            raise InputError(
                f"{data.source}: {len(dates)} periods cannot hold a {horizon}-period test "
                "period and a training period"
            )
        start = dates[len(dates) - horizon]
    else:
        start = _as_date(split_date, what="data.split_date")
        first_day = first.date() if isinstance(first, dt.datetime) else first
        last_day = last.date() if isinstance(last, dt.datetime) else last
        if not first_day < start <= last_day:
            raise InputError(
                f"data.split_date {start} is outside the data of {data.source} "
                f"({first_day} to {last_day}): it must leave training data before it and test "
                "data on or after it"
            )
    start_value = start
    if dates.dtype != pl.Date:
        start_value = dt.datetime.combine(start, dt.time())
    test_dates = dates.filter(dates >= start_value).head(horizon).to_list()
    train = data.frame.filter(pl.col(DATE) < start_value)
    test = data.frame.filter(pl.col(DATE).is_in(test_dates))
    latest_train, earliest_test = train[DATE].max(), test[DATE].min()
    if latest_train is None or earliest_test is None or not latest_train < earliest_test:
        raise InputError(
            f"temporal split of {data.source} at {start} leaves no training or no test rows"
        )
    split_day = start if isinstance(start, dt.date) else start
    return TemporalSplit(
        train=train, test=test, split_date=split_day, test_dates=test_dates, horizon=horizon
    )
