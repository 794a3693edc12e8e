"""The contract every forecasting model keeps (scikit-learn style).

Two kinds of model exist, declared by ``ModelInfo.input_kind``:

* ``"features"`` — a regressor over a feature matrix: ``fit(X, y)``, ``predict(X)`` and, for
  quantile models, ``predict_quantiles(X)`` with one column per alpha (sorted, never crossing).
* ``"series"`` — a local model over each series' own history: ``fit(y, indptr, season_length=m)``
  where ``y[indptr[i]:indptr[i+1]]`` is series ``i`` (oldest first), then ``forecast(horizon)``
  returning ``(point[n_series, horizon], quantiles[n_series, horizon, n_alphas] | None)``.

Hyperparameters are keyword-only, validated by the class's pydantic ``Params`` model (so a bad
value names the parameter) and stored unchanged; all work happens in ``fit``, which returns
``self``; fitted state ends in ``_``.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel as _PydanticModel
from pydantic import ConfigDict, ValidationError

from benchlab.errors import InputError


@dataclass(frozen=True)
class ModelInfo:
    """What a model is and can do; shown by ``benchlab models``."""

    name: str
    input_kind: Literal["features", "series"]
    supports_quantiles: bool
    description: str
    task: str = "forecast"
    parallel_individual: bool = True  # CPU-bound: INDIVIDUAL fans out over processes


class NoParams(_PydanticModel):
    """Hyperparameters of a model that takes none."""

    model_config = ConfigDict(extra="forbid")


def validate_alphas(alphas: Sequence[float] | None, *, model: str = "model") -> tuple[float, ...]:
    """Check quantile levels: each in (0, 1), strictly increasing, no duplicates.

    >>> validate_alphas([0.1, 0.5, 0.9])
    (0.1, 0.5, 0.9)
    """
    if alphas is None:
        return ()
    values = tuple(float(a) for a in alphas)
    bad = [a for a in values if not 0.0 < a < 1.0 or not np.isfinite(a)]
    if bad:
        raise InputError(
            f"{model}: quantile_alphas must lie strictly between 0 and 1; got {list(bad)}"
        )
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise InputError(
            f"{model}: quantile_alphas must be strictly increasing with no duplicates; "
            f"got {list(values)}"
        )
    return values


class ForecastModel(ABC):
    """Base class of every registered forecasting model."""

    info: ClassVar[ModelInfo]
    Params: ClassVar[type[_PydanticModel]] = NoParams

    def __init__(
        self,
        *,
        quantile_alphas: Sequence[float] | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
        **hyperparameters: Any,
    ) -> None:
        self.quantile_alphas = validate_alphas(quantile_alphas, model=self.info.name)
        if self.quantile_alphas and not self.info.supports_quantiles:
            raise InputError(
                f"model {self.info.name!r} does not produce quantiles; "
                "drop quantile_alphas or choose a quantile model"
            )
        self.random_state = int(random_state)
        self.n_jobs = int(n_jobs)
        self.hyperparameters = dict(hyperparameters)
        self.params_ = self.validate_params(hyperparameters)

    @classmethod
    def validate_params(cls, hyperparameters: dict[str, Any]) -> _PydanticModel:
        """Validate hyperparameters against ``Params``; errors name the parameter and value."""
        try:
            return cls.Params(**hyperparameters)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "?"
                given = err.get("input")
                problems.append(f"{where}={given!r}: {err['msg']}")
            raise InputError(
                f"model {cls.info.name!r}: bad hyperparameter " + "; ".join(problems)
            ) from None

    def get_params(self) -> dict[str, Any]:
        return {
            "quantile_alphas": list(self.quantile_alphas),
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
            **self.hyperparameters,
        }

    @property
    def fit_alphas_(self) -> tuple[float, ...]:
        """Alphas a quantile model fits: the requested ones plus 0.5 for the point forecast."""
        return tuple(sorted(set(self.quantile_alphas) | {0.5}))

    # --- features models -------------------------------------------------------------
    def fit(self, X: np.ndarray, y: np.ndarray) -> ForecastModel:  # pragma: no cover
        raise NotImplementedError

    def predict(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict_quantiles(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    # --- series models ---------------------------------------------------------------
    def fit_series(
        self, y: np.ndarray, indptr: np.ndarray, *, season_length: int
    ) -> ForecastModel:  # pragma: no cover
        raise NotImplementedError

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:  # pragma: no cover
        raise NotImplementedError

    # --- persistence -----------------------------------------------------------------
    def save(self, directory: Path) -> list[Path]:
        """Write the fitted model in its library's own format; returns the files written.

        Series models keep no learned weights worth saving; they write their parameters.
        """
        import json

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.info.name}.params.json"
        path.write_text(json.dumps(self.get_params(), indent=2, default=str))
        return [path]


def sort_quantiles(q: np.ndarray) -> np.ndarray:
    """Make quantile predictions monotone in alpha along the last axis (fixes crossing)."""
    return np.sort(q, axis=-1)
