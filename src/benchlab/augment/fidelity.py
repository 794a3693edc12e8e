"""How much synthetic windows look like real ones: a post-hoc classifier and distribution checks.

Every function takes real and synthetic windows *with the same conditions* (row ``i`` of the
synthetic arrays was generated from the history of real row ``i``), in scaled units:

- :func:`discriminative_score`: TimeGAN's discriminative score, ``|accuracy - 0.5|`` of a
  classifier (scikit-learn's histogram gradient boosting) that tells a real target sequence from
  a synthetic one given the history it follows. It is trained on the windows of half the
  products and scored on the other half, a real window and its synthetic twin always on the same
  side: 0 means the classifier cannot tell them apart, 0.5 that it always can;
- :func:`lagged_autocorrelation`: the correlation between each target day and the day ``k``
  before it (a history day when ``k`` reaches back past the first target day), pooled over
  windows, for lags 1–7: how the generated days follow their past, against the real ones;
- :func:`marginal_distances`: Wasserstein-1 distance and Kolmogorov–Smirnov statistic between
  all real and all synthetic target values (SciPy).

NumPy only at import; SciPy and scikit-learn are imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.errors import InputError

LAGS = tuple(range(1, 8))


@dataclass(frozen=True)
class DiscriminativeScore:
    """The held-out accuracy of the real/synthetic classifier and ``score = |accuracy - 0.5|``."""

    score: float
    accuracy: float
    n_train: int  # windows the classifier learnt from (real and synthetic together)
    n_test: int
    classifier: str


@dataclass(frozen=True)
class MarginalDistances:
    """Distances between the real and synthetic distributions of single target values."""

    wasserstein: float
    ks_statistic: float
    real_mean: float
    synthetic_mean: float
    real_std: float
    synthetic_std: float


def _pairs(history: np.ndarray, real: np.ndarray, synthetic: np.ndarray) -> None:
    if real.ndim != 2 or synthetic.shape != real.shape or history.shape[0] != real.shape[0]:
        raise InputError(
            f"real and synthetic windows must pair up row by row: history {history.shape}, "
            f"real targets {real.shape}, synthetic targets {synthetic.shape}"
        )


def classifier_features(history: np.ndarray, target: np.ndarray) -> np.ndarray:
    """What the classifier sees of one window: the history, the target, the target's day-to-day
    changes and its gap to the history's mean and last day."""
    history = np.asarray(history, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    return np.concatenate(
        [
            history,
            target,
            np.diff(target, axis=1),
            target - history.mean(axis=1, keepdims=True),
            target - history[:, -1:],
        ],
        axis=1,
    )


def discriminative_score(
    history: np.ndarray,
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    groups: np.ndarray,
    seed: int = 0,
) -> DiscriminativeScore:
    """``|accuracy - 0.5|`` of a classifier telling ``real`` from ``synthetic`` targets given
    ``history`` (all ``[N, …]``, paired by row), trained on the windows of half the ``groups``
    (products; windows when there is only one) and scored on the rest (see the module).

    Identical real and synthetic windows score exactly 0.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    history, real, synthetic = (np.asarray(a, dtype=np.float64) for a in (history, real, synthetic))
    _pairs(history, real, synthetic)
    n = real.shape[0]
    if n < 4:
        raise InputError(f"the discriminative score needs at least 4 window pairs, got {n}")
    rng = np.random.default_rng(seed)
    groups = np.asarray(groups).astype(str)
    names = np.unique(groups)
    if names.size >= 2:
        chosen = rng.permutation(names)[: names.size // 2]
        in_train = np.isin(groups, chosen)
    else:
        in_train = np.zeros(n, dtype=bool)
        in_train[rng.permutation(n)[: n // 2]] = True
    features = np.concatenate(
        [classifier_features(history, real), classifier_features(history, synthetic)]
    )
    labels = np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])
    train = np.concatenate([in_train, in_train])
    classifier = HistGradientBoostingClassifier(
        max_iter=100, early_stopping=False, random_state=seed
    )
    with threadpool_limits(1):  # OpenMP threads on a busy CPU made the fit ~6x slower
        classifier.fit(features[train], labels[train])
        accuracy = float(np.mean(classifier.predict(features[~train]) == labels[~train]))
    return DiscriminativeScore(
        score=abs(accuracy - 0.5),
        accuracy=accuracy,
        n_train=int(train.sum()),
        n_test=int((~train).sum()),
        classifier="HistGradientBoostingClassifier (scikit-learn)",
    )


def lagged_autocorrelation(
    history: np.ndarray, target: np.ndarray, lags: tuple[int, ...] = LAGS
) -> np.ndarray:
    """For each lag ``k``, the Pearson correlation of the pairs (day ``t - k``, day ``t``) over
    every window and every target day ``t`` of ``history`` ‖ ``target`` (``[N, H]``, ``[N, F]``);
    NaN where either side is constant. Needs ``k <= H``."""
    history = np.asarray(history, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    width = history.shape[1]
    if max(lags) > width:
        raise InputError(f"lags up to {max(lags)} need at least that many history days: {width}")
    sequence = np.concatenate([history, target], axis=1)
    days = np.arange(width, sequence.shape[1])
    values = []
    for lag in lags:
        later, earlier = sequence[:, days].ravel(), sequence[:, days - lag].ravel()
        values.append(_correlation(earlier, later))
    return np.array(values)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / scale) if scale > 0 else float("nan")


def marginal_distances(real: np.ndarray, synthetic: np.ndarray) -> MarginalDistances:
    """Wasserstein-1 distance and KS statistic between the values of ``real`` and
    ``synthetic`` (any shapes; every value counts once)."""
    from scipy import stats

    a = np.asarray(real, dtype=np.float64).ravel()
    b = np.asarray(synthetic, dtype=np.float64).ravel()
    if a.size == 0 or b.size == 0:
        raise InputError("marginal distances need real and synthetic values")
    return MarginalDistances(
        wasserstein=float(stats.wasserstein_distance(a, b)),
        ks_statistic=float(stats.ks_2samp(a, b).statistic),
        real_mean=float(a.mean()),
        synthetic_mean=float(b.mean()),
        real_std=float(a.std()),
        synthetic_std=float(b.std()),
    )


def as_json(value: Any) -> dict[str, Any]:
    """A result of this module as plain data (for ``evaluation.json``)."""
    from dataclasses import asdict

    return asdict(value)
