"""Intervals, paired tests and the verdict, checked against direct computations on the same
per-seed and per-window errors."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.augment.comparison import compare, seed_metrics, summarise, verdict, window_losses
from benchlab.errors import InputError
from benchlab.evaluation.statistics import bootstrap_ci, diebold_mariano, paired_bootstrap

SEEDS, WINDOWS, HORIZON = 5, 80, 7


def _errors(scale: float, *, seed: int, seeds: int = SEEDS) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(scale=scale, size=(seeds, WINDOWS, HORIZON))


def test_seed_metrics_and_window_losses_are_the_plain_formulas() -> None:
    errors = _errors(1.0, seed=0)
    metrics = seed_metrics(errors)
    for s in range(SEEDS):
        assert metrics["mae"][s] == pytest.approx(np.mean(np.abs(errors[s])))
        assert metrics["rmse"][s] == pytest.approx(np.sqrt(np.mean(errors[s] ** 2)))
    np.testing.assert_allclose(window_losses(errors, "mae"), np.abs(errors).mean(axis=(0, 2)))
    np.testing.assert_allclose(window_losses(errors, "rmse"), (errors**2).mean(axis=(0, 2)))


def test_summaries_hold_the_per_seed_values_and_both_intervals() -> None:
    errors = _errors(1.0, seed=1)
    summary = summarise(errors, n_resamples=500, seed=3)
    mae = np.abs(errors).mean(axis=(1, 2))
    assert summary["mae"].per_seed == pytest.approx(tuple(mae))
    assert summary["mae"].mean == pytest.approx(mae.mean())
    assert summary["mae"].seeds_ci == bootstrap_ci(mae, n_resamples=500, seed=3)
    windows = summary["rmse"].windows_ci
    assert windows.statistic == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert windows.low < windows.statistic < windows.high


def test_the_paired_statistics_come_from_the_per_seed_results() -> None:
    baseline = _errors(1.0, seed=2)
    variant = baseline * 0.8 + _errors(0.1, seed=3)
    found = compare(variant, baseline, variant="augmented", baseline="real_only", seed=7)
    mae_v = np.abs(variant).mean(axis=(1, 2))
    mae_b = np.abs(baseline).mean(axis=(1, 2))
    assert found.difference == pytest.approx(np.mean(mae_v - mae_b))
    assert found.improvement == pytest.approx(1 - mae_v.mean() / mae_b.mean())
    assert found.seeds == paired_bootstrap(mae_v, mae_b, lower_is_better=True, seed=7)
    assert found.improvement_seeds_ci is not None
    assert found.improvement_seeds_ci.statistic == pytest.approx(found.improvement)
    windows_v, windows_b = np.abs(variant).mean(axis=(0, 2)), np.abs(baseline).mean(axis=(0, 2))
    assert found.improvement_windows_ci.statistic == pytest.approx(
        1 - windows_v.mean() / windows_b.mean()
    )
    assert found.diebold_mariano == diebold_mariano(
        windows_v, windows_b, horizon=HORIZON, loss="absolute"
    )
    assert found.helps and not found.hurts
    assert verdict(found).startswith("Augmentation helps")


def test_with_fewer_than_five_seeds_only_the_window_interval_exists() -> None:
    baseline = _errors(1.0, seed=4, seeds=2)
    variant = baseline * 0.5
    found = compare(variant, baseline, variant="augmented", baseline="real_only")
    assert found.seeds is None and found.improvement_seeds_ci is None
    assert [where for where, _ in found.intervals] == ["over test windows"]
    assert "no interval over seeds: 2 seed(s)" in verdict(found)


def test_the_report_says_plainly_when_augmentation_does_not_help() -> None:
    baseline = _errors(1.0, seed=5)
    same_quality = _errors(1.0, seed=6)  # independent errors of the same size
    found = compare(same_quality, baseline, variant="augmented", baseline="real_only")
    low, high = found.improvement_windows_ci.low, found.improvement_windows_ci.high
    assert low < 0 < high
    assert not found.helps
    sentence = verdict(found)
    assert sentence.startswith("Augmentation does not help:") and "includes 0" in sentence


def test_a_variant_that_is_worse_is_said_to_hurt() -> None:
    baseline = _errors(1.0, seed=7)
    found = compare(baseline * 1.5, baseline, variant="augmented", baseline="real_only")
    assert found.hurts and not found.helps
    assert verdict(found).startswith("Augmentation does not help, it hurts")


def test_identical_errors_leave_diebold_mariano_undefined() -> None:
    errors = _errors(1.0, seed=8)
    found = compare(errors, errors.copy(), variant="augmented", baseline="real_only")
    assert found.diebold_mariano is None and found.difference == 0.0 and not found.helps


def test_bad_error_arrays_are_refused() -> None:
    with pytest.raises(InputError, match=r"\[seeds, windows, horizon\]"):
        seed_metrics(np.zeros((3, 4)))
    bad = _errors(1.0, seed=9)
    bad[0, 0, 0] = np.nan
    with pytest.raises(InputError, match="diverged"):
        summarise(bad)
    with pytest.raises(InputError, match="differ"):
        compare(_errors(1.0, seed=1), _errors(1.0, seed=1, seeds=2), variant="a", baseline="b")
