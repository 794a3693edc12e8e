"""ONNX export of the tree models: parity with the native boosters, refusals, timing shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from benchlab.errors import InputError
from benchlab.forecast.model_types import create_model, model_registry, saved_model_type
from benchlab.forecast.models.statquant import StatQuant
from benchlab.forecast.release.onnx_export import (
    LatencyResult,
    OnnxArtifact,
    benchmark_onnx,
    export_onnx,
    validate_onnx,
)

N_FEATURES = 8
QUANTILES = [0.1, 0.9]
TREES = {"n_estimators": 20}
MLP = {"max_epochs": 5, "accelerator": "cpu"}
MODELS = {
    "lightgbm_standard": TREES,
    "lightgbm_quantile": {**TREES, "quantile_alphas": QUANTILES},
    "xgboost_standard": TREES,
    "xgboost_quantile": {**TREES, "quantile_alphas": QUANTILES},
    "lightning_standard": MLP,
    "lightning_quantile": {**MLP, "quantile_alphas": QUANTILES},
}
EXPECTED_KEYS = {
    "lightgbm_standard": ["point"],
    "lightgbm_quantile": ["alpha0.1", "alpha0.5", "alpha0.9"],
    "xgboost_standard": ["point"],
    "xgboost_quantile": ["alpha0.1", "alpha0.5", "alpha0.9"],
    "lightning_standard": ["point"],
    "lightning_quantile": ["alpha0.1", "alpha0.5", "alpha0.9"],
}


def _features(n: int, seed: int, *, nan_in_last: bool) -> np.ndarray:
    """Random float32 features, ~10% NaN; the last column only has NaN when ``nan_in_last``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    X[:, 1] = rng.integers(0, 7, n)  # an integer-valued column, like a weekday
    mask = rng.random(X.shape) < 0.1
    if not nan_in_last:
        mask[:, -1] = False
    X[mask] = np.nan
    return X


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each exportable model fitted on the same small data and saved in its own folder."""
    X = _features(500, seed=0, nan_in_last=False)
    rng = np.random.default_rng(1)
    clean = np.nan_to_num(X)
    y = 3.0 * np.abs(clean[:, 0]) + clean[:, 1] + clean[:, -1] ** 2 + rng.gamma(2.0, 1.0, 500)
    dirs = {}
    for name, params in MODELS.items():
        model = create_model(name, **params).fit(X, y)
        dirs[name] = tmp_path_factory.mktemp(name)
        model.save(dirs[name])
    return dirs


@pytest.fixture()
def fresh_X() -> np.ndarray:
    """Unseen rows, with NaN also in the column that had none in training."""
    return _features(400, seed=2, nan_in_last=True)


def _onnx_output(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})[0].reshape(-1)


@pytest.mark.parametrize("name", list(MODELS))
def test_export_writes_one_file_per_output_and_matches_native(
    name: str, model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    assert saved_model_type(model_dirs[name]) == name
    artifacts = export_onnx(model_dirs[name], tmp_path)

    assert [a.key for a in artifacts] == EXPECTED_KEYS[name]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.{key}.onnx" for key in EXPECTED_KEYS[name]
    )  # nothing else left behind (no temporary files)
    results = validate_onnx(model_dirs[name], artifacts, fresh_X)
    assert [r.key for r in results] == EXPECTED_KEYS[name]
    for result in results:
        assert result.ok, result
        assert 0.0 <= result.max_abs_diff <= 1e-4


@pytest.mark.parametrize("name", list(MODELS))
def test_onnx_outputs_reproduce_benchlab_predictions(
    name: str, model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    """Independent of ``validate_onnx``: sorted ONNX outputs give benchlab's own predictions."""
    artifacts = export_onnx(model_dirs[name], tmp_path)
    model = model_registry.get(name).load(model_dirs[name])
    outputs = np.column_stack([_onnx_output(a.path, fresh_X) for a in artifacts])
    if name.endswith("quantile"):
        quantiles = np.sort(outputs, axis=1)  # benchlab sorts across alphas, as here
        np.testing.assert_allclose(
            quantiles[:, [0, 2]], model.predict_quantiles(fresh_X), atol=1e-4
        )
        np.testing.assert_allclose(quantiles[:, 1], model.predict(fresh_X), atol=1e-4)
        # Every alpha has its own trees: the outputs differ (not all credited to one output).
        assert (outputs[:, 2] - outputs[:, 0]).mean() > 0.5
    else:
        np.testing.assert_allclose(outputs[:, 0], model.predict(fresh_X), atol=1e-4)


def test_swapped_onnx_files_fail_validation(
    model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    artifacts = export_onnx(model_dirs["lightgbm_quantile"], tmp_path)
    by_key = {a.key: a.path for a in artifacts}
    swapped = [
        OnnxArtifact("alpha0.1", by_key["alpha0.9"]),
        OnnxArtifact("alpha0.5", by_key["alpha0.5"]),
        OnnxArtifact("alpha0.9", by_key["alpha0.1"]),
    ]
    results = validate_onnx(model_dirs["lightgbm_quantile"], swapped, fresh_X)
    assert [r.ok for r in results] == [False, True, False]
    assert results[0].max_abs_diff > 0.5


def test_truncated_onnx_file_is_reported_by_name(
    model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    artifacts = export_onnx(model_dirs["xgboost_standard"], tmp_path)
    path = artifacts[0].path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match=r"xgboost_standard\.point\.onnx: not a loadable ONNX"):
        validate_onnx(model_dirs["xgboost_standard"], artifacts, fresh_X)


def test_series_model_has_no_trees_to_export(tmp_path: Path) -> None:
    y = np.tile(np.arange(7.0), 6)
    StatQuant(quantile_alphas=[0.1]).fit_series(y, np.array([0, y.size]), season_length=7).save(
        tmp_path / "statquant"
    )
    with pytest.raises(InputError, match=r"statquant.*'statquant' has no trees to export"):
        export_onnx(tmp_path / "statquant", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_folder_without_saved_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: no saved model here \(no \*\.params\.json"):
        export_onnx(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(InputError, match="missing: not a folder"):
        saved_model_type(tmp_path / "missing")


def test_bad_inputs_to_validation_are_refused(
    model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    artifacts = export_onnx(model_dirs["lightgbm_standard"], tmp_path)
    with pytest.raises(InputError, match="X has 7 features; the model was fitted on 8"):
        validate_onnx(model_dirs["lightgbm_standard"], artifacts, fresh_X[:, :-1])
    with pytest.raises(InputError, match=r"artifacts \['alpha0.1'\] match no output"):
        validate_onnx(
            model_dirs["lightgbm_standard"], [OnnxArtifact("alpha0.1", artifacts[0].path)], fresh_X
        )


def test_benchmark_reports_both_runtimes(
    model_dirs: dict[str, Path], fresh_X: np.ndarray, tmp_path: Path
) -> None:
    artifacts = export_onnx(model_dirs["xgboost_quantile"], tmp_path)
    results = benchmark_onnx(model_dirs["xgboost_quantile"], artifacts, fresh_X, repeats=3)
    assert [r.runtime for r in results] == ["native", "onnxruntime"]
    for result in results:
        assert isinstance(result, LatencyResult)
        assert result.batch_rows == fresh_X.shape[0]
        assert 0.0 < result.p50_ms <= result.p99_ms
        assert result.rows_per_second > 0.0
