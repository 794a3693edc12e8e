"""Balanced, stratified and seeded train/validation/test splits of labelled texts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchlab.errors import InputError


@dataclass
class TextSplits:
    """Three splits with columns ``text`` (Utf8, non-empty), ``label`` (Int64 class id) and
    ``rating`` (Float64, only when ``data.rating_column`` is set)."""

    train: pl.DataFrame
    validation: pl.DataFrame
    test: pl.DataFrame
    labels: list[str]
    source: str

    def sizes(self) -> dict[str, int]:
        """Rows per split."""
        return {
            "train": self.train.height,
            "validation": self.validation.height,
            "test": self.test.height,
        }


def class_counts(frame: pl.DataFrame, n_classes: int) -> list[int]:
    """Rows per class id ``0 … n_classes - 1``."""
    return np.bincount(frame["label"].to_numpy(), minlength=n_classes).tolist()


def balance_classes(frame: pl.DataFrame, *, seed: int) -> pl.DataFrame:
    """Every class downsampled (seeded) to the rarest class's count; row order kept."""
    rarest = frame.group_by("label").len()["len"].min()
    rng = np.random.default_rng(seed)
    keep = np.zeros(frame.height, dtype=bool)
    labels = frame["label"].to_numpy()
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        keep[rng.choice(rows, size=rarest, replace=False)] = True
    return frame.filter(pl.Series(keep))


def stratified_sample(frame: pl.DataFrame, size: int, *, seed: int) -> pl.DataFrame:
    """``size`` rows with the classes in their proportions (all rows when there are fewer)."""
    if size >= frame.height:
        return frame
    from sklearn.model_selection import train_test_split

    index = np.arange(frame.height)
    try:
        chosen, _ = train_test_split(
            index, train_size=size, stratify=frame["label"].to_numpy(), random_state=seed
        )
    except ValueError as exc:
        raise InputError(f"data.max_samples {size}: too few rows for every class ({exc})") from exc
    return frame[np.sort(chosen)]


def min_rows_per_class(validation_fraction: float, test_fraction: float) -> int:
    """The fewest rows a class needs to appear in each of the three stratified splits.

    >>> min_rows_per_class(0.15, 0.15)
    9
    """
    share = min(test_fraction, validation_fraction, 1 - validation_fraction - test_fraction)
    return math.ceil(1 / share) + 2


def split_frame(
    frame: pl.DataFrame,
    labels: list[str],
    *,
    validation_fraction: float,
    test_fraction: float,
    seed: int,
    where: str,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Stratified, seeded train/validation/test; a class too small to reach every split is
    one InputError naming it."""
    from sklearn.model_selection import train_test_split

    counts = class_counts(frame, len(labels))
    needed = min_rows_per_class(validation_fraction, test_fraction)
    small = {labels[i]: n for i, n in enumerate(counts) if n < needed}
    if small:
        raise InputError(
            f"{where}: too few rows to split for class "
            + ", ".join(f"{name!r} ({n} rows)" for name, n in small.items())
            + f"; each class needs at least {needed} for validation_fraction "
            f"{validation_fraction} and test_fraction {test_fraction}"
        )
    index = np.arange(frame.height)
    y = frame["label"].to_numpy()
    rest, test = train_test_split(index, test_size=test_fraction, stratify=y, random_state=seed)
    train, validation = train_test_split(
        rest,
        test_size=validation_fraction / (1 - test_fraction),
        stratify=y[rest],
        random_state=seed,
    )
    parts = tuple(frame[np.sort(part)] for part in (train, validation, test))
    for name, part in zip(("train", "validation", "test"), parts, strict=True):
        absent = [labels[i] for i, n in enumerate(class_counts(part, len(labels))) if n == 0]
        if absent:
            raise InputError(f"{where}: the {name} split has no row of class {absent}; add rows")
    return parts  # type: ignore[return-value]
