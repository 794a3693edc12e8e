"""The contract every forecasting model keeps (scikit-learn style).

Two kinds of model exist, declared by ``ModelInfo.input_kind``:

* ``"features"`` — a regressor over a feature matrix: ``fit(X, y)``, ``predict(X)`` and, for
  quantile models, ``predict_quantiles(X)`` with one column per alpha (sorted, never crossing).
  The engine passes training rows in time order (oldest first, then by SKU), so a model that
  needs a validation slice (early stopping) takes the last rows: the latest periods.
* ``"series"`` — a local model over each series' own history: ``fit(y, indptr, season_length=m)``
  where ``y[indptr[i]:indptr[i+1]]`` is series ``i`` (oldest first), then ``forecast(horizon)``
  returning ``(point[n_series, horizon], quantiles[n_series, horizon, n_alphas] | None)``.

Hyperparameters are keyword-only, validated by the class's pydantic ``Params`` model (so a bad
value names the parameter) and stored unchanged; all work happens in ``fit``, which returns
``self``; fitted state ends in ``_``.
"""

from __future__ import annotations

import json
from abc import ABC
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

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


def check_features(
    X: Any, y: Any = None, *, model: str = "model", n_features: int | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check a feature matrix (2-D, numeric, NaN allowed, no inf) and its finite 1-D target.

    Float32/float64 matrices pass through without a copy; other numeric dtypes become float32.

    >>> X, y = check_features(np.zeros((3, 2), np.float32), [1.0, 2.0, 3.0])
    >>> X.dtype, y.dtype
    (dtype('float32'), dtype('float64'))
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise InputError(f"{model}: X must be 2-D (rows, features); got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise InputError(f"{model}: X must be numeric; got dtype {X.dtype}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float32)
    if n_features is not None and X.shape[1] != n_features:
        raise InputError(
            f"{model}: X has {X.shape[1]} features; the model was fitted on {n_features}"
        )
    if np.isinf(X).any():
        cols = np.flatnonzero(np.isinf(X).any(axis=0)).tolist()
        raise InputError(f"{model}: X has infinite values in columns {cols[:10]}")
    if y is None:
        return X, None
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise InputError(
            f"{model}: y must be 1-D with one value per row of X ({X.shape[0]}); "
            f"got shape {y.shape}"
        )
    if X.shape[0] == 0:
        raise InputError(f"{model}: cannot fit on zero rows")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise InputError(f"{model}: y has {bad.size} non-finite values (rows {bad[:5].tolist()})")
    return X, y


def check_series(y: Any, indptr: Any, *, model: str = "model") -> tuple[np.ndarray, np.ndarray]:
    """Check the flat series layout: ``y[indptr[i]:indptr[i+1]]`` is series ``i``, none empty.

    >>> y, indptr = check_series([1.0, 2.0, 3.0], [0, 2, 3])
    >>> np.diff(indptr).tolist()
    [2, 1]
    """
    y = np.asarray(y, dtype=np.float64)
    indptr = np.asarray(indptr)
    if y.ndim != 1:
        raise InputError(f"{model}: y must be 1-D; got shape {y.shape}")
    if indptr.ndim != 1 or indptr.shape[0] < 2 or indptr.dtype.kind not in "iu":
        raise InputError(f"{model}: indptr must be 1-D integers with at least 2 entries")
    indptr = indptr.astype(np.int64, copy=False)
    if indptr[0] != 0 or indptr[-1] != y.shape[0]:
        raise InputError(
            f"{model}: indptr must start at 0 and end at len(y)={y.shape[0]}; "
            f"got {int(indptr[0])}..{int(indptr[-1])}"
        )
    empty = np.flatnonzero(np.diff(indptr) <= 0)
    if empty.size:
        raise InputError(f"{model}: series {empty[:5].tolist()} are empty (indptr must increase)")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        series = np.unique(np.searchsorted(indptr, bad, side="right") - 1)
        raise InputError(
            f"{model}: y has {bad.size} non-finite values (series {series[:5].tolist()})"
        )
    return y, indptr


class ForecastModel(ABC):
    """Base class of every registered forecasting model."""

    info: ClassVar[ModelInfo]
    Params: ClassVar[type[_PydanticModel]] = NoParams
    #: values of the ``objective`` hyperparameter that need a non-negative target
    non_negative_objectives: ClassVar[frozenset[str]] = frozenset()

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

    def __repr__(self) -> str:
        given = {"quantile_alphas": list(self.quantile_alphas)} if self.quantile_alphas else {}
        args = ", ".join(f"{k}={v!r}" for k, v in {**given, **self.hyperparameters}.items())
        return f"{type(self).__name__}({args})"

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

    def _check_target(self, y: np.ndarray) -> None:
        """An objective that needs a non-negative target (Tweedie, Poisson) says so here
        instead of deep in the library."""
        objective = getattr(self.params_, "objective", None)
        if objective in self.non_negative_objectives and (y < 0).any():
            raise InputError(
                f"{self.info.name}: objective={objective!r} needs a non-negative target; "
                f"y has {int((y < 0).sum())} negative values"
            )

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise InputError(f"model {self.info.name!r} is not fitted yet; call fit first")

    def runs_in_parallel(self) -> bool:
        """Whether INDIVIDUAL may fan this model out over processes (CPU-bound models may);
        a model that resolves to a GPU overrides this to run its SKUs one after another."""
        return self.info.parallel_individual

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

        Every model writes ``<name>.params.json`` (its ``get_params()``); models with learned
        weights add their library's files (never a pickle). The classical series models keep none:
        they are refitted on each series' history; the LSTMs save their weights.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = self._params_path(directory)
        path.write_text(json.dumps(self.get_params(), indent=2, default=str))
        return [path]

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Rebuild a model written by ``save``: its parameters, plus its weights if it has any.

        >>> model = ForecastModel.load(run_dir)  # doctest: +SKIP
        """
        directory = Path(directory)
        path = cls._params_path(directory)
        if not path.is_file():
            raise InputError(f"{path}: no saved {cls.info.name!r} model here")
        model = cls(**json.loads(path.read_text()))
        model._load_fitted(directory)
        return model

    def _load_fitted(self, directory: Path) -> None:
        """Restore fitted state from the library files ``save`` wrote (none by default);
        a model with such files refuses to load without them (:func:`require_files`)."""
        return None

    @classmethod
    def _params_path(cls, directory: Path) -> Path:
        return directory / f"{cls.info.name}.params.json"


def sort_quantiles(q: np.ndarray) -> np.ndarray:
    """Make quantile predictions monotone in alpha along the last axis (fixes crossing)."""
    return np.sort(q, axis=-1)


def require_files(model: str, paths: Sequence[Path]) -> None:
    """Refuse to load a model whose saved files are not all there, naming the missing ones.

    >>> require_files("demo", [Path("no/such/demo.pt")])
    Traceback (most recent call last):
    ...
    benchlab.errors.InputError: no/such: the saved 'demo' model lacks demo.pt
    """
    absent = [path for path in paths if not path.is_file()]
    if absent:
        names = ", ".join(path.name for path in absent)
        raise InputError(f"{absent[0].parent}: the saved {model!r} model lacks {names}")


class QuantileOutputs:
    """``predict``/``predict_quantiles`` of a features model with one output per fitted alpha.

    Mixed in before the model's base class (``class XQuantile(QuantileOutputs, _XModel)``);
    the model implements ``_quantile_outputs(X)``: raw predictions ``(n, len(fit_alphas_))``,
    one column per alpha of ``fit_alphas_`` (the requested ones plus 0.5). They are sorted
    along alpha, so quantiles never cross, and the point forecast is the 0.5 column.
    """

    quantile_alphas: tuple[float, ...]
    fit_alphas_: tuple[float, ...]

    def _quantile_outputs(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _all_quantiles(self, X: np.ndarray) -> np.ndarray:
        """Every fitted alpha's prediction, ``(n, len(fit_alphas_))``, sorted along alpha."""
        return sort_quantiles(self._quantile_outputs(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Point forecast: the median (alpha 0.5) column, after sorting across alphas."""
        return self._all_quantiles(X)[:, self.fit_alphas_.index(0.5)]

    def predict_quantiles(self, X: np.ndarray) -> np.ndarray:
        """Quantiles ``(n, len(quantile_alphas))``, monotone in alpha."""
        columns = [self.fit_alphas_.index(a) for a in self.quantile_alphas]
        return self._all_quantiles(X)[:, columns]
