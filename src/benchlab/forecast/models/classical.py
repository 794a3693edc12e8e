"""Classical local models from statsforecast: ``seasonal_naive``, ``theta`` and ``auto_ets``.

Each fits every series on its own history (``fit_series``) through ``StatsForecast`` with an
integer time index (``freq=1``), so no calendar is needed. Quantiles come from statsforecast's
prediction intervals: alpha ``a < 0.5`` is the lower bound of the ``100 * (1 - 2a)`` % interval,
``a > 0.5`` the upper bound of the ``100 * (2a - 1)`` % interval and 0.5 the mean forecast.
statsforecast (and its numba kernels) is imported on first fit, so registry discovery stays cheap.

>>> y = np.tile([1.0, 5.0, 3.0], 10)
>>> model = SeasonalNaive().fit_series(y, np.array([0, 30]), season_length=3)
>>> model.forecast(4)[0]
array([[1., 5., 3., 1.]])
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from benchlab.errors import FitError, InputError
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.models.base import (
    ForecastModel,
    ModelInfo,
    check_series,
    sort_quantiles,
)
from benchlab.parallel import resolve_n_jobs


def interval_levels(alphas: tuple[float, ...]) -> list[int | float]:
    """statsforecast interval levels (in %) whose bounds give ``alphas``; 0.5 needs none.

    >>> interval_levels((0.1, 0.25, 0.5, 0.9))
    [80, 50]
    """
    levels: list[int | float] = []
    for a in alphas:
        level = _level(a)
        if level and level not in levels:
            levels.append(level)
    return levels


def _level(alpha: float) -> int | float:
    level = round(100.0 * abs(1.0 - 2.0 * alpha), 9)
    return int(level) if level == int(level) else level


class _StatsForecastModel(ForecastModel):
    """Fits one statsforecast model per series and reads quantiles off its intervals."""

    def _build(self, season_length: int) -> Any:  # pragma: no cover - overridden
        """The statsforecast model object to fit on every series."""
        raise NotImplementedError

    def fit_series(
        self, y: np.ndarray, indptr: np.ndarray, *, season_length: int
    ) -> _StatsForecastModel:
        """Fit the model on each series ``y[indptr[i]:indptr[i+1]]``; returns ``self``."""
        import pandas as pd
        from statsforecast import StatsForecast

        name = self.info.name
        y, indptr = check_series(y, indptr, model=name)
        if int(season_length) < 1:
            raise InputError(f"{name}: season_length must be at least 1; got {season_length}")
        lengths = np.diff(indptr)
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(np.arange(lengths.size), lengths),
                "ds": np.arange(y.size) - np.repeat(indptr[:-1], lengths),
                "y": y,
            }
        )
        model = self._build(int(season_length))
        sf = StatsForecast(models=[model], freq=1, n_jobs=resolve_n_jobs(self.n_jobs))
        try:
            self.statsforecast_ = sf.fit(frame)
        except Exception as exc:  # statsforecast raises bare exceptions from its kernels
            raise FitError(f"{name}: {type(exc).__name__}: {exc}") from exc
        self.alias_ = str(model.alias)
        self.n_series_ = int(lengths.size)
        self.season_length_ = int(season_length)
        return self

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Point ``(n_series, horizon)`` and quantiles ``(n_series, horizon, n_alphas)``."""
        self._check_fitted("statsforecast_")
        if horizon < 1:
            k = len(self.quantile_alphas)
            return np.zeros((self.n_series_, 0)), np.zeros((self.n_series_, 0, k)) if k else None
        levels = interval_levels(self.quantile_alphas)
        out = self.statsforecast_.predict(h=int(horizon), level=levels or None)
        out = out.sort_values(["unique_id", "ds"], kind="stable")

        def column(suffix: str = "") -> np.ndarray:
            values = out[f"{self.alias_}{suffix}"].to_numpy(dtype=np.float64)
            return values.reshape(self.n_series_, horizon)

        point = column()
        bad = np.flatnonzero(~np.isfinite(point).all(axis=1))
        if bad.size:
            raise FitError(
                f"{self.info.name}: non-finite forecasts for series {bad[:5].tolist()} "
                f"(too short for season_length={self.season_length_}?)"
            )
        if not self.quantile_alphas:
            return point, None
        bounds = []
        for a in self.quantile_alphas:
            side = "lo" if a < 0.5 else "hi"
            bounds.append(point if a == 0.5 else column(f"-{side}-{_level(a)}"))
        return point, sort_quantiles(np.stack(bounds, axis=-1))


class ThetaParams(BaseModel):
    """Hyperparameters of ``theta``."""

    model_config = ConfigDict(extra="forbid")

    decomposition_type: Literal["multiplicative", "additive"] = "multiplicative"


class AutoETSParams(BaseModel):
    """Hyperparameters of ``auto_ets``: the ETS model code (error, trend, season) and damping."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        "ZZZ", pattern=r"^[ZAM][ZNA][ZNAM]$", description="E/T/S: A, M, N (none), Z (auto)"
    )
    damped: bool | None = None


@model_registry.register
class SeasonalNaive(_StatsForecastModel):
    """The value one season back, with intervals from the seasonal-naive residuals."""

    info = ModelInfo(
        name="seasonal_naive",
        input_kind="series",
        supports_quantiles=True,
        description="statsforecast SeasonalNaive",
    )

    def _build(self, season_length: int) -> Any:
        from statsforecast.models import SeasonalNaive as Model

        return Model(season_length=season_length)


@model_registry.register
class Theta(_StatsForecastModel):
    """The standard Theta method on the seasonally adjusted series."""

    info = ModelInfo(
        name="theta",
        input_kind="series",
        supports_quantiles=True,
        description="statsforecast Theta (standard theta method)",
    )
    Params = ThetaParams

    def _build(self, season_length: int) -> Any:
        from statsforecast.models import Theta as Model

        return Model(
            season_length=season_length, decomposition_type=self.params_.decomposition_type
        )


@model_registry.register
class AutoETS(_StatsForecastModel):
    """Exponential smoothing with the ETS form chosen per series by AICc."""

    info = ModelInfo(
        name="auto_ets",
        input_kind="series",
        supports_quantiles=True,
        description="statsforecast AutoETS (ETS model selected per series)",
    )
    Params = AutoETSParams

    def _build(self, season_length: int) -> Any:
        from statsforecast.models import AutoETS as Model

        return Model(
            season_length=season_length, model=self.params_.model, damped=self.params_.damped
        )
