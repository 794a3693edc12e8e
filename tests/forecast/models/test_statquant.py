"""``statquant``: seasonal naive point forecast and same-season empirical quantiles."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.forecast.models.statquant import StatQuant


def _reference(
    series: list[np.ndarray], m: int, n_seasons: int, alphas: list[float], horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Loop-per-series statement of what statquant computes, using ``np.quantile``."""
    points, quantiles = [], []
    for s in series:
        n = len(s)
        point, q = [], []
        for h in range(horizon):
            back = n - m + (h % m)  # index of the same position in the last season
            point.append(s[back] if back >= 0 else s[-1])
            history = s[[i for i in range(back, back - n_seasons * m, -m) if i >= 0]]
            q.append(np.quantile(history, alphas) if history.size else np.full(len(alphas), s[-1]))
        points.append(point)
        quantiles.append(q)
    return np.array(points), np.array(quantiles)


def test_point_is_the_value_one_season_back_for_a_periodic_series() -> None:
    pattern = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0])
    y = np.tile(pattern, 10)[2:]  # starts mid-season
    model = StatQuant(quantile_alphas=[0.1, 0.9]).fit_series(
        y, np.array([0, y.size]), season_length=7
    )
    point, quantiles = model.forecast(16)
    expected = np.tile(pattern, 4)[(y.size + 2) % 7 :][:16]
    np.testing.assert_array_equal(point[0], expected)
    # A periodic series has no spread at a given position in the season.
    np.testing.assert_array_equal(quantiles[0], np.stack([expected, expected], axis=-1))


def test_matches_a_per_series_reference_with_uneven_lengths() -> None:
    rng = np.random.default_rng(1)
    lengths = [100, 40, 9, 3]  # the last two hold fewer than n_seasons seasons, one < m
    series = [rng.gamma(2.0, 3.0, n) for n in lengths]
    y, indptr = np.concatenate(series), np.concatenate([[0], np.cumsum(lengths)])
    alphas = [0.05, 0.25, 0.5, 0.75, 0.95]
    model = StatQuant(quantile_alphas=alphas, n_seasons=8).fit_series(y, indptr, season_length=7)
    point, quantiles = model.forecast(20)
    ref_point, ref_quantiles = _reference(series, 7, 8, alphas, 20)
    np.testing.assert_array_equal(point, ref_point)
    np.testing.assert_allclose(quantiles, ref_quantiles, rtol=1e-12)


def test_n_seasons_bounds_the_history() -> None:
    # A level shift 3 seasons ago: with n_seasons=2 the quantiles only see the new level.
    y = np.concatenate([np.full(70, 100.0), np.full(21, 1.0)])
    model = StatQuant(quantile_alphas=[0.1, 0.9], n_seasons=2)
    _, quantiles = model.fit_series(y, np.array([0, y.size]), season_length=7).forecast(7)
    assert (quantiles == 1.0).all()


def test_point_only_without_alphas() -> None:
    model = StatQuant().fit_series(np.arange(14.0), np.array([0, 14]), season_length=7)
    point, quantiles = model.forecast(3)
    assert quantiles is None
    np.testing.assert_array_equal(point, [[7.0, 8.0, 9.0]])


def test_refuses_non_finite_targets() -> None:
    with pytest.raises(InputError, match="series \\[1\\]"):
        StatQuant().fit_series(np.array([1.0, 2.0, np.nan]), np.array([0, 2, 3]), season_length=1)
