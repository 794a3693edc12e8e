"""Is one model really better than another? Bootstrap intervals and paired significance tests.

Every function takes per-item arrays (per-SKU errors, per-example correctness, a forecast's
errors over time) and returns a small frozen dataclass with the statistic, the p-value or
interval, and a sentence saying what was tested:

- :func:`bootstrap_ci` — percentile bootstrap interval of any statistic of one sample (or of
  paired samples);
- :func:`paired_bootstrap` — interval of ``mean(a - b)`` and the share of resamples where ``a``
  beats ``b``;
- :func:`mcnemar` — two classifiers on the same examples;
- :func:`diebold_mariano` — two forecasts of the same series (Harvey–Leybourne–Newbold
  corrected);
- :func:`pairwise_tests` — one paired test over every pair of models, Holm–Bonferroni adjusted.

Signs follow ``a - b`` everywhere: a positive statistic means ``a``'s values (or losses) are the
larger ones. SciPy is imported inside the functions, so importing this module costs only NumPy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from benchlab.errors import InputError

if TYPE_CHECKING:
    import polars as pl

#: Fewest points a test or interval accepts: below this a p-value means nothing.
MIN_POINTS = 5
#: McNemar uses the exact binomial test below this many discordant pairs (unless told).
EXACT_BELOW = 25
#: Largest number of resampled values held in memory at once by the bootstrap.
_BOOTSTRAP_CELLS = 4_000_000

Loss = Literal["squared", "absolute"]
BootstrapMethod = Literal["percentile", "basic", "BCa"]


class PairedTestResult(Protocol):
    """What :func:`pairwise_tests` reads from a paired test's result."""

    @property
    def statistic(self) -> float: ...

    @property
    def p_value(self) -> float: ...


@dataclass(frozen=True)
class BootstrapInterval:
    """A bootstrap confidence interval: ``low <= statistic <= high`` most of the time."""

    statistic: float
    low: float
    high: float
    confidence: float
    n: int
    n_resamples: int
    method: str


@dataclass(frozen=True)
class PairedBootstrap:
    """Bootstrap of ``mean(a - b)`` over paired items.

    ``share_a_better`` is the share of resamples where ``a`` wins (a lower mean when lower is
    better); ``p_value`` is the smallest two-sided level at which the percentile interval
    excludes 0, i.e. ``2 * min(share(mean <= 0), share(mean >= 0))``.
    """

    statistic: float
    low: float
    high: float
    confidence: float
    share_a_better: float
    p_value: float
    n: int
    n_resamples: int
    test: str


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test: ``only_a_correct`` and ``only_b_correct`` are the discordant counts."""

    statistic: float
    p_value: float
    only_a_correct: int
    only_b_correct: int
    n: int
    method: str
    test: str


@dataclass(frozen=True)
class DieboldMarianoResult:
    """Diebold–Mariano test; ``statistic`` > 0 means ``a`` has the larger mean loss."""

    statistic: float
    p_value: float
    mean_loss_difference: float
    n: int
    horizon: int
    loss: str
    test: str


def bootstrap_ci(
    values_or_pairs: Any,
    statistic: Callable[..., Any] = np.mean,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    method: BootstrapMethod = "percentile",
    seed: int = 0,
) -> BootstrapInterval:
    """Bootstrap confidence interval of ``statistic`` over per-item values.

    ``values_or_pairs`` is one 1-D array, or a tuple of equal-length 1-D arrays resampled
    together (paired items), in which case ``statistic(*arrays, axis=-1)`` is computed. A
    ``statistic`` with an ``axis`` keyword (``np.mean``, ``np.median``) runs vectorised. The
    same ``seed`` gives the same interval.

    >>> errors = np.random.default_rng(1).exponential(2.0, size=500)
    >>> ci = bootstrap_ci(errors, seed=0)
    >>> bool(ci.low < 2.0 < ci.high), ci.low < ci.statistic < ci.high
    (True, True)
    >>> bootstrap_ci(errors, seed=0) == ci
    True
    """
    from scipy import stats

    _check_confidence(confidence)
    _check_resamples(n_resamples)
    if method not in ("percentile", "basic", "BCa"):
        raise InputError(f"method: must be 'percentile', 'basic' or 'BCa', got {method!r}")
    if (
        isinstance(values_or_pairs, tuple)
        and values_or_pairs
        and all(np.ndim(v) == 1 for v in values_or_pairs)
    ):
        names = [f"values_or_pairs[{i}]" for i in range(len(values_or_pairs))]
        samples = [_finite_vector(v, name) for v, name in zip(values_or_pairs, names, strict=True)]
        _check_same_length(samples, names)
    else:
        samples = [_finite_vector(values_or_pairs, "values_or_pairs")]
    n = samples[0].size
    result = stats.bootstrap(
        tuple(samples),
        statistic,
        n_resamples=n_resamples,
        batch=_batch(n),
        paired=len(samples) > 1,
        confidence_level=confidence,
        method=method,
        rng=np.random.default_rng(seed),
    )
    return BootstrapInterval(
        statistic=float(_apply(statistic, samples)),
        low=float(result.confidence_interval.low),
        high=float(result.confidence_interval.high),
        confidence=confidence,
        n=n,
        n_resamples=n_resamples,
        method=method,
    )


def paired_bootstrap(
    a: Any,
    b: Any,
    *,
    lower_is_better: bool,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> PairedBootstrap:
    """Percentile bootstrap of ``mean(a - b)`` over paired per-item scores of two models.

    ``lower_is_better`` says which way ``a`` wins: ``True`` for errors, ``False`` for
    correctness or any score where more is better.

    >>> rng = np.random.default_rng(3)
    >>> truth = rng.normal(size=300)
    >>> errors_a = np.abs(truth + rng.normal(scale=0.5, size=300))
    >>> errors_b = np.abs(truth + rng.normal(scale=0.5, size=300)) + 0.5
    >>> result = paired_bootstrap(errors_a, errors_b, lower_is_better=True, seed=0)
    >>> bool(result.high < 0), result.share_a_better, result.p_value
    (True, 1.0, 0.0)
    """
    from scipy import stats

    _check_confidence(confidence)
    _check_resamples(n_resamples)
    first, second = _finite_vector(a, "a"), _finite_vector(b, "b")
    _check_same_length([first, second], ["a", "b"])
    difference = first - second
    result = stats.bootstrap(
        (difference,),
        np.mean,
        n_resamples=n_resamples,
        batch=_batch(difference.size),
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    means = result.bootstrap_distribution
    share_a_better = float(np.mean(means < 0) if lower_is_better else np.mean(means > 0))
    p_value = min(1.0, 2.0 * float(min(np.mean(means <= 0), np.mean(means >= 0))))
    return PairedBootstrap(
        statistic=float(difference.mean()),
        low=float(result.confidence_interval.low),
        high=float(result.confidence_interval.high),
        confidence=confidence,
        share_a_better=share_a_better,
        p_value=p_value,
        n=difference.size,
        n_resamples=n_resamples,
        test="paired bootstrap, H0: mean(a - b) = 0",
    )


def mcnemar(correct_a: Any, correct_b: Any, *, exact: bool | None = None) -> McNemarResult:
    """McNemar's test that two classifiers have the same error rate on the same examples.

    Only the discordant examples count: ``only_a_correct`` (a right, b wrong) and
    ``only_b_correct``. With fewer than 25 of them (or ``exact=True``) the p-value is the exact
    two-sided binomial one and ``statistic`` is ``min(only_a_correct, only_b_correct)``;
    otherwise ``statistic`` is ``(|b - c| - 1)**2 / (b + c)`` against a chi-square with one
    degree of freedom (Edwards' continuity correction). With no discordant example at all the
    two classifiers never differ: ``p_value`` is 1.

    >>> a = np.array([1, 1, 1, 1, 1, 1, 0, 0, 1, 1], dtype=bool)
    >>> b = np.array([0, 0, 0, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    >>> result = mcnemar(a, b)
    >>> result.only_a_correct, result.only_b_correct, result.method, round(result.p_value, 4)
    (5, 1, 'exact binomial', 0.2188)
    """
    first, second = _boolean_vector(correct_a, "correct_a"), _boolean_vector(correct_b, "correct_b")
    _check_same_length([first, second], ["correct_a", "correct_b"])
    only_a = int(np.count_nonzero(first & ~second))
    only_b = int(np.count_nonzero(~first & second))
    discordant = only_a + only_b
    use_exact = discordant < EXACT_BELOW if exact is None else exact
    test = "McNemar, H0: P(only a correct) = P(only b correct)"
    if discordant == 0:
        return McNemarResult(0.0, 1.0, 0, 0, first.size, "no discordant pairs", test)
    from scipy import stats

    if use_exact:
        statistic = float(min(only_a, only_b))
        p_value = float(stats.binomtest(only_a, discordant, 0.5).pvalue)
        method = "exact binomial"
    else:
        statistic = (abs(only_a - only_b) - 1) ** 2 / discordant
        p_value = float(stats.chi2.sf(statistic, df=1))
        method = "chi-square, continuity-corrected"
    return McNemarResult(statistic, min(1.0, p_value), only_a, only_b, first.size, method, test)


def diebold_mariano(
    errors_a: Any, errors_b: Any, *, horizon: int = 1, loss: Loss = "squared"
) -> DieboldMarianoResult:
    """Diebold–Mariano test of equal accuracy of two forecasts of the same series.

    The loss differential is ``d = loss(errors_a) - loss(errors_b)``; its long-run variance is
    Newey–West's (Bartlett weights ``1 - k/horizon`` over ``horizon - 1`` lags, never
    negative); the statistic carries the Harvey–Leybourne–Newbold small-sample factor
    ``sqrt((n + 1 - 2h + h(h - 1)/n) / n)`` and is compared with a t distribution with
    ``n - 1`` degrees of freedom (two-sided). A positive statistic means ``a`` has the larger
    mean loss, i.e. ``b`` forecasts better.

    >>> rng = np.random.default_rng(0)
    >>> result = diebold_mariano(rng.normal(scale=2.0, size=200), rng.normal(size=200))
    >>> bool(result.statistic > 0), bool(result.p_value < 0.01)
    (True, True)
    """
    from scipy import stats

    first, second = _finite_vector(errors_a, "errors_a"), _finite_vector(errors_b, "errors_b")
    _check_same_length([first, second], ["errors_a", "errors_b"])
    n = first.size
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InputError(f"horizon: must be a whole number of steps >= 1, got {horizon!r}")
    if horizon >= n:
        raise InputError(f"horizon: {horizon} must be smaller than the {n} points compared")
    if loss == "squared":
        differential = first**2 - second**2
    elif loss == "absolute":
        differential = np.abs(first) - np.abs(second)
    else:
        raise InputError(f"loss: must be 'squared' or 'absolute', got {loss!r}")
    mean = float(differential.mean())
    variance = _newey_west_variance(differential, lags=horizon - 1)
    if not variance > np.finfo(float).eps * float(np.mean(differential**2)):
        raise InputError(
            f"errors_a, errors_b: the {loss} loss differential has zero variance (it equals "
            f"{mean:.6g} at every point), so the test is undefined: the two error series have "
            "the same loss everywhere or differ by a constant"
        )
    correction = np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(correction * mean / np.sqrt(variance / n))
    p_value = float(2.0 * stats.t.sf(abs(statistic), df=n - 1))
    return DieboldMarianoResult(
        statistic=statistic,
        p_value=min(1.0, p_value),
        mean_loss_difference=mean,
        n=n,
        horizon=int(horizon),
        loss=loss,
        test=f"Diebold-Mariano (HLN), H0: equal mean {loss} loss",
    )


def holm_bonferroni(p_values: Any) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (family-wise error), in the input order.

    >>> holm_bonferroni([0.01, 0.04, 0.03]).round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InputError(f"p_values: must be a 1-D array of numbers in [0, 1], got {p_values!r}")
    order = np.argsort(p, kind="stable")
    scaled = (p.size - np.arange(p.size)) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def pairwise_tests(
    scores: Mapping[str, Any], *, test: Callable[[Any, Any], PairedTestResult]
) -> pl.DataFrame:
    """Run one paired ``test`` over every pair of models, for reports.

    ``scores`` maps a model's name to its per-item array (errors for
    :func:`diebold_mariano`, correctness for :func:`mcnemar`, …); pairs follow the mapping's
    order. Returns ``model_a, model_b, statistic, p_value, p_value_holm``, the last adjusted
    over all pairs with Holm–Bonferroni. Pass options with ``functools.partial``.

    >>> import polars as pl
    >>> rng = np.random.default_rng(0)
    >>> errors = {name: rng.normal(scale=s, size=100) for name, s in zip("abc", [1, 3, 1])}
    >>> table = pairwise_tests(errors, test=diebold_mariano)
    >>> table.select("model_a", "model_b", significant=pl.col("p_value_holm") < 0.01).rows()
    [('a', 'b', True), ('a', 'c', False), ('b', 'c', True)]
    """
    import polars as pl

    if len(scores) < 2:
        raise InputError(f"scores: need at least two models to compare, got {list(scores)}")
    pairs = list(combinations(scores, 2))
    results = [test(scores[first], scores[second]) for first, second in pairs]
    p_values = np.array([result.p_value for result in results], dtype=float)
    return pl.DataFrame(
        {
            "model_a": [first for first, _ in pairs],
            "model_b": [second for _, second in pairs],
            "statistic": [float(result.statistic) for result in results],
            "p_value": p_values,
            "p_value_holm": holm_bonferroni(p_values),
        }
    )


def _newey_west_variance(values: np.ndarray, *, lags: int) -> float:
    """Long-run variance of ``values``: autocovariances up to ``lags`` with Bartlett weights."""
    centred = values - values.mean()
    n = centred.size
    variance = float(centred @ centred) / n
    for lag in range(1, lags + 1):
        autocovariance = float(centred[lag:] @ centred[:-lag]) / n
        variance += 2.0 * (1.0 - lag / (lags + 1)) * autocovariance
    return variance


def _finite_vector(values: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: must be an array of numbers ({exc})") from exc
    if array.ndim != 1:
        raise InputError(f"{name}: must be 1-D (one value per item), got shape {array.shape}")
    if array.size < MIN_POINTS:
        raise InputError(f"{name}: needs at least {MIN_POINTS} values, got {array.size}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise InputError(
            f"{name}: {bad.size} non-finite values (NaN or inf) at positions {_positions(bad)}"
        )
    return array


def _boolean_vector(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"{name}: must be a non-empty 1-D array, got shape {array.shape}")
    if array.dtype == bool:
        return array
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: must hold True/False or 0/1 per example ({exc})") from exc
    bad = np.flatnonzero((numbers != 0) & (numbers != 1))
    if bad.size:
        raise InputError(
            f"{name}: must hold True/False or 0/1 per example; "
            f"{bad.size} other values at positions {_positions(bad)}"
        )
    return numbers == 1


def _check_same_length(arrays: Sequence[np.ndarray], names: Sequence[str]) -> None:
    sizes = {name: array.size for name, array in zip(names, arrays, strict=True)}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{name} has {size}" for name, size in sizes.items())
        raise InputError(f"{names[-1]}: paired arrays must have the same length ({detail})")


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise InputError(f"confidence: must be between 0 and 1 (e.g. 0.95), got {confidence!r}")


def _check_resamples(n_resamples: int) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise InputError(f"n_resamples: must be a whole number, got {n_resamples!r}")
    if n_resamples < 100:
        raise InputError(f"n_resamples: must be at least 100, got {n_resamples}")


def _batch(n: int) -> int:
    """Resamples per vectorised call, so one call holds at most ``_BOOTSTRAP_CELLS`` values."""
    return max(1, _BOOTSTRAP_CELLS // max(n, 1))


def _apply(statistic: Callable[..., Any], samples: Sequence[np.ndarray]) -> Any:
    """``statistic`` on the full sample, with ``axis=-1`` where it takes one (as SciPy does)."""
    import inspect

    try:
        takes_axis = "axis" in inspect.signature(statistic).parameters
    except (TypeError, ValueError):
        takes_axis = False
    return statistic(*samples, axis=-1) if takes_axis else statistic(*samples)


def _positions(indices: np.ndarray, shown: int = 5) -> str:
    head = ", ".join(str(int(i)) for i in indices[:shown])
    return head + (" …" if indices.size > shown else "")
