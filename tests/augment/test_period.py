"""``evaluation.forecast_period``: the period's inputs (no day the forecasters learnt from), the
recursive roll-forward, and the rows in units sold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from torch import nn

from benchlab.augment.config import ForecastPeriodConfig
from benchlab.augment.data.scaling import load_scalers, to_original_scale
from benchlab.augment.data.windows import read_panel
from benchlab.augment.period import period_frame, period_inputs, roll_forecast
from benchlab.errors import InputError


class _NextValues(nn.Module):
    """Forecasts last history value + 1, + 2, …: a rolled forecast continues the count."""

    horizon = 7

    def forward(
        self, history: torch.Tensor, temporal: torch.Tensor, reviews: torch.Tensor
    ) -> torch.Tensor:
        steps = torch.arange(1, self.horizon + 1, dtype=history.dtype)
        return history[:, -1:] + steps


@pytest.fixture(scope="module")
def panel(olist_processed: Path) -> pl.DataFrame:
    return read_panel(olist_processed / "product_daily_panel.parquet")


def _first_day(panel: pl.DataFrame, split: str) -> dt.date:
    return panel.filter(pl.col("split") == split)["date"].min()


def _inputs(panel: pl.DataFrame, start: dt.date, days: int):
    period = ForecastPeriodConfig(start=start, days=days)
    return period_inputs(panel, period, history=30, horizon=7, source="panel.parquet")


def test_the_inputs_are_what_is_known_on_the_day_before(panel: pl.DataFrame) -> None:
    start = _first_day(panel, "test")
    inputs = _inputs(panel, start, 10)
    assert inputs.dates[0] == np.datetime64(start) and len(inputs.dates) == 10
    product = inputs.product_ids[0]
    rows = panel.filter((pl.col("product_id") == product) & (pl.col("date") < start)).tail(30)
    np.testing.assert_allclose(inputs.history[0], rows["units_scaled"].to_numpy(), rtol=1e-6)
    last = rows.row(29, named=True)
    np.testing.assert_allclose(
        inputs.reviews[0], [last["review_rating"], last["review_count_log"]], rtol=1e-6
    )
    assert inputs.steps == 2 and inputs.calendar.shape == (14, 8)  # 10 days: two 7-day steps
    days = [start + dt.timedelta(days=i) for i in range(14)]
    np.testing.assert_array_equal(inputs.calendar[:, :7].argmax(1), [d.weekday() for d in days])
    np.testing.assert_array_equal(inputs.calendar[:, 7], [d.weekday() >= 5 for d in days])


def test_a_period_the_forecasters_learnt_from_is_refused(panel: pl.DataFrame) -> None:
    val_start = _first_day(panel, "val")
    with pytest.raises(InputError, match=f"start {val_start} lies in the 'val' split of panel"):
        _inputs(panel, val_start, 7)
    test_start = _first_day(panel, "test")
    last = panel["date"].max()
    with pytest.raises(InputError, match=f"end after the last day of panel.parquet \\({last}\\)"):
        _inputs(panel, test_start, (last - test_start).days + 2)
    with pytest.raises(InputError, match="is outside panel.parquet"):
        _inputs(panel, last + dt.timedelta(days=1), 1)


def test_the_forecast_rolls_forward_on_its_own_values(panel: pl.DataFrame) -> None:
    inputs = _inputs(panel, _first_day(panel, "test"), 10)
    rolled = roll_forecast(_NextValues(), inputs)
    assert rolled.shape == (len(inputs.product_ids), 10)
    expected = inputs.history[:, -1:] + np.arange(1, 11)
    np.testing.assert_allclose(rolled, expected, rtol=1e-6)


def test_the_rows_are_in_units_sold(panel: pl.DataFrame, olist_processed: Path) -> None:
    inputs = _inputs(panel, _first_day(panel, "test"), 3)
    scalers = load_scalers(olist_processed)
    scaled = np.random.default_rng(0).random((len(inputs.product_ids), 3), dtype=np.float32)
    frame = period_frame(inputs, [("augmented", 4, scaled, 0.5)], scalers)
    assert frame.height == scaled.size
    assert set(frame["variant"]) == {"augmented"} and set(frame["seed"]) == {4}
    first = frame.filter(pl.col("product_id") == inputs.product_ids[1]).sort("date")
    units = to_original_scale(scaled[1:2].astype(np.float64), inputs.product_ids[1:2], scalers)
    np.testing.assert_allclose(first["y_pred"].to_numpy(), units[0])
    assert first["date"].to_list() == [d.astype(dt.date) for d in inputs.dates]
