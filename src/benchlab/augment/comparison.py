"""Is the augmented forecaster really better? Intervals and paired tests from per-seed errors.

Each variant (real only, augmented, TSTR) is trained once per seed and scored on the same real
test windows, so its errors form an array ``[seeds, windows, horizon]`` (forecast - truth).
From it:

- per seed: MAE and RMSE; a variant's figure is their mean over seeds;
- the 95% interval **over seeds**: percentile bootstrap of the per-seed values (training
  randomness; needs at least :data:`~benchlab.evaluation.statistics.MIN_POINTS` seeds);
- the 95% interval **over test windows**: percentile bootstrap over windows of each window's
  error averaged over seeds and horizon (which windows happen to be in the test period);
- a variant against the real-only baseline, paired by seed and by window: the paired bootstrap
  over seeds of ``MAE(variant) - MAE(baseline)`` (``paired_bootstrap``, p-value and share of
  resamples where the variant wins), the Diebold–Mariano test (HLN-corrected, absolute loss,
  Newey–West over ``horizon - 1`` lags since neighbouring windows share target days) on the
  per-window absolute errors averaged over seeds, in product-then-date order, and the relative
  improvement ``1 - MAE(variant) / MAE(baseline)`` with both intervals.

The verdict is conservative: augmentation *helps* only when every interval of the relative
improvement that could be computed lies above 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.errors import InputError
from benchlab.evaluation.statistics import (
    MIN_POINTS,
    BootstrapInterval,
    DieboldMarianoResult,
    PairedBootstrap,
    bootstrap_ci,
    diebold_mariano,
    paired_bootstrap,
)

METRICS = ("mae", "rmse")


def seed_metrics(errors: np.ndarray) -> dict[str, np.ndarray]:
    """Per-seed MAE and RMSE of ``errors`` ``[seeds, windows, horizon]``."""
    errors = _errors(errors)
    flat = errors.reshape(errors.shape[0], -1)
    return {
        "mae": np.abs(flat).mean(axis=1),
        "rmse": np.sqrt(np.square(flat).mean(axis=1)),
    }


def window_losses(errors: np.ndarray, metric: str) -> np.ndarray:
    """Per test window: the absolute (``mae``) or squared (``rmse``) error averaged over seeds
    and horizon, ``[windows]``."""
    errors = _errors(errors)
    loss = np.abs(errors) if metric == "mae" else np.square(errors)
    return loss.mean(axis=(0, 2))


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(values, axis=axis)


def _root_mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.sqrt(np.mean(values, axis=axis))


def _improvement(baseline: np.ndarray, variant: np.ndarray, axis: int = -1) -> np.ndarray:
    """``1 - mean(variant) / mean(baseline)``: the share of the baseline's error removed."""
    return 1.0 - np.mean(variant, axis=axis) / np.mean(baseline, axis=axis)


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one variant: per seed, its mean, and both 95% intervals."""

    metric: str
    per_seed: tuple[float, ...]
    mean: float
    seeds_ci: BootstrapInterval | None  # None: fewer than MIN_POINTS seeds
    windows_ci: BootstrapInterval  # of the seed-pooled metric (RMSE: root of pooled MSE)


def summarise(
    errors: np.ndarray, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> dict[str, MetricSummary]:
    """MAE and RMSE of one variant's errors ``[seeds, windows, horizon]`` with intervals."""
    per_seed = seed_metrics(errors)
    options = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    out = {}
    for metric in METRICS:
        values = per_seed[metric]
        statistic = _mean if metric == "mae" else _root_mean
        out[metric] = MetricSummary(
            metric=metric,
            per_seed=tuple(float(v) for v in values),
            mean=float(values.mean()),
            seeds_ci=bootstrap_ci(values, _mean, **options) if values.size >= MIN_POINTS else None,
            windows_ci=bootstrap_ci(window_losses(errors, metric), statistic, **options),
        )
    return out


@dataclass(frozen=True)
class PairedComparison:
    """A variant's test MAE against the baseline's, paired by seed and by window."""

    variant: str
    baseline: str
    metric: str
    difference: float  # mean over seeds of MAE(variant) - MAE(baseline)
    improvement: float  # 1 - MAE(variant) / MAE(baseline), from the means over seeds
    seeds: PairedBootstrap | None  # None: fewer than MIN_POINTS seeds
    improvement_seeds_ci: BootstrapInterval | None
    improvement_windows_ci: BootstrapInterval
    diebold_mariano: DieboldMarianoResult | None  # None: undefined (identical losses)
    n_seeds: int

    @property
    def intervals(self) -> list[tuple[str, BootstrapInterval]]:
        """The intervals of the relative improvement that could be computed."""
        found = [("over seeds", self.improvement_seeds_ci)] if self.improvement_seeds_ci else []
        return [*found, ("over test windows", self.improvement_windows_ci)]

    @property
    def helps(self) -> bool:
        """Every interval of the relative improvement lies above 0."""
        return all(ci.low > 0 for _, ci in self.intervals)

    @property
    def hurts(self) -> bool:
        """Every interval of the relative improvement lies below 0."""
        return all(ci.high < 0 for _, ci in self.intervals)


def compare(
    variant_errors: np.ndarray,
    baseline_errors: np.ndarray,
    *,
    variant: str,
    baseline: str,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> PairedComparison:
    """``variant`` against ``baseline`` on test MAE (both ``[seeds, windows, horizon]``, the
    same seeds and windows in the same order); see the module docstring for each test."""
    a, b = _errors(variant_errors), _errors(baseline_errors)
    if a.shape != b.shape:
        raise InputError(f"{variant} errors {a.shape} and {baseline} errors {b.shape} differ")
    options = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    mae_a, mae_b = seed_metrics(a)["mae"], seed_metrics(b)["mae"]
    windows_a, windows_b = window_losses(a, "mae"), window_losses(b, "mae")
    enough = mae_a.size >= MIN_POINTS
    try:
        dm = diebold_mariano(windows_a, windows_b, horizon=a.shape[2], loss="absolute")
    except InputError:
        dm = None
    return PairedComparison(
        variant=variant,
        baseline=baseline,
        metric="mae",
        difference=float(mae_a.mean() - mae_b.mean()),
        improvement=float(1.0 - mae_a.mean() / mae_b.mean()),
        seeds=paired_bootstrap(mae_a, mae_b, lower_is_better=True, **options) if enough else None,
        improvement_seeds_ci=bootstrap_ci((mae_b, mae_a), _improvement, **options)
        if enough
        else None,
        improvement_windows_ci=bootstrap_ci((windows_b, windows_a), _improvement, **options),
        diebold_mariano=dm,
        n_seeds=int(mae_a.size),
    )


def _percent(value: float) -> str:
    return f"{100 * value:+.1f} %"


def _interval(ci: BootstrapInterval) -> str:
    return f"{_percent(ci.low)} … {_percent(ci.high)}"


def verdict(comparison: PairedComparison) -> str:
    """One plain sentence: does the variant help, and how sure is that?"""
    intervals = "; ".join(f"{_interval(ci)} {where}" for where, ci in comparison.intervals)
    level = f"{comparison.improvement_windows_ci.confidence:.0%}"
    missing = (
        ""
        if comparison.improvement_seeds_ci is not None
        else f" (no interval over seeds: {comparison.n_seeds} seed(s), at least {MIN_POINTS} "
        "needed)"
    )
    change = (
        f"test MAE changes by {_percent(-comparison.improvement)} against {comparison.baseline}"
    )
    if comparison.helps:
        return (
            f"Augmentation helps: {change}; the {level} interval of the improvement lies above 0 "
            f"({intervals}){missing}."
        )
    if comparison.hurts:
        return (
            f"Augmentation does not help, it hurts: {change}; the {level} interval of the "
            f"improvement lies below 0 ({intervals}){missing}."
        )
    return (
        f"Augmentation does not help: {change}, and the {level} interval of the improvement "
        f"includes 0 ({intervals}){missing}."
    )


def as_json(summary: dict[str, MetricSummary] | PairedComparison) -> Any:
    """Results of this module as plain data (for ``evaluation.json``)."""
    from dataclasses import asdict

    if isinstance(summary, PairedComparison):
        return {**asdict(summary), "helps": summary.helps}
    return {name: asdict(value) for name, value in summary.items()}


def _errors(errors: Any) -> np.ndarray:
    array = np.asarray(errors, dtype=np.float64)
    if array.ndim != 3 or 0 in array.shape:
        raise InputError(f"errors must be [seeds, windows, horizon], got shape {array.shape}")
    if not np.isfinite(array).all():
        raise InputError("errors hold NaN or inf: a forecaster diverged")
    return array
