"""Balancing, stratified subsampling and stratified seeded splits."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.data.splits import (
    balance_classes,
    class_counts,
    min_rows_per_class,
    split_frame,
    stratified_sample,
)


def frame_with(counts: list[int]) -> pl.DataFrame:
    labels = np.repeat(np.arange(len(counts)), counts)
    return pl.DataFrame({"text": [f"t{i}" for i in range(labels.size)], "label": labels})


def test_balance_downsamples_every_class_to_the_rarest() -> None:
    frame = frame_with([50, 20, 7])
    balanced = balance_classes(frame, seed=1)
    assert class_counts(balanced, 3) == [7, 7, 7]
    assert balanced.equals(balance_classes(frame, seed=1))
    assert not balanced.equals(balance_classes(frame, seed=2))


def test_stratified_sample_keeps_class_shares() -> None:
    sample = stratified_sample(frame_with([600, 300, 100]), 100, seed=0)
    assert class_counts(sample, 3) == [60, 30, 10]
    assert stratified_sample(frame_with([5, 5]), 100, seed=0).height == 10


@pytest.mark.parametrize("counts", [[9, 9], [9, 40, 200], [30, 30, 30, 30]])
def test_splits_are_stratified_disjoint_and_hold_every_class(counts: list[int]) -> None:
    frame = frame_with(counts)
    labels = [f"c{i}" for i in range(len(counts))]
    parts = split_frame(
        frame, labels, validation_fraction=0.15, test_fraction=0.15, seed=3, where="f.csv"
    )
    texts = [set(part["text"]) for part in parts]
    assert sum(map(len, texts)) == frame.height and len(set().union(*texts)) == frame.height
    for part in parts:
        assert min(class_counts(part, len(labels))) >= 1
    again = split_frame(
        frame, labels, validation_fraction=0.15, test_fraction=0.15, seed=3, where="f.csv"
    )
    assert all(a.equals(b) for a, b in zip(parts, again, strict=True))


def test_every_class_at_the_minimum_reaches_every_split() -> None:
    for fractions in ((0.15, 0.15), (0.1, 0.2), (0.3, 0.3), (0.05, 0.1)):
        needed = min_rows_per_class(*fractions)
        for k in (2, 3, 5):
            for extra in (0, 1, 50):
                frame = frame_with([needed] * (k - 1) + [needed + extra])
                labels = [str(i) for i in range(k)]
                split_frame(
                    frame,
                    labels,
                    validation_fraction=fractions[0],
                    test_fraction=fractions[1],
                    seed=0,
                    where="f",
                )


def test_a_class_too_small_to_split_is_named() -> None:
    with pytest.raises(
        InputError, match=r"reviews\.csv: too few rows to split for class 'rare' \(4 rows\)"
    ):
        split_frame(
            frame_with([40, 4]),
            ["common", "rare"],
            validation_fraction=0.15,
            test_fraction=0.15,
            seed=0,
            where="reviews.csv",
        )
