"""Sliding windows over the product-day panel: ``history`` days of scaled units → the next
``horizon`` days, with the conditions a forecaster knows when it forecasts.

A window whose target starts on day ``t`` of product ``p`` holds:

* ``history`` [H]: ``units_scaled`` of days ``t-H … t-1``;
* ``target`` [F]: ``units_scaled`` of days ``t … t+F-1``;
* ``temporal`` [F, 8]: the calendar features (``dow_0``…``dow_6``, ``is_weekend``) of the
  *target* days (known in advance);
* ``reviews`` [2]: ``review_rating`` and ``review_count_log`` at day ``t-1``, the last history
  day (reviews created later are unknown when forecasting).

A window belongs to the split of its target days: all ``F`` of them lie inside that split, so
no window crosses a split boundary. Its history lies before them and may reach back into the
earlier split (validation windows read the end of the training period, as a forecaster on that
day would). Everything is gathered with NumPy fancy indexing, no loop over windows.

>>> windows = make_windows(read_panel(path), history=30, horizon=7, split="train")  # doctest: +SKIP
>>> windows.history.shape, windows.temporal.shape  # doctest: +SKIP
((9010, 30), (9010, 7, 8))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.augment.data.features import CALENDAR_COLUMNS, REVIEW_COLUMNS
from benchlab.augment.data.preprocess import PANEL_COLUMNS, SPLITS
from benchlab.data.tables import collect, scan_table
from benchlab.data.validation import check_unique, require_columns, source_name
from benchlab.errors import InputError

TEMPORAL_DIM = len(CALENDAR_COLUMNS)
REVIEW_DIM = len(REVIEW_COLUMNS)


@dataclass(frozen=True)
class WindowArrays:
    """N windows of one split as float32 arrays (see the module docstring), with each window's
    product and first target day (``start_dates``, ``datetime64[D]``)."""

    history: np.ndarray  # [N, H]
    target: np.ndarray  # [N, F]
    temporal: np.ndarray  # [N, F, 8]
    reviews: np.ndarray  # [N, 2]
    product_ids: np.ndarray  # [N] str
    start_dates: np.ndarray  # [N] datetime64[D], the first target day
    split: str

    def __len__(self) -> int:
        return len(self.target)

    @property
    def history_window(self) -> int:
        return self.history.shape[1]

    @property
    def horizon(self) -> int:
        return self.target.shape[1]

    def take(self, index: np.ndarray) -> WindowArrays:
        """The windows at ``index`` (integer positions or a boolean mask)."""
        return WindowArrays(
            history=self.history[index],
            target=self.target[index],
            temporal=self.temporal[index],
            reviews=self.reviews[index],
            product_ids=self.product_ids[index],
            start_dates=self.start_dates[index],
            split=self.split,
        )

    def with_target(self, target: np.ndarray) -> WindowArrays:
        """The same conditions with another target (e.g. generated sequences) of shape [N, F]."""
        target = np.asarray(target, dtype=np.float32)
        if target.shape != self.target.shape:
            raise InputError(f"target of shape {target.shape} for windows of {self.target.shape}")
        return WindowArrays(
            self.history,
            target,
            self.temporal,
            self.reviews,
            self.product_ids,
            self.start_dates,
            self.split,
        )

    def to_frame(self) -> pl.DataFrame:
        """One row per window: product_id, start_date, split, history/target/temporal as
        fixed-size arrays, review_rating, review_count_log."""
        return pl.DataFrame(
            {
                "product_id": self.product_ids.astype(str),
                "start_date": self.start_dates.astype("datetime64[D]"),
                "split": np.full(len(self), self.split),
                "history": self.history,
                "target": self.target,
                "temporal": self.temporal,
                "review_rating": self.reviews[:, 0],
                "review_count_log": self.reviews[:, 1],
            }
        )

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, *, source: str = "windows") -> WindowArrays:
        """The inverse of :meth:`to_frame` (one split per frame)."""
        columns = ["product_id", "start_date", "split", "history", "target", "temporal"]
        require_columns(frame, [*columns, *REVIEW_COLUMNS], source=source)
        splits = frame["split"].unique().to_list()
        if len(splits) != 1:
            raise InputError(f"{source}: windows of one split expected, found {sorted(splits)}")

        def array(column: str) -> np.ndarray:
            return np.array(frame[column].to_numpy(), dtype=np.float32)  # writable: torch

        return cls(
            history=array("history"),
            target=array("target"),
            temporal=array("temporal"),
            reviews=frame.select(REVIEW_COLUMNS).to_numpy().astype(np.float32),
            product_ids=frame["product_id"].to_numpy().astype(str),
            start_dates=frame["start_date"].to_numpy().astype("datetime64[D]"),
            split=splits[0],
        )


def read_panel(path: str | Path) -> pl.DataFrame:
    """The preprocessed panel, its columns checked, sorted by product and date."""
    source = source_name(path)
    lf = scan_table(path)
    require_columns(lf, PANEL_COLUMNS, source=source)
    return collect(lf.select(PANEL_COLUMNS).sort("product_id", "date"), source=source)


@dataclass(frozen=True)
class PanelGrid:
    """The panel as dense [products, days, …] arrays."""

    product_ids: np.ndarray
    dates: np.ndarray
    split_of_day: np.ndarray
    units: np.ndarray  # [P, T]
    calendar: np.ndarray  # [P, T, 8]
    reviews: np.ndarray  # [P, T, 2]


def panel_grid(panel: pl.DataFrame, source: str) -> PanelGrid:
    """``panel`` as dense arrays, checked to be a full product × day grid, one split a day."""
    panel = panel.sort("product_id", "date")
    check_unique(panel, ["product_id", "date"], source=source)
    products = panel["product_id"].unique(maintain_order=True)
    dates = panel["date"].unique().sort()
    n_products, n_days = products.len(), dates.len()
    per_day = panel.group_by("date").agg(pl.len(), pl.col("split").n_unique().alias("splits"))
    if panel.height != n_products * n_days or per_day["len"].max() != n_products:
        raise InputError(
            f"{source}: not a full product × day grid ({panel.height} rows for "
            f"{n_products} products × {n_days} days)"
        )
    if per_day["splits"].max() != 1:
        raise InputError(f"{source}: some days belong to several splits")
    first = panel.head(n_days)
    return PanelGrid(
        product_ids=products.to_numpy().astype(str),
        dates=first["date"].to_numpy().astype("datetime64[D]"),
        split_of_day=first["split"].to_numpy().astype(str),
        units=panel["units_scaled"].to_numpy().astype(np.float32).reshape(n_products, n_days),
        calendar=panel.select(CALENDAR_COLUMNS)
        .to_numpy()
        .astype(np.float32)
        .reshape(n_products, n_days, TEMPORAL_DIM),
        reviews=panel.select(REVIEW_COLUMNS)
        .to_numpy()
        .astype(np.float32)
        .reshape(n_products, n_days, REVIEW_DIM),
    )


def target_starts(
    split_of_day: np.ndarray, *, split: str, history: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """Day positions where a window's target may start: all ``horizon`` target days in
    ``split``, ``history`` days before them, every ``stride`` days from the first such day."""
    days = np.flatnonzero(split_of_day == split)
    if len(days) == 0:
        return days
    first, last = days[0], days[-1]
    if len(days) != last - first + 1:
        raise InputError(f"the '{split}' days are not one contiguous period")
    return np.arange(max(first, history), last - horizon + 2, stride)


def make_windows(
    panel: pl.DataFrame,
    *,
    history: int,
    horizon: int,
    stride: int = 1,
    split: str,
    source: str = "panel",
) -> WindowArrays:
    """Every product's windows whose target days lie in ``split`` (see the module docstring);
    none raises :class:`~benchlab.errors.InputError` naming the split's length."""
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r} (use one of {', '.join(SPLITS)})")
    if history < 1 or horizon < 1 or stride < 1:
        raise InputError(f"history, horizon and stride must be positive ({history}, {horizon})")
    grid = panel_grid(panel, source)
    starts = target_starts(
        grid.split_of_day, split=split, history=history, horizon=horizon, stride=stride
    )
    if len(starts) == 0:
        in_split = int((grid.split_of_day == split).sum())
        before = int(np.argmax(grid.split_of_day == split)) if in_split else 0
        raise InputError(
            f"{source}: too short for one window in the '{split}' split: it has {in_split} "
            f"days with {before} days before it; a window needs {horizon} target days in the "
            f"split and {history} days of history before them"
        )
    n_products, n_windows = len(grid.product_ids), len(starts)
    target_days = starts[:, None] + np.arange(horizon)  # [W, F]
    history_days = starts[:, None] + np.arange(-history, 0)  # [W, H]

    def flat(values: np.ndarray) -> np.ndarray:  # [P, W, …] → [P·W, …], product-major
        return np.ascontiguousarray(values.reshape(n_products * n_windows, *values.shape[2:]))

    return WindowArrays(
        history=flat(grid.units[:, history_days]),
        target=flat(grid.units[:, target_days]),
        temporal=flat(grid.calendar[:, target_days]),
        reviews=flat(grid.reviews[:, starts - 1]),
        product_ids=np.repeat(grid.product_ids, n_windows),
        start_dates=np.tile(grid.dates[starts], n_products),
        split=split,
    )
