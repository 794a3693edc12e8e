"""Forecast metrics: pure NumPy functions and one frame-level entry point.

The pure functions take arrays in the scikit-learn style ``metric(y_true, y_pred, *, ...)`` and
return a Python ``float``; an empty input gives ``nan``. Series are passed in mlforecast's flat
layout: ``values`` concatenated series after series, and ``indptr`` of length ``n_series + 1`` so
that series ``i`` is ``values[indptr[i]:indptr[i + 1]]``.

:func:`evaluate_forecasts` scores a prediction frame against the training history: pooled errors,
scaled errors, quantile and interval metrics and, when the data carries the generator's true
distribution, the same metrics for that oracle forecast and the model-to-oracle ratios.

Two scales, named apart: ``rmsse``, ``wrmsse``, ``spl`` and ``wspl`` use the M5 Competitors'
Guide scale (:func:`m5_scale`: one-step differences from each series' first sale), so they are
M5's figures for the bottom level; ``rmsse_seasonal`` and ``mase`` use the seasonal-naive scale
(lag ``season_length``, 7 for daily data, over the whole history). M5's own WRMSSE and WSPL,
averaged over its 12 aggregation levels, are ``m5_wrmsse``/``m5_wspl``
(:mod:`benchlab.forecast.levels`).

>>> round(smape(np.array([100.0]), np.array([110.0])), 4)
9.5238
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from benchlab.data.validation import describe_rows, require_columns
from benchlab.errors import InputError
from benchlab.forecast.schema import (
    DATE,
    ORACLE_DISPERSION,
    ORACLE_MEAN,
    PRICE,
    TARGET,
    Y_PRED,
    Y_TRUE,
    quantile_column,
)

__all__ = [
    "HEADLINE_METRICS",
    "bias",
    "clip_at_zero",
    "evaluate_forecasts",
    "interval_coverage",
    "interval_pairs",
    "interval_width",
    "m5_scale",
    "mae",
    "mase",
    "pinball",
    "rmse",
    "rmsse",
    "seasonal_naive_scale",
    "series_weights",
    "smape",
    "uses_revenue_weights",
]

#: The forecast metrics people look for first, in the order every table shows them (the
#: leaderboard, the console summary and the model card all take theirs from here).
HEADLINE_METRICS: tuple[str, ...] = (
    "m5_wrmsse",
    "rmsse",
    "wrmsse",
    "rmsse_seasonal",
    "mase",
    "mae",
    "rmse",
    "smape",
    "bias",
    "mean_pinball",
    "spl",
    "wspl",
    "m5_wspl",
)

WEIGHT = "weight"
_ALPHA_TOL = 1e-9
_SID = "__benchlab_series_index"

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Pure array metrics
# --------------------------------------------------------------------------------------------


def _as_float(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _pair(y_true: ArrayLike, y_pred: ArrayLike, what: str = "y_pred") -> tuple[FloatArray, ...]:
    a, b = _as_float(y_true), _as_float(y_pred)
    if a.shape != b.shape:
        raise InputError(f"y_true has shape {a.shape} but {what} has shape {b.shape}")
    return a, b


def _mean(x: FloatArray) -> float:
    """Mean as a float; ``nan`` (without a warning) for an empty array."""
    return float(np.mean(x)) if x.size else float("nan")


def _smape_terms(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """Row terms ``200 |y - ŷ| / (|y| + |ŷ|)``; a ``0/0`` term is 0."""
    denom = np.abs(y_true) + np.abs(y_pred)
    num = 200.0 * np.abs(y_true - y_pred)
    return np.divide(num, denom, out=np.zeros_like(num), where=denom != 0)


def _pinball_terms(y_true: FloatArray, q_pred: FloatArray, alpha: float) -> FloatArray:
    """Row terms ``max(alpha (y - q), (alpha - 1) (y - q))``."""
    diff = y_true - q_pred
    return np.maximum(alpha * diff, (alpha - 1.0) * diff)


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error."""
    a, b = _pair(y_true, y_pred)
    return _mean(np.abs(b - a))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error."""
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(_mean((b - a) ** 2)))


def bias(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean of ``y_pred - y_true``: positive means over-forecasting."""
    a, b = _pair(y_true, y_pred)
    return _mean(b - a)


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Symmetric MAPE in percent (M-competition form, 0..200); rows with ``y = ŷ = 0`` count 0."""
    a, b = _pair(y_true, y_pred)
    return _mean(_smape_terms(a, b))


def mase(y_true: ArrayLike, y_pred: ArrayLike, scale: ArrayLike) -> float:
    """Mean absolute scaled error: ``mean(|y - ŷ| / scale)``.

    ``scale`` is a scalar (one series) or an array broadcastable to ``y_true`` (a per-row scale),
    typically from :func:`seasonal_naive_scale` with ``squared=False``.
    """
    a, b = _pair(y_true, y_pred)
    return _mean(np.abs(b - a) / _as_float(scale))


def rmsse(y_true: ArrayLike, y_pred: ArrayLike, scale_sq: ArrayLike) -> float:
    """Root mean squared scaled error: ``sqrt(mean((y - ŷ)**2 / scale_sq))``.

    ``scale_sq`` is a *squared* scale, e.g. :func:`seasonal_naive_scale` with ``squared=True``.
    """
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(_mean((b - a) ** 2 / _as_float(scale_sq))))


def pinball(y_true: ArrayLike, q_pred: ArrayLike, alpha: float) -> float:
    """Mean pinball (quantile) loss of the ``alpha`` quantile forecast ``q_pred``."""
    if not 0.0 < alpha < 1.0:
        raise InputError(f"quantile level alpha must lie in (0, 1), got {alpha}")
    a, q = _pair(y_true, q_pred, "q_pred")
    return _mean(_pinball_terms(a, q, float(alpha)))


def interval_coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of ``y_true`` inside the closed interval ``[lower, upper]``."""
    a, lo = _pair(y_true, lower, "lower")
    _, hi = _pair(y_true, upper, "upper")
    return _mean(((a >= lo) & (a <= hi)).astype(np.float64))


def interval_width(lower: ArrayLike, upper: ArrayLike) -> float:
    """Mean of ``upper - lower``."""
    lo, hi = _pair(lower, upper, "upper")
    return _mean(hi - lo)


def seasonal_naive_scale(
    history_values: ArrayLike,
    indptr: ArrayLike,
    season_length: int,
    *,
    squared: bool = False,
) -> FloatArray:
    """One in-sample seasonal-naive error scale per series of a flat layout.

    For series ``i`` with values ``y`` this is ``mean(|y[t] - y[t - m]|)`` (``squared=False``, the
    MASE/SPL scale) or ``mean((y[t] - y[t - m])**2)`` (``squared=True``, the RMSSE scale), over
    ``t >= m``. ``m = season_length``, or 1 for a series shorter than ``season_length + 1``.
    Non-finite differences are skipped.

    Fallback: where that scale is 0 (a constant series) or undefined (fewer than two usable
    values), the series' mean absolute value is used instead (squared for ``squared=True``), and
    1.0 where that is 0 too (an all-zero or empty series). Scaled errors thus stay finite and read
    as errors relative to the series' level.
    """
    abs_scale, sq_scale = _seasonal_naive_scales(history_values, indptr, season_length)
    return sq_scale if squared else abs_scale


def _seasonal_naive_scales(
    history_values: ArrayLike, indptr: ArrayLike, season_length: int
) -> tuple[FloatArray, FloatArray]:
    """Both scales of :func:`seasonal_naive_scale`: ``(mean absolute, mean squared)``."""
    values = _as_float(history_values).ravel()
    ptr = np.asarray(indptr, dtype=np.int64).ravel()
    if int(season_length) < 1:
        raise InputError(f"season_length must be at least 1, got {season_length}")
    _check_indptr(ptr, values.size)
    n_series = ptr.size - 1
    lengths = np.diff(ptr)
    lag_of_series = np.where(lengths >= int(season_length) + 1, int(season_length), 1)
    sid = np.repeat(np.arange(n_series), lengths)
    pos = np.arange(values.size) - ptr[:-1][sid]
    lag = lag_of_series[sid]
    idx = np.nonzero(pos >= lag)[0]
    diff = values[idx] - values[idx - lag[idx]]
    ok = np.isfinite(diff)
    diff, err_sid = diff[ok], sid[idx][ok]
    counts = np.bincount(err_sid, minlength=n_series)
    fallback = _level_fallback(values, sid, n_series)

    scales = []
    for err, fb in ((np.abs(diff), fallback), (diff**2, fallback**2)):
        sums = np.bincount(err_sid, weights=err, minlength=n_series)
        scale = np.divide(sums, counts, out=np.zeros(n_series), where=counts > 0)
        scales.append(np.where(scale > 0, scale, fb))
    return scales[0], scales[1]


def m5_scale(history_values: ArrayLike, indptr: ArrayLike, *, squared: bool = False) -> FloatArray:
    """The M5 Competitors' Guide scale per series of a flat layout: the mean squared
    (``squared=True``, RMSSE) or absolute (SPL) one-step difference ``y[t] - y[t - 1]``, over
    the history from the series' first non-zero value on (leading zeros are days before the
    product was sold and do not count).

    Where that is 0 or undefined (a series with fewer than two values from its first sale) the
    fallback of :func:`seasonal_naive_scale` applies: the series' mean absolute level (squared),
    else 1.0.

    >>> m5_scale(np.array([0.0, 0.0, 2.0, 4.0, 1.0]), np.array([0, 5]), squared=True)
    array([6.5])
    """
    abs_scale, sq_scale = _m5_scales(history_values, indptr)
    return sq_scale if squared else abs_scale


def _m5_scales(history_values: ArrayLike, indptr: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Both scales of :func:`m5_scale`: ``(mean absolute, mean squared)``."""
    values = _as_float(history_values).ravel()
    ptr = np.asarray(indptr, dtype=np.int64).ravel()
    _check_indptr(ptr, values.size)
    n_series = ptr.size - 1
    lengths = np.diff(ptr)
    sid = np.repeat(np.arange(n_series), lengths)
    sold = np.isfinite(values) & (values != 0)
    started = np.zeros(values.size, dtype=bool)
    if values.size:
        # within each series, True from its first non-zero value on
        run = np.cumsum(sold) - np.repeat(np.concatenate([[0], np.cumsum(sold)])[ptr[:-1]], lengths)
        started = run > 0
    first_of_series = np.zeros(values.size, dtype=bool)
    first_of_series[ptr[:-1][lengths > 0]] = True
    idx = np.nonzero(started & ~first_of_series)[0]
    idx = idx[started[idx - 1]]  # both ends of the step after the first sale
    diff = values[idx] - values[idx - 1]
    ok = np.isfinite(diff)
    diff, err_sid = diff[ok], sid[idx][ok]
    counts = np.bincount(err_sid, minlength=n_series)
    fallback = _level_fallback(values, sid, n_series)
    scales = []
    for err, fb in ((np.abs(diff), fallback), (diff**2, fallback**2)):
        sums = np.bincount(err_sid, weights=err, minlength=n_series)
        scale = np.divide(sums, counts, out=np.zeros(n_series), where=counts > 0)
        scales.append(np.where(scale > 0, scale, fb))
    return scales[0], scales[1]


def _check_indptr(ptr: NDArray[np.int64], n_values: int) -> None:
    if (
        ptr.size < 1
        or ptr[0] != 0
        or ptr[-1] != n_values
        or (ptr.size > 1 and np.any(np.diff(ptr) < 0))
    ):
        raise InputError(
            f"indptr must start at 0, never decrease and end at len(values)={n_values}"
        )


def _level_fallback(values: FloatArray, sid: NDArray[np.int64], n_series: int) -> FloatArray:
    """Each series' mean absolute value, 1.0 where that is 0 or undefined."""
    finite = np.isfinite(values)
    level_sum = np.bincount(sid[finite], weights=np.abs(values[finite]), minlength=n_series)
    level_n = np.bincount(sid[finite], minlength=n_series)
    level = np.divide(level_sum, level_n, out=np.zeros(n_series), where=level_n > 0)
    return np.where(level > 0, level, 1.0)


def interval_pairs(alphas: Sequence[float]) -> list[tuple[int, float, float]]:
    """Central intervals among ``alphas``: ``(level, lower_alpha, upper_alpha)`` per pair.

    A pair is ``(a, 1 - a)`` with ``a < 0.5``, both present within 1e-9; ``level`` is
    ``round(100 * (1 - 2a))``, e.g. ``(80, 0.1, 0.9)``.
    """
    values = [float(a) for a in alphas]
    pairs: list[tuple[int, float, float]] = []
    for lo in sorted(set(values)):
        if lo >= 0.5 - _ALPHA_TOL:
            continue
        hi = next((a for a in values if abs(a - (1.0 - lo)) <= _ALPHA_TOL), None)
        if hi is not None:
            pairs.append((round(100.0 * (1.0 - 2.0 * lo)), lo, hi))
    return pairs


def clip_at_zero(predictions: pl.DataFrame, quantile_alphas: Sequence[float]) -> pl.DataFrame:
    """Forecasts of a non-negative target made non-negative: ``y_pred`` and every ``q_<alpha>``
    clipped at 0, the quantiles of each row sorted by alpha so they never cross (sorting never
    raises the pinball loss of a row).

    >>> frame = pl.DataFrame({"y_pred": [-0.1, 2.0], "q_0.1": [-7.6, 1.5], "q_0.9": [-8.0, 3.0]})
    >>> clip_at_zero(frame, [0.1, 0.9]).rows()
    [(0.0, 0.0, 0.0), (2.0, 1.5, 3.0)]
    """
    alphas = sorted(dict.fromkeys(float(a) for a in quantile_alphas))
    columns = [quantile_column(a) for a in alphas]
    clipped = predictions.with_columns(pl.col(Y_PRED).clip(lower_bound=0.0))
    if not columns:
        return clipped
    q = np.sort(np.maximum(clipped.select(columns).to_numpy().astype(np.float64), 0.0), axis=1)
    return clipped.with_columns(
        pl.Series(c, q[:, i], dtype=pl.Float64) for i, c in enumerate(columns)
    )


# --------------------------------------------------------------------------------------------
# Frame level
# --------------------------------------------------------------------------------------------


def uses_revenue_weights(history: pl.DataFrame) -> bool:
    """Whether :func:`series_weights` weights by revenue (``history`` has a ``price`` column)."""
    return PRICE in history.columns


def series_weights(
    history: pl.DataFrame, id_columns: Sequence[str], weight_window: int = 28
) -> pl.DataFrame:
    """M5-style weight of each series: its share of sales over the last ``weight_window`` periods.

    The window is the last ``weight_window`` distinct dates of the whole ``history``. Sales are
    revenue (``target * price``) when ``history`` has ``price`` (see :func:`uses_revenue_weights`),
    otherwise unit sales (``target``); nulls count as 0. Weights sum to 1; if total sales in the
    window are 0, every series gets the same weight. Returns the id columns and ``weight``,
    one row per series, sorted by the id columns.
    """
    ids = list(id_columns)
    require_columns(history, [*ids, DATE, TARGET], source="history")
    if int(weight_window) < 1:
        raise InputError(f"weight_window must be at least 1, got {weight_window}")
    sales = pl.col(TARGET) * pl.col(PRICE) if uses_revenue_weights(history) else pl.col(TARGET)
    window_start = pl.col(DATE).unique().sort().tail(int(weight_window)).min()
    frame = (
        history.lazy()
        .with_columns(
            pl.when(pl.col(DATE) >= window_start)
            .then(sales.cast(pl.Float64).fill_nan(None).fill_null(0.0))
            .otherwise(0.0)
            .alias("__sales")
        )
        .group_by(ids)
        .agg(pl.col("__sales").sum())
        .sort(ids)
        .collect()
    )
    s = frame["__sales"].to_numpy().astype(np.float64)
    total = s.sum()
    w = s / total if total > 0 else np.full(s.size, 1.0 / max(s.size, 1))
    return frame.select(ids).with_columns(pl.Series(WEIGHT, w, dtype=pl.Float64))


class _PerSeries:
    """Per-series means of row terms by series index, with ``np.bincount``."""

    def __init__(self, sid: NDArray[np.int64], n_series: int) -> None:
        self.sid = sid
        self.n = n_series
        counts = np.bincount(sid, minlength=n_series)
        self.present = counts > 0
        self.counts = counts[self.present].astype(np.float64)

    def mean(self, terms: FloatArray) -> FloatArray:
        sums = np.bincount(self.sid, weights=terms, minlength=self.n)
        return sums[self.present] / self.counts


def _ratio(num: float, den: float) -> float:
    """``num / den``; 1.0 when both are 0, ``inf`` when only ``den`` is 0."""
    if den == 0:
        return 1.0 if num == 0 else float("inf")
    return float(num / den)


def _ratios(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.where(num == 0, 1.0, np.inf)
    return np.divide(num, den, out=out, where=den != 0)


def _numeric(frame: pl.DataFrame, column: str) -> FloatArray:
    """``column`` as float64; raises :class:`InputError` on null or non-finite values."""
    values = frame[column].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(
            f"predictions: column '{column}' has {int(bad.sum())} null or non-finite values"
        )
    return values


@dataclass(frozen=True)
class _Scales:
    """The per-series scales of the scaled errors: seasonal naive (lag ``m``) for ``mase`` and
    ``rmsse_seasonal``; M5's one-step from the first sale for ``rmsse``, ``wrmsse``, ``spl``."""

    seasonal_abs: FloatArray
    seasonal_sq: FloatArray
    m5_abs: FloatArray
    m5_sq: FloatArray

    @classmethod
    def of(cls, values: FloatArray, indptr: NDArray[np.int64], season_length: int) -> _Scales:
        seasonal_abs, seasonal_sq = _seasonal_naive_scales(values, indptr, season_length)
        m5_abs, m5_sq = _m5_scales(values, indptr)
        return cls(seasonal_abs, seasonal_sq, m5_abs, m5_sq)

    def subset(self, mask: NDArray[np.bool_]) -> _Scales:
        return _Scales(
            self.seasonal_abs[mask], self.seasonal_sq[mask], self.m5_abs[mask], self.m5_sq[mask]
        )


def _point_metrics(
    y: FloatArray,
    yhat: FloatArray,
    per: _PerSeries,
    scales: _Scales,
    weight: FloatArray,
) -> tuple[dict[str, float], dict[str, FloatArray]]:
    err = yhat - y
    s_mae = per.mean(np.abs(err))
    s_mse = per.mean(err**2)
    s_rmsse = np.sqrt(s_mse / scales.m5_sq)
    series = {
        "mae": s_mae,
        "rmse": np.sqrt(s_mse),
        "bias": per.mean(err),
        "smape": per.mean(_smape_terms(y, yhat)),
        "mase": s_mae / scales.seasonal_abs,
        "rmsse": s_rmsse,
        "rmsse_seasonal": np.sqrt(s_mse / scales.seasonal_sq),
    }
    overall = {
        "mae": mae(y, yhat),
        "rmse": rmse(y, yhat),
        "bias": bias(y, yhat),
        "smape": smape(y, yhat),
        "mase": float(np.mean(series["mase"])),
        "rmsse": float(np.mean(s_rmsse)),
        "rmsse_seasonal": float(np.mean(series["rmsse_seasonal"])),
        "wrmsse": float(np.sum(weight * s_rmsse)),
    }
    return overall, series


def _quantile_metrics(
    y: FloatArray,
    quantiles: dict[float, FloatArray],
    per: _PerSeries,
    scales: _Scales,
    weight: FloatArray,
) -> tuple[dict[str, float], dict[str, FloatArray]]:
    overall: dict[str, float] = {}
    series_loss = np.zeros(int(per.present.sum()))
    for alpha, q in quantiles.items():
        terms = _pinball_terms(y, q, alpha)
        overall[f"pinball_{alpha:g}"] = _mean(terms)
        series_loss += per.mean(terms)
    series_loss /= len(quantiles)
    s_spl = series_loss / scales.m5_abs
    overall["mean_pinball"] = float(np.mean([overall[f"pinball_{a:g}"] for a in quantiles]))
    overall["spl"] = float(np.mean(s_spl))
    overall["wspl"] = float(np.sum(weight * s_spl))
    for level, lo, hi in interval_pairs(list(quantiles)):
        overall[f"coverage_{level}"] = interval_coverage(y, quantiles[lo], quantiles[hi])
        overall[f"width_{level}"] = interval_width(quantiles[lo], quantiles[hi])
    return overall, {"spl": s_spl, "mean_pinball": series_loss}


def _oracle_quantiles(
    mean: FloatArray, dispersion: FloatArray, alphas: Sequence[float]
) -> dict[float, FloatArray]:
    """Quantiles of NB(mean, k) (variance ``mean + mean**2 / k``) per alpha; Poisson for k = inf.

    ``mean <= 0`` gives 0. The (costly) ppf runs once per distinct ``(mean, k)`` pair.
    """
    mu = np.maximum(np.asarray(mean, dtype=np.float64), 0.0)
    k = np.broadcast_to(np.asarray(dispersion, dtype=np.float64), mu.shape)
    live = mu > 0
    out = {float(a): np.zeros(mu.shape) for a in alphas}
    if not live.any():
        return out
    live_pairs = pl.DataFrame({"mu": mu[live], "k": k[live]})
    distinct = live_pairs.unique().with_row_index("__pair")
    u_mu, u_k = distinct["mu"].to_numpy(), distinct["k"].to_numpy()
    inverse = (
        live_pairs.join(distinct, on=["mu", "k"], how="left", maintain_order="left")["__pair"]
        .to_numpy()
        .astype(np.int64)
    )
    nb = np.isfinite(u_k)
    n, p = u_k[nb], u_k[nb] / (u_k[nb] + u_mu[nb])
    for alpha, q_out in out.items():
        q = np.empty(u_mu.size)
        q[nb] = stats.nbinom.ppf(alpha, n=n, p=p)
        q[~nb] = stats.poisson.ppf(alpha, u_mu[~nb])
        q_out[live] = q[inverse]
    return out


def _flatten_history(
    history: pl.DataFrame, ids: list[str]
) -> tuple[pl.DataFrame, FloatArray, NDArray[np.int64]]:
    """Series keys (sorted, with a series index), concatenated targets and ``indptr``."""
    hist = history.select([*ids, DATE, TARGET]).sort([*ids, DATE])
    keys = hist.group_by(ids, maintain_order=True).agg(pl.len().alias("__n"))
    indptr = np.concatenate([[0], np.cumsum(keys["__n"].to_numpy())]).astype(np.int64)
    values = hist[TARGET].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    return keys.drop("__n").with_row_index(_SID), values, indptr


def _series_index(predictions: pl.DataFrame, keys: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """``predictions`` with the series index of its id columns (matched by join)."""
    casts = {c: keys.schema[c] for c in ids if predictions.schema[c] != keys.schema[c]}
    try:
        preds = predictions.with_columns([pl.col(c).cast(t) for c, t in casts.items()])
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            f"predictions: id columns {list(casts)} cannot be cast to the history's types"
        ) from exc
    joined = preds.join(keys, on=ids, how="left", maintain_order="left")
    unknown = joined.filter(pl.col(_SID).is_null())
    if unknown.height:
        series = unknown.select(ids).unique()
        raise InputError(
            f"predictions: {unknown.height} rows belong to series absent from the training "
            f"history: {describe_rows(series, ids)}"
        )
    return joined


def evaluate_forecasts(
    predictions: pl.DataFrame,
    history: pl.DataFrame,
    *,
    id_columns: Sequence[str],
    quantile_alphas: Sequence[float] = (),
    season_length: int = 7,
    weight_window: int = 28,
    weights: pl.DataFrame | None = None,
) -> tuple[dict[str, float], pl.DataFrame]:
    """Score ``predictions`` against their actuals, scaled by the training ``history``.

    ``predictions``: id columns, ``date``, ``y_true``, ``y_pred``, ``q_<alpha>`` per requested
    alpha, optionally ``oracle_mean`` and ``oracle_dispersion``. ``history``: the training frame
    (id columns, ``date``, ``target``, optionally ``price``). Rows are matched to series by a join
    on the id columns; every predicted series must appear in ``history``.

    Returns ``(metrics, per_series)``. ``metrics`` holds floats only:

    - ``mae``, ``rmse``, ``bias``, ``smape``: pooled over all rows;
    - ``rmsse`` (M5 scale, :func:`m5_scale`), ``rmsse_seasonal`` and ``mase`` (seasonal-naive
      scales, :func:`seasonal_naive_scale`): means over series; ``wrmsse`` (M5 scale): weighted
      by :func:`series_weights`,
      renormalised over the predicted series (revenue shares when ``history`` has ``price``,
      else unit-sales shares: see :func:`uses_revenue_weights`);
    - with quantiles: ``pinball_<alpha>``, ``mean_pinball``, ``spl``, ``wspl`` (M5 scale) and,
      per central
      interval (see :func:`interval_pairs`), ``coverage_<level>`` and ``width_<level>``;
    - with ``oracle_mean``: ``oracle_mae``, ``oracle_rmse``, ``oracle_smape``, ``oracle_mase``,
      ``oracle_rmsse``, ``oracle_wrmsse`` and the ratios ``mae_vs_oracle``,
      ``rmsse_vs_oracle``, ``wrmsse_vs_oracle`` (> 1: worse than the oracle); with
      ``oracle_dispersion`` and quantiles also ``oracle_mean_pinball``, ``oracle_spl``,
      ``oracle_coverage_<level>`` and ``spl_vs_oracle``. A ratio over 0 is 1.0 if the
      numerator is 0 too, else ``inf``.

    ``per_series``: id columns, ``mae, rmse, bias, smape, mase, rmsse, rmsse_seasonal`` (+ ``spl``,
    ``mean_pinball`` with quantiles; + ``oracle_rmsse``, ``rmsse_vs_oracle`` with an oracle) and
    ``weight`` (the wrmsse/wspl weight, summing to 1), one row per predicted series, sorted by
    the id columns.

    ``weights`` (id columns and ``weight``) replaces :func:`series_weights` of ``history``,
    e.g. for aggregate series whose sales shares are known from their members.
    """
    ids = list(id_columns)
    alphas = tuple(dict.fromkeys(float(a) for a in quantile_alphas))
    for a in alphas:
        if not 0.0 < a < 1.0:
            raise InputError(f"quantile level must lie in (0, 1), got {a}")
    if not ids:
        raise InputError("id_columns must name at least one column")
    require_columns(predictions, [*ids, DATE, Y_TRUE, Y_PRED], source="predictions")
    require_columns(
        predictions, [quantile_column(a) for a in alphas], source="predictions (quantiles)"
    )
    require_columns(history, [*ids, DATE, TARGET], source="history")
    if predictions.height == 0:
        raise InputError("predictions: no rows to evaluate")

    keys, values, indptr = _flatten_history(history, ids)
    scales_all = _Scales.of(values, indptr, season_length)
    if weights is None:
        weights = series_weights(history, ids, weight_window)
    weights_all = (
        keys.join(weights.select(*ids, WEIGHT), on=ids, how="left")
        .sort(_SID)[WEIGHT]
        .fill_null(0.0)
        .to_numpy()
    )

    preds = _series_index(predictions, keys, ids)
    per = _PerSeries(preds[_SID].to_numpy().astype(np.int64), keys.height)
    scales = scales_all.subset(per.present)
    w = weights_all[per.present]
    w = w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / w.size)

    y = _numeric(preds, Y_TRUE)
    overall, series = _point_metrics(y, _numeric(preds, Y_PRED), per, scales, w)
    metrics = dict(overall)

    if alphas:
        q_preds = {a: _numeric(preds, quantile_column(a)) for a in alphas}
        q_overall, q_series = _quantile_metrics(y, q_preds, per, scales, w)
        metrics.update(q_overall)
        series.update(q_series)

    if ORACLE_MEAN in preds.columns:
        o_mean = _numeric(preds, ORACLE_MEAN)
        o_overall, o_series = _point_metrics(y, o_mean, per, scales, w)
        for key in ("mae", "rmse", "smape", "mase", "rmsse", "wrmsse"):
            metrics[f"oracle_{key}"] = o_overall[key]
        oq_overall: dict[str, float] = {}
        if alphas and ORACLE_DISPERSION in preds.columns:
            k = preds[ORACLE_DISPERSION].cast(pl.Float64).fill_null(float("nan")).to_numpy()
            if np.any(np.isnan(k) | (k <= 0)):
                raise InputError(
                    f"predictions: column '{ORACLE_DISPERSION}' must be positive (inf: Poisson)"
                )
            oq = _oracle_quantiles(o_mean, k, alphas)
            oq_overall, _ = _quantile_metrics(y, oq, per, scales, w)
            metrics["oracle_mean_pinball"] = oq_overall["mean_pinball"]
            metrics["oracle_spl"] = oq_overall["spl"]
            for level, _, _ in interval_pairs(alphas):
                metrics[f"oracle_coverage_{level}"] = oq_overall[f"coverage_{level}"]
        for key in ("mae", "rmsse", "wrmsse"):
            metrics[f"{key}_vs_oracle"] = _ratio(metrics[key], metrics[f"oracle_{key}"])
        if oq_overall:
            metrics["spl_vs_oracle"] = _ratio(metrics["spl"], oq_overall["spl"])
        series["oracle_rmsse"] = o_series["rmsse"]
        series["rmsse_vs_oracle"] = _ratios(series["rmsse"], o_series["rmsse"])

    series[WEIGHT] = w
    per_series = (
        keys.filter(pl.Series(per.present))
        .drop(_SID)
        .with_columns([pl.Series(name, col, dtype=pl.Float64) for name, col in series.items()])
    )
    return {k: float(v) for k, v in metrics.items()}, per_series
