"""Small seeded data shared by the model tests: a few daily series with a weekly pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

SEASON = 7
HORIZON = 28
WEEKLY = np.array([1.0, 0.8, 0.9, 1.1, 1.3, 1.8, 1.6])


@dataclass(frozen=True)
class Panel:
    """Daily series in the flat layout, split into train (all but the last HORIZON) and test."""

    y: np.ndarray
    indptr: np.ndarray
    train_y: np.ndarray
    train_indptr: np.ndarray
    test_y: np.ndarray  # (n_series, HORIZON)
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def make_panel(lengths: tuple[int, ...] = (200, 185, 160), seed: int = 0) -> Panel:
    """Weekly pattern times a per-series level, plus Gaussian noise; features lag 7, 14, weekday.

    Series lengths differ so every model has to honour ``indptr``. A few feature values are NaN,
    as in real feature matrices.
    """
    rng = np.random.default_rng(seed)
    lengths_arr = np.asarray(lengths)
    indptr = np.concatenate([[0], np.cumsum(lengths_arr)])
    series = [
        (10.0 + 5.0 * i) * WEEKLY[np.arange(n) % SEASON] + rng.normal(0.0, 1.0, n)
        for i, n in enumerate(lengths)
    ]
    y = np.concatenate(series)
    train = [s[:-HORIZON] for s in series]
    train_indptr = np.concatenate([[0], np.cumsum([len(s) for s in train])])

    rows_train, rows_test, y_tr, y_te = [], [], [], []
    for s in series:
        t = np.arange(14, len(s))
        X = np.column_stack([s[t - 7], s[t - 14], t % SEASON]).astype(np.float32)
        is_test = t >= len(s) - HORIZON
        rows_train.append(X[~is_test])
        rows_test.append(X[is_test])
        y_tr.append(s[t[~is_test]])
        y_te.append(s[t[is_test]])
    X_train = np.concatenate(rows_train)
    X_train[rng.random(X_train.shape) < 0.02] = np.nan
    return Panel(
        y=y,
        indptr=indptr,
        train_y=np.concatenate(train),
        train_indptr=train_indptr,
        test_y=np.stack([s[-HORIZON:] for s in series]),
        X_train=X_train,
        y_train=np.concatenate(y_tr),
        X_test=np.concatenate(rows_test),
        y_test=np.concatenate(y_te),
    )


@pytest.fixture(scope="session")
def panel() -> Panel:
    return make_panel()
