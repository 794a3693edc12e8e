"""Scalers fitted on the training period only, saved as ``scalers.json`` beside the panel.

* units: per product min–max, ``units_scaled = (units - min) / (max - min)`` with the min and max
  of that product's *training* days (a range of 0 counts as 1). Validation and test days use the
  same numbers, so they may leave [0, 1];
* review count: ``review_count_log = log(count + 1) / max``, the max over every product's
  training days (1 when no training day has a review).

Changing anything after the training period leaves both unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.data.validation import format_values, plural
from benchlab.errors import InputError
from benchlab.runs import atomic_path

SCALERS_FILE = "scalers.json"
TRAIN = "train"


@dataclass(frozen=True)
class Scalers:
    """What ``scalers.json`` holds: per-product units min/max, the review-count normaliser and
    each split's first and last day."""

    units_min: dict[str, float]
    units_max: dict[str, float]
    review_count_log_max: float
    splits: dict[str, tuple[dt.date, dt.date]]

    def to_json(self) -> dict:
        return {
            "fitted_on": TRAIN,
            "units": {
                pid: {"min": self.units_min[pid], "max": self.units_max[pid]}
                for pid in sorted(self.units_min)
            },
            "review_count_log": {"max": self.review_count_log_max},
            "splits": {
                name: [first.isoformat(), last.isoformat()]
                for name, (first, last) in self.splits.items()
            },
        }

    @classmethod
    def from_json(cls, payload: dict, *, source: str) -> Scalers:
        try:
            units = payload["units"]
            return cls(
                units_min={pid: float(v["min"]) for pid, v in units.items()},
                units_max={pid: float(v["max"]) for pid, v in units.items()},
                review_count_log_max=float(payload["review_count_log"]["max"]),
                splits={
                    name: (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
                    for name, (a, b) in payload["splits"].items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{source}: not a scalers file from preprocess ({exc!r})") from exc


def fit_scalers(panel: pl.DataFrame) -> Scalers:
    """Fit on the panel's ``split == "train"`` rows (columns product_id, date, units,
    raw_review_count_log, split)."""
    train = panel.filter(pl.col("split") == TRAIN)
    units = train.group_by("product_id").agg(
        pl.col("units").min().cast(pl.Float64).alias("min"),
        pl.col("units").max().cast(pl.Float64).alias("max"),
    )
    log_max = train["raw_review_count_log"].max()
    spans = (
        panel.group_by("split")
        .agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
        .sort("first")
    )
    return Scalers(
        units_min=dict(zip(units["product_id"], units["min"], strict=True)),
        units_max=dict(zip(units["product_id"], units["max"], strict=True)),
        review_count_log_max=float(log_max) if log_max else 1.0,
        splits={row["split"]: (row["first"], row["last"]) for row in spans.iter_rows(named=True)},
    )


def apply_scalers(panel: pl.DataFrame, scalers: Scalers) -> pl.DataFrame:
    """Add ``units_scaled`` and ``review_count_log`` (replacing ``raw_review_count_log``)."""
    low = pl.col("product_id").replace_strict(scalers.units_min, return_dtype=pl.Float64)
    high = pl.col("product_id").replace_strict(scalers.units_max, return_dtype=pl.Float64)
    span = pl.when(high > low).then(high - low).otherwise(1.0)
    return panel.with_columns(
        ((pl.col("units") - low) / span).alias("units_scaled"),
        (pl.col("raw_review_count_log") / scalers.review_count_log_max).alias("review_count_log"),
    ).drop("raw_review_count_log")


def save_scalers(scalers: Scalers, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(scalers.to_json(), indent=2) + "\n")


def load_scalers(directory: str | Path) -> Scalers:
    """The scalers ``benchlab augment preprocess`` wrote into ``directory``."""
    path = Path(directory) / SCALERS_FILE
    if not path.is_file():
        raise InputError(f"{SCALERS_FILE}: file not found in {path.parent} (run preprocess first)")
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{SCALERS_FILE}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    return Scalers.from_json(payload, source=SCALERS_FILE)


def to_original_scale(
    values: np.ndarray, product_ids: Sequence[str] | np.ndarray, scalers: Scalers
) -> np.ndarray:
    """Scaled units ``values`` ([N] or [N, …], row i of product ``product_ids[i]``) back in
    units: ``value * (max - min) + min`` with each product's training min and max."""
    ids = pl.Series("product_id", np.asarray(product_ids).astype(str))
    unknown = ids.filter(~ids.is_in(list(scalers.units_min))).unique(maintain_order=True)
    if unknown.len():
        raise InputError(
            f"{SCALERS_FILE}: {plural(unknown.len(), 'product')} without a scaler "
            f"({format_values(unknown.head(6).to_list(), unknown.len())})"
        )
    low = ids.replace_strict(scalers.units_min, return_dtype=pl.Float64).to_numpy()
    high = ids.replace_strict(scalers.units_max, return_dtype=pl.Float64).to_numpy()
    span = np.where(high > low, high - low, 1.0)
    values = np.asarray(values)
    dtype = values.dtype if values.dtype.kind == "f" else np.float64
    shape = (-1,) + (1,) * (values.ndim - 1)
    return (values * span.reshape(shape) + low.reshape(shape)).astype(dtype, copy=False)
