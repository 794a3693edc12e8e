"""Synthetic-vs-real checks: the discriminative score at its two ends, and the autocorrelation
and marginal distances against direct NumPy computations."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.augment.fidelity import (
    classifier_features,
    discriminative_score,
    lagged_autocorrelation,
    marginal_distances,
)
from benchlab.errors import InputError


def _windows(n: int = 400, history: int = 10, horizon: int = 7, *, seed: int = 0):
    rng = np.random.default_rng(seed)
    series = rng.gamma(2.0, 0.1, size=(n, history + horizon)).cumsum(axis=1) / 10
    groups = np.repeat([f"p{i}" for i in range(20)], n // 20)
    return series[:, :history], series[:, history:], groups


def test_synthetic_copies_of_the_real_windows_score_zero() -> None:
    history, target, groups = _windows()
    score = discriminative_score(history, target, target.copy(), groups=groups, seed=0)
    assert score.accuracy == 0.5 and score.score == 0.0
    assert score.n_train + score.n_test == 2 * len(target)


def test_obviously_different_windows_score_near_one_half() -> None:
    history, target, groups = _windows()
    noise = np.random.default_rng(1).uniform(2.0, 3.0, size=target.shape)
    score = discriminative_score(history, target, noise, groups=groups, seed=0)
    assert score.score > 0.45


def test_twins_stay_on_one_side_and_a_single_product_splits_by_window() -> None:
    history, target, _ = _windows(n=40)
    one_product = np.full(len(target), "p0")
    score = discriminative_score(history, target, target.copy(), groups=one_product, seed=3)
    assert score.score == 0.0 and score.n_train == 40


def test_mismatched_pairs_are_refused() -> None:
    history, target, groups = _windows()
    with pytest.raises(InputError, match="pair up row by row"):
        discriminative_score(history, target, target[:-1], groups=groups)


def test_classifier_features_hold_the_window_and_its_changes() -> None:
    history, target, _ = _windows(n=20)
    features = classifier_features(history, target)
    h, f = history.shape[1], target.shape[1]
    assert features.shape == (20, h + f + (f - 1) + f + f)
    np.testing.assert_allclose(features[:, h + f : h + 2 * f - 1], np.diff(target, axis=1))


def test_lagged_autocorrelation_matches_a_direct_computation() -> None:
    history, target, _ = _windows(n=60)
    found = lagged_autocorrelation(history, target)
    sequence = np.concatenate([history, target], axis=1)
    h = history.shape[1]
    for i, lag in enumerate(range(1, 8)):
        earlier, later = [], []
        for row in sequence:
            for day in range(h, sequence.shape[1]):
                earlier.append(row[day - lag])
                later.append(row[day])
        assert found[i] == pytest.approx(np.corrcoef(earlier, later)[0, 1], abs=1e-12)


def test_a_constant_sequence_has_no_autocorrelation_and_lags_need_history() -> None:
    flat = np.ones((5, 8))
    assert np.isnan(lagged_autocorrelation(flat, np.ones((5, 7)))).all()
    with pytest.raises(InputError, match="history days"):
        lagged_autocorrelation(np.ones((5, 3)), np.ones((5, 7)))


def test_marginal_distances_match_direct_numpy() -> None:
    rng = np.random.default_rng(4)
    real, synthetic = rng.exponential(1.0, size=(300, 7)), rng.exponential(1.3, size=(300, 7))
    found = marginal_distances(real, synthetic)
    a, b = np.sort(real.ravel()), np.sort(synthetic.ravel())
    assert found.wasserstein == pytest.approx(np.abs(a - b).mean(), rel=1e-9)  # equal sizes
    grid = np.concatenate([a, b])
    ecdf_a = np.searchsorted(a, grid, side="right") / a.size
    ecdf_b = np.searchsorted(b, grid, side="right") / b.size
    assert found.ks_statistic == pytest.approx(np.abs(ecdf_a - ecdf_b).max(), abs=1e-12)
    assert found.real_mean == pytest.approx(a.mean()) and found.synthetic_std == pytest.approx(
        b.std()
    )
    same = marginal_distances(real, real)
    assert same.wasserstein == 0.0 and same.ks_statistic == 0.0
