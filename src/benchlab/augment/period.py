"""The evaluation's forecasters on one period (``evaluation.forecast_period``).

Every trained forecaster also forecasts ``days`` days from ``start`` for every product: from
the ``history_window`` days before ``start`` (scaled units) and the reviews known on the day
before, ``horizon`` days at a time, each step's forecast appended to the history of the next
(recursive, as the forecast task's models roll forward), with the calendar of the days
forecast. The period must start on or after the panel's first test day: the forecasters learn
from the training windows and stop early on the validation ones, so an earlier period would
score them on data they saw.

``forecast_period.parquet`` holds one row per (variant, seed, product, day): ``variant``,
``seed``, ``product_id``, ``date``, ``y_pred`` (units sold) and ``y_pred_scaled``, and
``predict_seconds`` (that forecaster's time for the whole period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from benchlab.augment.data.features import calendar_features
from benchlab.augment.data.windows import WindowArrays, panel_grid
from benchlab.errors import InputError

if TYPE_CHECKING:
    from benchlab.augment.config import ForecastPeriodConfig
    from benchlab.augment.data.scaling import Scalers
    from benchlab.augment.forecaster import LSTMForecaster

PERIOD_FILE = "forecast_period.parquet"
FIRST_SPLIT = "test"


@dataclass(frozen=True)
class PeriodInputs:
    """What the forecasters know at the period's start, per product."""

    product_ids: np.ndarray  # [P] str
    dates: np.ndarray  # [D] datetime64[D], the period's days
    history: np.ndarray  # [P, H] scaled units before the start
    reviews: np.ndarray  # [P, 2] on the day before the start
    calendar: np.ndarray  # [steps * F, 8] of the days forecast (the last step may overrun)
    horizon: int

    @property
    def steps(self) -> int:
        return len(self.calendar) // self.horizon


def period_inputs(
    panel: pl.DataFrame,
    period: ForecastPeriodConfig,
    *,
    history: int,
    horizon: int,
    source: str,
) -> PeriodInputs:
    """The inputs of ``period`` from ``panel``, after checking that it starts on a day of the
    panel's test split with ``history`` days before it and ends inside the panel."""
    grid = panel_grid(panel, source)
    start = np.datetime64(period.start, "D")
    key = "evaluation.forecast_period"
    first, last = grid.dates[0], grid.dates[-1]
    if not first <= start <= last:
        raise InputError(f"{key}.start {period.start} is outside {source} ({first} to {last})")
    position = int(np.searchsorted(grid.dates, start))
    split = grid.split_of_day[position]
    test_days = np.flatnonzero(grid.split_of_day == FIRST_SPLIT)
    if len(test_days) == 0 or position < test_days[0]:
        first_test = grid.dates[test_days[0]] if len(test_days) else "none"
        raise InputError(
            f"{key}.start {period.start} lies in the '{split}' split of {source}: the "
            "forecasters learn from the 'train' windows and stop early on the 'val' ones, so "
            f"the period must start on or after the first '{FIRST_SPLIT}' day ({first_test})"
        )
    if position < history:
        raise InputError(
            f"{key}.start {period.start}: {source} has {position} days before it; the "
            f"forecasters need {history}"
        )
    end = position + period.days - 1
    if end >= len(grid.dates):
        raise InputError(
            f"{key}: {period.days} days from {period.start} end after the last day of "
            f"{source} ({last})"
        )
    steps = -(-period.days // horizon)
    forecast_days = pl.date_range(
        period.start,
        period.start + dt.timedelta(days=steps * horizon - 1),
        interval="1d",
        eager=True,
    ).alias("date")
    calendar = pl.DataFrame(forecast_days).select(calendar_features()).to_numpy()
    return PeriodInputs(
        product_ids=grid.product_ids,
        dates=grid.dates[position : end + 1],
        history=np.ascontiguousarray(grid.units[:, position - history : position]),
        reviews=np.ascontiguousarray(grid.reviews[:, position - 1]),
        calendar=calendar.astype(np.float32),
        horizon=horizon,
    )


def roll_forecast(module: LSTMForecaster, inputs: PeriodInputs) -> np.ndarray:
    """``[P, D]`` forecasts of the period (scaled units), ``horizon`` days per step."""
    from benchlab.augment.forecaster import predict

    n, horizon = len(inputs.product_ids), inputs.horizon
    history = inputs.history
    steps: list[np.ndarray] = []
    for step in range(inputs.steps):
        calendar = inputs.calendar[step * horizon : (step + 1) * horizon]
        windows = WindowArrays(
            history=history,
            target=np.zeros((n, horizon), dtype=np.float32),
            temporal=np.ascontiguousarray(np.broadcast_to(calendar, (n, *calendar.shape))),
            reviews=inputs.reviews,
            product_ids=inputs.product_ids,
            start_dates=np.full(n, inputs.dates[0]),
            split=FIRST_SPLIT,
        )
        forecast = predict(module, windows)
        steps.append(forecast)
        history = np.ascontiguousarray(
            np.concatenate([history, forecast], axis=1)[:, -inputs.history.shape[1] :]
        )
    return np.concatenate(steps, axis=1)[:, : len(inputs.dates)]


def period_frame(
    inputs: PeriodInputs,
    forecasts: list[tuple[str, int, np.ndarray, float]],
    scalers: Scalers,
) -> pl.DataFrame:
    """The rows of ``forecast_period.parquet`` from ``(variant, seed, [P, D] scaled forecasts,
    seconds)`` per forecaster."""
    from benchlab.augment.data.scaling import to_original_scale

    n, days = len(inputs.product_ids), len(inputs.dates)
    frames = []
    for variant, seed, scaled, seconds in forecasts:
        units = to_original_scale(scaled.astype(np.float64), inputs.product_ids, scalers)
        frames.append(
            pl.DataFrame(
                {
                    "variant": np.full(n * days, variant),
                    "seed": np.full(n * days, seed, dtype=np.int64),
                    "product_id": np.repeat(inputs.product_ids, days),
                    "date": np.tile(inputs.dates, n),
                    "y_pred": units.reshape(-1),
                    "y_pred_scaled": scaled.astype(np.float64).reshape(-1),
                    "predict_seconds": np.full(n * days, seconds),
                }
            )
        )
    return pl.concat(frames)
