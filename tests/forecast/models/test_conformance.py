"""One conformance suite run over every registered forecasting model.

Like scikit-learn's ``parametrize_with_checks`` or timm's ``test_models``: a model added to the
registry is checked against the whole contract of ``ForecastModel`` without a line of new test.
Each model is fitted once per module (the ``fitted`` fixture) with small, fast hyperparameters
(``FAST``; a model without an entry is fitted with its defaults); only the reproducibility check
fits it a second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.forecast.model_types import create_model, model_registry
from benchlab.forecast.models.base import ForecastModel

from .conftest import HORIZON, SEASON, Panel

NAMES = model_registry.list_available_types()
ALPHAS = (0.1, 0.3, 0.7, 0.9)  # 0.5 left out on purpose: models add it for the point forecast

#: Small hyperparameters that still fit the weekly test panel well, so the checks run fast.
_SMALL_NET = {"learning_rate": 0.01, "max_epochs": 10, "hidden_sizes": [16], "batch_size": 64}
_SMALL_LSTM = {
    "input_size": 14,
    "hidden_size": 32,
    "dropout": 0.0,
    "learning_rate": 0.01,
    "max_epochs": 8,
    "batch_size": 16,
}
FAST: dict[str, dict[str, Any]] = {
    "lightning_standard": _SMALL_NET,
    "lightning_quantile": _SMALL_NET,
    "lstm": _SMALL_LSTM,
    "lstm_quantile": _SMALL_LSTM,
    "xgboost_standard": {"n_estimators": 30},
    "xgboost_quantile": {"n_estimators": 30},
    "lightgbm_standard": {"n_estimators": 30},
    "lightgbm_quantile": {"n_estimators": 30},
}

TUNABLE = [n for n in NAMES if model_registry.get(n).Params.model_fields]
QUANTILE = [n for n in NAMES if model_registry.get(n).info.supports_quantiles]
every_model = pytest.mark.parametrize("name", NAMES)

Forecast = tuple[ForecastModel, np.ndarray, np.ndarray | None, np.ndarray]


def _cls(name: str) -> type[ForecastModel]:
    return model_registry.get(name)


def _kwargs(name: str) -> dict[str, Any]:
    """Alphas for a quantile model; no hyperparameters (the defaults)."""
    return {"quantile_alphas": ALPHAS} if _cls(name).info.supports_quantiles else {}


def _fast(name: str) -> dict[str, Any]:
    """What the fitting checks build ``name`` with: ``_kwargs`` plus its ``FAST`` params."""
    return {**_kwargs(name), **FAST.get(name, {})}


def _fit_forecast(model: ForecastModel, panel: Panel) -> tuple[np.ndarray, np.ndarray | None]:
    """Fit on the training part; point and quantile forecasts of the test part."""
    if model.info.input_kind == "features":
        assert model.fit(panel.X_train, panel.y_train) is model
        quantiles = model.predict_quantiles(panel.X_test) if model.quantile_alphas else None
        return model.predict(panel.X_test), quantiles
    assert model.fit_series(panel.train_y, panel.train_indptr, season_length=SEASON) is model
    return model.forecast(HORIZON)


def _truth(model: ForecastModel, panel: Panel) -> np.ndarray:
    return panel.y_test if model.info.input_kind == "features" else panel.test_y


@pytest.fixture(scope="module")
def fitted(panel: Panel) -> Callable[[str], Forecast]:
    """Each model fitted once with its ``FAST`` hyperparameters (cached across the checks)."""
    cache: dict[str, Forecast] = {}

    def get(name: str) -> Forecast:
        if name not in cache:
            model = create_model(name, **_fast(name))
            point, quantiles = _fit_forecast(model, panel)
            cache[name] = (model, point, quantiles, _truth(model, panel))
        return cache[name]

    return get


# --- metadata and hyperparameters ------------------------------------------------------------
def test_fast_parameters_name_registered_models_and_valid_values() -> None:
    assert set(FAST) <= set(NAMES)
    for name, params in FAST.items():
        assert _cls(name)(**params).get_params().items() >= params.items()


@every_model
def test_info_describes_the_model(name: str) -> None:
    cls = _cls(name)
    assert cls.info.name == name
    assert cls.info.input_kind in ("features", "series")
    assert isinstance(cls.info.supports_quantiles, bool)
    assert cls.info.description
    assert cls.Params.model_config.get("extra") == "forbid"
    assert isinstance(create_model(name), cls)


@every_model
def test_get_params_round_trip(name: str) -> None:
    cls = _cls(name)
    defaults = {key: field.default for key, field in cls.Params.model_fields.items()}
    model = cls(**_kwargs(name), random_state=3, n_jobs=1, **defaults)
    params = model.get_params()
    assert params["random_state"] == 3 and params["n_jobs"] == 1
    assert {k: params[k] for k in defaults} == defaults  # stored unchanged
    assert cls(**params).get_params() == params
    assert type(model).__name__ in repr(model)


@every_model
def test_unknown_hyperparameter_is_named(name: str) -> None:
    with pytest.raises(InputError, match="not_a_parameter"):
        _cls(name)(not_a_parameter=1)


@pytest.mark.parametrize("name", TUNABLE)
def test_bad_hyperparameter_value_is_named(name: str) -> None:
    """Every hyperparameter is constrained: a value of the wrong kind is refused by name."""
    cls = _cls(name)
    for key in cls.Params.model_fields:
        with pytest.raises(InputError, match=key):
            cls(**{key: "not-a-valid-value"})
    if "n_estimators" in cls.Params.model_fields:
        with pytest.raises(InputError, match="n_estimators"):
            cls(n_estimators=-1)


@every_model
def test_quantile_alphas_are_validated(name: str) -> None:
    cls = _cls(name)
    if not cls.info.supports_quantiles:
        with pytest.raises(InputError, match="quantile"):
            cls(quantile_alphas=[0.5])
        return
    for bad in ([0.9, 0.1], [0.1, 0.1], [0.0, 0.5], [0.5, 1.0], [-0.1], [float("nan")]):
        with pytest.raises(InputError, match="quantile_alphas"):
            cls(quantile_alphas=bad)


# --- fitting and forecasting -----------------------------------------------------------------
@every_model
def test_predictions_are_finite_with_the_right_shape(
    name: str, fitted: Callable[[str], Forecast]
) -> None:
    model, point, quantiles, truth = fitted(name)
    assert point.shape == truth.shape
    assert np.isfinite(point).all()
    if model.info.supports_quantiles:
        assert quantiles is not None
        assert quantiles.shape == (*truth.shape, len(ALPHAS))
        assert np.isfinite(quantiles).all()


@pytest.mark.parametrize("name", QUANTILE)
def test_quantiles_are_monotone_in_alpha(name: str, fitted: Callable[[str], Forecast]) -> None:
    model, _, quantiles, _ = fitted(name)
    assert quantiles is not None
    assert (np.diff(quantiles, axis=-1) >= 0).all()


@every_model
def test_point_forecast_beats_predicting_zero(name: str, fitted: Callable[[str], Forecast]) -> None:
    _, point, _, truth = fitted(name)
    mae = np.mean(np.abs(point - truth))
    assert mae < 0.25 * np.mean(np.abs(truth)), f"{name}: MAE {mae:.2f} on weekly data"


@every_model
def test_same_random_state_gives_identical_predictions(
    name: str, panel: Panel, fitted: Callable[[str], Forecast]
) -> None:
    _, point, quantiles, _ = fitted(name)
    again, again_q = _fit_forecast(create_model(name, **_fast(name)), panel)
    np.testing.assert_array_equal(again, point)
    if quantiles is not None:
        np.testing.assert_array_equal(again_q, quantiles)


@every_model
def test_unfitted_model_refuses_to_predict(name: str, panel: Panel) -> None:
    model = create_model(name, **_kwargs(name))
    with pytest.raises(InputError, match="not fitted"):
        if model.info.input_kind == "features":
            model.predict(panel.X_test)
        else:
            model.forecast(HORIZON)


@every_model
def test_bad_inputs_are_refused(name: str, panel: Panel, fitted: Callable[[str], Forecast]) -> None:
    model = create_model(name, **_kwargs(name))
    if model.info.input_kind == "features":
        y = panel.y_train.copy()
        y[3] = np.nan
        with pytest.raises(InputError, match="non-finite"):
            model.fit(panel.X_train, y)
        with pytest.raises(InputError, match="features"):
            fitted(name)[0].predict(panel.X_test[:, :2])
    else:
        with pytest.raises(InputError, match="indptr"):
            model.fit_series(panel.train_y, panel.train_indptr[:-1], season_length=SEASON)
        with pytest.raises(InputError, match="season_length"):
            model.fit_series(panel.train_y, panel.train_indptr, season_length=0)


# --- persistence -------------------------------------------------------------------------------
def _load_natively(path: Path) -> object:
    """Read a saved file with its own library; an unknown format (a pickle, say) fails."""
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix == ".ubj":
        import xgboost as xgb

        return xgb.Booster(model_file=path)
    if path.suffix == ".txt":
        import lightgbm as lgb

        return lgb.Booster(model_file=path)
    if path.suffix == ".pt":  # a state_dict: tensors only, so loading refuses arbitrary pickles
        import torch

        return torch.load(path, weights_only=True)
    raise AssertionError(f"{path.name}: not a format benchlab saves models in")


@every_model
def test_save_writes_native_files_that_reload(
    name: str, panel: Panel, fitted: Callable[[str], Forecast], tmp_path: Path
) -> None:
    model, point, quantiles, _ = fitted(name)
    files = model.save(tmp_path / name)
    assert files
    for path in files:
        assert path.is_file() and path.stat().st_size > 0
        assert path.parent == tmp_path / name
        _load_natively(path)

    loaded = type(model).load(tmp_path / name)
    assert loaded.get_params() == model.get_params()
    if model.info.input_kind == "features":
        again = loaded.predict(panel.X_test)
        again_q = loaded.predict_quantiles(panel.X_test) if quantiles is not None else None
    elif len(files) > 1:  # a series model with weights forecasts without a refit
        again, again_q = loaded.forecast(HORIZON)
    else:  # one that keeps only parameters is refitted on each history: same forecast
        again, again_q = _fit_forecast(loaded, panel)
    np.testing.assert_array_equal(again, point)
    if quantiles is not None:
        np.testing.assert_array_equal(again_q, quantiles)


@every_model
def test_a_missing_weight_file_is_named_on_load(
    name: str, fitted: Callable[[str], Forecast], tmp_path: Path
) -> None:
    model = fitted(name)[0]
    files = model.save(tmp_path)
    params = model._params_path(tmp_path)
    for path in files:
        if path == params:
            continue
        data = path.read_bytes()
        path.unlink()
        with pytest.raises(InputError, match=rf"lacks .*{path.name}"):
            type(model).load(tmp_path)
        path.write_bytes(data)
    type(model).load(tmp_path)  # every file back: loads
