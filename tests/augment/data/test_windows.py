"""Windows over the panel: what each array holds, and that no window crosses a split boundary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.augment.data.features import CALENDAR_COLUMNS, REVIEW_COLUMNS
from benchlab.augment.data.preprocess import PANEL_FILE
from benchlab.augment.data.windows import WindowArrays, make_windows, read_panel
from benchlab.errors import InputError

HISTORY, HORIZON = 30, 7


@pytest.fixture(scope="module")
def panel(olist_processed: Path) -> pl.DataFrame:
    return read_panel(olist_processed / PANEL_FILE)


def lookup(panel: pl.DataFrame, product: str, first: np.datetime64, days: int) -> pl.DataFrame:
    """``days`` panel rows of ``product`` from ``first`` on (a direct, row-wise reference)."""
    start = first.astype(dt.date)
    end = start + dt.timedelta(days=days - 1)
    return panel.filter((pl.col("product_id") == product) & pl.col("date").is_between(start, end))


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_each_window_holds_its_days_of_the_panel(panel: pl.DataFrame, split: str) -> None:
    windows = make_windows(panel, history=HISTORY, horizon=HORIZON, split=split)
    n = len(windows)
    assert windows.history.shape == (n, HISTORY) and windows.target.shape == (n, HORIZON)
    assert windows.temporal.shape == (n, HORIZON, 8) and windows.reviews.shape == (n, 2)
    assert all(a.dtype == np.float32 for a in (windows.history, windows.target, windows.reviews))
    rng = np.random.default_rng(0)
    for i in rng.choice(n, size=5, replace=False):
        product, start = windows.product_ids[i], windows.start_dates[i]
        target = lookup(panel, product, start, HORIZON)
        history = lookup(panel, product, start - np.timedelta64(HISTORY, "D"), HISTORY)
        np.testing.assert_allclose(windows.target[i], target["units_scaled"], rtol=1e-6)
        np.testing.assert_allclose(windows.history[i], history["units_scaled"], rtol=1e-6)
        np.testing.assert_array_equal(windows.temporal[i], target.select(CALENDAR_COLUMNS))
        last_history_day = history.tail(1).select(REVIEW_COLUMNS).to_numpy()[0]
        np.testing.assert_allclose(windows.reviews[i], last_history_day, rtol=1e-6)


def test_no_window_crosses_a_split_boundary(panel: pl.DataFrame) -> None:
    split_of = dict(panel.group_by("date").agg(pl.col("split").first()).iter_rows())
    all_dates = sorted(split_of)
    for split in ("train", "val", "test"):
        windows = make_windows(panel, history=HISTORY, horizon=HORIZON, split=split)
        starts = sorted(set(windows.start_dates.astype(dt.date).tolist()))
        for start in starts:
            days = [start + dt.timedelta(days=k) for k in range(HORIZON)]
            assert {split_of[d] for d in days} == {split}
            assert start - dt.timedelta(days=HISTORY) >= all_dates[0]
        # every possible target start of the split is used (stride 1)
        in_split = [d for d in all_dates if split_of[d] == split]
        possible = [d for d in in_split if d + dt.timedelta(days=HORIZON - 1) in in_split]
        possible = [d for d in possible if d - dt.timedelta(days=HISTORY) >= all_dates[0]]
        assert starts == possible
        assert len(windows) == len(starts) * panel["product_id"].n_unique()


def test_stride_skips_target_starts(panel: pl.DataFrame) -> None:
    every = make_windows(panel, history=HISTORY, horizon=HORIZON, split="train")
    strided = make_windows(panel, history=HISTORY, horizon=HORIZON, split="train", stride=3)
    first_product = every.product_ids[0]
    starts = every.start_dates[every.product_ids == first_product]
    strided_starts = strided.start_dates[strided.product_ids == first_product]
    np.testing.assert_array_equal(strided_starts, starts[::3])


def test_a_split_too_short_for_one_window_is_one_error(panel: pl.DataFrame) -> None:
    days_in_val = panel.filter(pl.col("split") == "val")["date"].n_unique()
    with pytest.raises(InputError, match=r"panel.parquet: too short for one window in the 'val'"):
        make_windows(
            panel, history=HISTORY, horizon=days_in_val + 1, split="val", source="panel.parquet"
        )


def test_a_panel_that_is_not_a_full_grid_is_refused(panel: pl.DataFrame) -> None:
    holed = panel.filter(
        ~((pl.col("product_id") == panel["product_id"][0]) & (pl.col("date") == panel["date"][3]))
    )
    with pytest.raises(InputError, match="not a full product × day grid"):
        make_windows(holed, history=HISTORY, horizon=HORIZON, split="train")
    with pytest.raises(InputError, match="unknown split"):
        make_windows(panel, history=HISTORY, horizon=HORIZON, split="holdout")


def test_read_panel_names_a_missing_column(olist_processed: Path, tmp_path: Path) -> None:
    path = tmp_path / "panel.parquet"
    read_panel(olist_processed / PANEL_FILE).drop("is_weekend").write_parquet(path)
    with pytest.raises(InputError, match=r"panel.parquet: missing column 'is_weekend'"):
        read_panel(path)


def test_windows_round_trip_through_a_frame(panel: pl.DataFrame) -> None:
    windows = make_windows(panel, history=HISTORY, horizon=HORIZON, split="test")
    back = WindowArrays.from_frame(windows.to_frame())
    for name in ("history", "target", "temporal", "reviews", "product_ids", "start_dates"):
        np.testing.assert_array_equal(getattr(back, name), getattr(windows, name))
    assert back.split == "test"
    generated = windows.with_target(np.ones_like(windows.target))
    assert (generated.target == 1).all() and generated.history is windows.history
    with pytest.raises(InputError, match="shape"):
        windows.with_target(np.ones((2, HORIZON)))
