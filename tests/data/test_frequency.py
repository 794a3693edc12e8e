"""Frequency aliases, inference from dates and regular date grids."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from benchlab.data.frequency import (
    date_grid,
    infer_freq,
    infer_panel_freq,
    parse_freq,
    season_length,
)
from benchlab.errors import InputError


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("D", "1d"),
        ("1D", "1d"),
        ("daily", "1d"),
        ("W", "1w"),
        ("W-SUN", "1w"),
        ("W-MON", "1w"),
        ("MS", "1mo"),
        ("M", "1mo"),
        ("ME", "1mo"),
        ("Q", "1q"),
        ("QS", "1q"),
        ("Q-DEC", "1q"),
        ("H", "1h"),
        ("h", "1h"),
        ("Y", "1y"),
        ("1d", "1d"),
        ("1w", "1w"),
        ("1mo", "1mo"),
        ("1q", "1q"),
        ("1h", "1h"),
        ("Monthly", "1mo"),
    ],
)
def test_parse_freq(alias, expected):
    assert parse_freq(alias) == expected


@pytest.mark.parametrize("bad", ["fortnightly", "2w", "B", "1m", "", None, 7])
def test_parse_freq_refuses_unknown(bad):
    with pytest.raises(InputError, match="frequency"):
        parse_freq(bad)


def test_season_length():
    assert [season_length(f) for f in ("1d", "1w", "1mo", "1q", "1h", "1y", "W-SUN")] == [
        7,
        52,
        12,
        4,
        24,
        1,
        52,
    ]


@pytest.mark.parametrize(
    ("interval", "expected"), [("1d", "1d"), ("1w", "1w"), ("1mo", "1mo"), ("1q", "1q")]
)
def test_infer_freq_from_dates(interval, expected):
    dates = pl.date_range(dt.date(2019, 1, 31), dt.date(2022, 12, 31), interval, eager=True)
    assert infer_freq(dates.sample(fraction=1.0, shuffle=True, seed=1)) == expected


def test_infer_freq_hourly_and_errors():
    start = dt.datetime(2020, 1, 1)
    hours = pl.datetime_range(start, start + dt.timedelta(hours=30), "1h", eager=True)
    assert infer_freq(hours) == "1h"
    with pytest.raises(InputError, match="fewer than two dates"):
        infer_freq(pl.Series([dt.date(2020, 1, 1)] * 3))
    with pytest.raises(InputError, match="is 2 days"):
        infer_freq(pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 1, 9), "2d", eager=True))
    with pytest.raises(InputError, match="need dates"):
        infer_freq(pl.Series([1, 2, 3]))


def test_infer_panel_freq_within_series():
    frame = pl.DataFrame(
        {
            "id": ["a", "a", "a", "b", "b", "b"],
            "date": [dt.date(2020, 1, d) for d in (6, 13, 20, 7, 14, 21)],  # Mon vs Tue weeks
        }
    )
    assert infer_freq(frame["date"]) == "1d"  # all dates pooled look daily
    assert infer_panel_freq(frame, ["id"]) == "1w"


def test_date_grid():
    grid = date_grid(dt.date(2020, 1, 31), dt.date(2020, 4, 30), "ME")
    assert grid.to_list() == [dt.date(2020, m, d) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))]
    hours = date_grid(dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, 3), "H")
    assert hours.len() == 4 and hours.dtype == pl.Datetime("us")
    with pytest.raises(InputError, match="hourly frequency needs datetime"):
        date_grid(dt.date(2020, 1, 1), dt.date(2020, 1, 2), "1h")
