"""Lag, rolling-window and calendar features as Polars expressions over a long frame.

Feature names are derived from parameters (``lag_7``, ``rolling_mean_lag1_window7``), never typed
by hand. Every lag/rolling feature at date ``t`` reads only targets at ``t - lag`` or earlier, so a
spec whose smallest lag is at least the horizon can forecast the whole horizon in one pass
(*direct*); otherwise forecasts are made step by step, feeding predictions back (*recursive*).

>>> spec = FeatureSpec.for_horizon(28, season_length=7, mode="direct")
>>> spec.lags[:2], spec.is_direct(28)
((28, 35), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from benchlab.forecast.schema import DATE, TARGET

CalendarPart = Literal["weekday", "day_of_month", "week_of_year", "month", "quarter"]
_CALENDAR_EXPR = {
    "weekday": lambda d: d.dt.weekday(),
    "day_of_month": lambda d: d.dt.day(),
    "week_of_year": lambda d: d.dt.week(),
    "month": lambda d: d.dt.month(),
    "quarter": lambda d: d.dt.quarter(),
}


@dataclass(frozen=True)
class FeatureSpec:
    """Which features to build from a series' own history and its calendar."""

    lags: tuple[int, ...] = (1, 7, 14, 28)
    rolling_windows: tuple[int, ...] = (7, 28)
    rolling_lag: int = 1
    calendar: tuple[CalendarPart, ...] = ("weekday", "day_of_month", "month")
    exogenous: tuple[str, ...] = ()

    @classmethod
    def for_horizon(
        cls,
        horizon: int,
        *,
        season_length: int,
        mode: Literal["recursive", "direct"] = "recursive",
        calendar: Sequence[CalendarPart] | None = None,
        exogenous: Sequence[str] = (),
    ) -> FeatureSpec:
        """A sensible spec for a frequency with ``season_length`` periods per season.

        ``recursive`` uses lags from 1; ``direct`` uses lags of at least ``horizon`` so no
        prediction is ever fed back.
        """
        m = max(int(season_length), 1)
        first = 1 if mode == "recursive" else int(horizon)
        if mode == "recursive":
            lags = sorted({1, 2, m, 2 * m, 4 * m} if m > 1 else {1, 2, 3, 4})
        else:
            lags = sorted({first, first + m, first + 2 * m} if m > 1 else {first, first + 1})
        windows = tuple(sorted({m, 4 * m})) if m > 1 else (4, 12)
        if calendar is None:
            calendar = _calendar_for_season(m)
        return cls(
            lags=tuple(lags),
            rolling_windows=windows,
            rolling_lag=first,
            calendar=tuple(calendar),
            exogenous=tuple(exogenous),
        )

    @property
    def min_lag(self) -> int:
        return min((*self.lags, self.rolling_lag))

    @property
    def lookback(self) -> int:
        """History rows a series needs so every feature of its next row is defined."""
        longest_window = max(self.rolling_windows, default=0) + self.rolling_lag
        return max((*self.lags, longest_window))

    def is_direct(self, horizon: int) -> bool:
        return self.min_lag >= horizon

    def names(self) -> list[str]:
        """Feature column names in model-input order."""
        return [
            *(f"lag_{lag}" for lag in self.lags),
            *(f"rolling_mean_lag{self.rolling_lag}_window{w}" for w in self.rolling_windows),
            *(f"rolling_std_lag{self.rolling_lag}_window{w}" for w in self.rolling_windows),
            *self.calendar,
            *self.exogenous,
        ]


def _calendar_for_season(season_length: int) -> tuple[CalendarPart, ...]:
    if season_length == 7:  # daily
        return ("weekday", "day_of_month", "month")
    if season_length in (52, 53):  # weekly
        return ("week_of_year", "month")
    if season_length == 12:  # monthly
        return ("month",)
    if season_length == 4:  # quarterly
        return ("quarter",)
    return ("month",)


def feature_expressions(spec: FeatureSpec, id_columns: Sequence[str]) -> list[pl.Expr]:
    """Expressions computing every non-exogenous feature of ``spec`` within each series.

    The frame must be sorted by ``id_columns`` then ``date``.
    """
    ids = list(id_columns)
    target = pl.col(TARGET).cast(pl.Float32)
    shifted = target.shift(spec.rolling_lag)
    exprs = [target.shift(lag).over(ids).alias(f"lag_{lag}") for lag in spec.lags]
    for w in spec.rolling_windows:
        exprs.append(
            shifted.rolling_mean(w, min_samples=1)
            .over(ids)
            .alias(f"rolling_mean_lag{spec.rolling_lag}_window{w}")
        )
    for w in spec.rolling_windows:
        exprs.append(
            shifted.rolling_std(w, min_samples=2)
            .over(ids)
            .alias(f"rolling_std_lag{spec.rolling_lag}_window{w}")
        )
    for part in spec.calendar:
        exprs.append(_CALENDAR_EXPR[part](pl.col(DATE)).cast(pl.Float32).alias(part))
    return exprs


def build_features(
    frame: pl.DataFrame | pl.LazyFrame, spec: FeatureSpec, id_columns: Sequence[str]
) -> pl.DataFrame | pl.LazyFrame:
    """Add the spec's features to a long frame sorted by ids then date (lazy in, lazy out)."""
    return frame.with_columns(feature_expressions(spec, id_columns))
