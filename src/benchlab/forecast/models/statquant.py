"""``statquant``: a fast NumPy baseline — seasonal naive point, same-season empirical quantiles.

For forecast step ``h`` (1-based) with season length ``m`` the point forecast is the value one
season before that step, repeating the last observed season; quantile ``a`` is the empirical
``a``-quantile (NumPy's ``linear`` method) of the values at the same position in the season over
the last ``n_seasons`` seasons (e.g. the last 8 Mondays of daily data). Every series is handled
at once on a ``(n_series, n_seasons, m)`` window of each series' tail, padded with NaN where a
series is shorter.

>>> y = np.tile([1.0, 2.0, 3.0], 4)
>>> model = StatQuant(quantile_alphas=[0.1, 0.9]).fit_series(y, np.array([0, 12]), season_length=3)
>>> point, quantiles = model.forecast(4)
>>> point.tolist()
[[1.0, 2.0, 3.0, 1.0]]
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from benchlab.errors import InputError
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.models.base import ForecastModel, ModelInfo, check_series, sort_quantiles


class StatQuantParams(BaseModel):
    """Hyperparameters of ``statquant``."""

    model_config = ConfigDict(extra="forbid")

    n_seasons: int = Field(8, gt=0, description="seasons of history behind each quantile")


@model_registry.register
class StatQuant(ForecastModel):
    """Seasonal naive point forecast with empirical same-season quantiles, per series."""

    info = ModelInfo(
        name="statquant",
        input_kind="series",
        supports_quantiles=True,
        description="NumPy baseline: seasonal naive point, same-season empirical quantiles",
    )
    Params = StatQuantParams

    def fit_series(self, y: np.ndarray, indptr: np.ndarray, *, season_length: int) -> StatQuant:
        """Keep each series' last ``n_seasons`` seasons and their per-position quantiles."""
        name = self.info.name
        y, indptr = check_series(y, indptr, model=name)
        m = int(season_length)
        if m < 1:
            raise InputError(f"{name}: season_length must be at least 1; got {season_length}")
        n_seasons = self.params_.n_seasons
        window = _tail_window(y, indptr, n_seasons * m).reshape(-1, n_seasons, m)
        # Where a series is shorter than one season, fall back to its last value.
        last_value = y[indptr[1:] - 1]
        last_season = window[:, -1, :]
        self.last_season_ = np.where(np.isnan(last_season), last_value[:, None], last_season)
        if self.quantile_alphas:
            q = _nan_quantiles(window, np.asarray(self.quantile_alphas))  # (n, m, k)
            self.season_quantiles_ = sort_quantiles(
                np.where(np.isnan(q), self.last_season_[:, :, None], q)
            )
        self.season_length_ = m
        return self

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Point ``(n_series, horizon)`` and quantiles ``(n_series, horizon, n_alphas)``."""
        self._check_fitted("last_season_")
        if horizon < 0:
            raise InputError(f"{self.info.name}: horizon must be non-negative; got {horizon}")
        position = np.arange(horizon) % self.season_length_
        point = self.last_season_[:, position]
        quantiles = self.season_quantiles_[:, position, :] if self.quantile_alphas else None
        return point, quantiles


def _tail_window(y: np.ndarray, indptr: np.ndarray, width: int) -> np.ndarray:
    """The last ``width`` values of every series, right-aligned, NaN before a series starts."""
    index = indptr[1:, None] - width + np.arange(width)[None, :]
    inside = index >= indptr[:-1, None]
    return np.where(inside, y[np.maximum(index, 0)], np.nan)


def _nan_quantiles(values: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Linear-interpolated quantiles along axis 1 ignoring NaN; all-NaN slots give NaN.

    Vectorised stand-in for ``np.nanquantile(values, alphas, axis=1)``, which loops in Python
    when NaNs are present. Returns shape ``values.shape[:1] + values.shape[2:] + (len(alphas),)``.
    """
    ordered = np.sort(values, axis=1)  # NaNs sort last
    count = np.sum(~np.isnan(values), axis=1)  # (n, m)
    virtual = alphas[None, None, :] * np.maximum(count - 1, 0)[:, :, None]  # (n, m, k)
    lower = np.floor(virtual).astype(np.int64)
    upper = np.minimum(lower + 1, np.maximum(count - 1, 0)[:, :, None])
    frac = virtual - lower
    ordered = np.moveaxis(ordered, 1, -1)  # (n, m, s)
    low = np.take_along_axis(ordered, lower, axis=-1)
    high = np.take_along_axis(ordered, upper, axis=-1)
    result = low + frac * (high - low)
    return np.where(count[:, :, None] > 0, result, np.nan)
