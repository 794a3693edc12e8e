"""Export benchlab's tree and MLP models to ONNX, check them against native, time both.

One ONNX file is written per model output, named ``<model>.<key>.onnx`` with ``key`` ``"point"``
for a standard model and ``"alpha<a>"`` (``"alpha0.1"``, ...) for each alpha a quantile model
fits (0.5 included). Each file maps ``X`` (float32, ``(rows, n_features)``, NaN = missing) to
that output, ``(rows, 1)``: the raw per-booster output, before benchlab sorts quantiles.

* LightGBM: one booster per output, converted with ``onnxmltools.convert_lightgbm``.
* XGBoost: ``onnxmltools.convert_xgboost`` takes the native ``Booster``. For the ONE multi-output
  ``reg:quantileerror`` booster of ``xgboost_quantile`` it declares every output but credits
  every tree to output 0 (onnxmltools issue #676), so the ensemble is split here by the
  booster's own ``tree_info`` (tree ``i`` feeds output ``tree_info[i]``) into one single-output
  model per alpha, each with its own base score.
* Lightning MLPs: the whole model (median fill, scaling, network, unscaling) through
  ``torch.onnx.export`` (:mod:`benchlab.forecast.release.torch_onnx`).

>>> [output_key(a) for a in (None, 0.1, 0.5)]
['point', 'alpha0.1', 'alpha0.5']
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper
from onnxmltools import convert_lightgbm, convert_xgboost
from onnxmltools.convert.common.data_types import FloatTensorType

from benchlab.errors import InputError
from benchlab.forecast.model_types import model_registry, saved_model_type
from benchlab.forecast.models.base import ForecastModel, check_features
from benchlab.forecast.models.lightgbm import LightGBMQuantile, LightGBMStandard
from benchlab.forecast.models.xgboost import XGBoostQuantile, XGBoostStandard
from benchlab.runs import atomic_path

LIGHTGBM_MODELS = (LightGBMStandard, LightGBMQuantile)
XGBOOST_MODELS = (XGBoostStandard, XGBoostQuantile)
TREE_MODELS = tuple(cls.info.name for cls in (*LIGHTGBM_MODELS, *XGBOOST_MODELS))
EXPORTABLE = (*TREE_MODELS, "lightning_standard", "lightning_quantile")
INPUT_NAME = "X"

NativePredict = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass(frozen=True)
class OnnxArtifact:
    """One exported output: ``key`` (``"point"`` or ``"alpha0.1"``, ...) and its ``.onnx`` file."""

    key: str
    path: Path


@dataclass(frozen=True)
class ParityResult:
    """ONNX against native for one artifact: largest absolute difference and the verdict."""

    key: str
    max_abs_diff: float
    tolerance: float
    ok: bool


@dataclass(frozen=True)
class LatencyResult:
    """Latency of predicting every artifact's output for one batch, in one runtime."""

    runtime: str  # "native" or "onnxruntime"
    batch_rows: int
    p50_ms: float
    p99_ms: float
    rows_per_second: float  # batch_rows / p50


def output_key(alpha: float | None) -> str:
    """The artifact key of a booster output: ``"point"``, or ``"alpha<a>"`` for a quantile."""
    return "point" if alpha is None else f"alpha{alpha:g}"


def _is_mlp(model: ForecastModel) -> bool:
    return model.info.name in ("lightning_standard", "lightning_quantile")


def _load_exportable_model(model_dir: Path) -> ForecastModel:
    """Load the fitted tree or MLP model in ``model_dir``; refuse the others clearly."""
    model_dir = Path(model_dir)
    name = saved_model_type(model_dir)
    cls = model_registry.get(name)
    if cls.info.input_kind == "series":
        raise InputError(
            f"{model_dir}: model {name!r} has no trees to export: a series model keeps no "
            "learned weights (it is refitted on each series' history)"
        )
    if name not in EXPORTABLE:
        raise InputError(
            f"{model_dir}: model {name!r} cannot be exported; ONNX export supports "
            f"{', '.join(EXPORTABLE)}"
        )
    model = cls.load(model_dir)
    if not any(hasattr(model, a) for a in ("boosters_", "booster_", "net_")):
        raise InputError(
            f"{model_dir}: the model files of {name!r} are missing (expected {name}.txt / "
            f"{name}.alpha<a>.txt for LightGBM, {name}.ubj for XGBoost, {name}.pt for Lightning)"
        )
    return model


def _xgboost_layout(booster: Any, where: Path) -> tuple[list[str], list[int]]:
    """Output keys in column order and each tree's output index, read from the booster."""
    config = json.loads(booster.save_config())["learner"]
    strategy = config["learner_train_param"].get("multi_strategy", "one_output_per_tree")
    if config["gradient_booster"]["name"] != "gbtree" or strategy != "one_output_per_tree":
        raise InputError(
            f"{where}: only gbtree boosters with one output per tree can be exported; "
            f"got {config['gradient_booster']['name']!r} with multi_strategy={strategy!r}"
        )
    raw = json.loads(booster.save_raw(raw_format="json"))
    tree_info = [int(t) for t in raw["learner"]["gradient_booster"]["model"]["tree_info"]]
    objective = config["objective"]
    if objective["name"] == "reg:quantileerror":
        alphas = json.loads(objective["quantile_loss_param"]["quantile_alpha"])
        keys = [output_key(float(a)) for a in alphas]
    else:
        keys = [output_key(None)]
    n_targets = int(config["learner_model_param"].get("num_target", "1"))
    if len(keys) != n_targets or any(not 0 <= t < n_targets for t in tree_info):
        raise InputError(
            f"{where}: booster has {n_targets} outputs but {len(keys)} alphas; cannot map trees"
        )
    return keys, tree_info


def _native_predict(model: ForecastModel, model_dir: Path) -> tuple[list[str], NativePredict]:
    """Output keys, and a function returning every native booster output by key on one thread.

    LightGBM: ``Booster.predict`` of each booster (``num_threads=1``). XGBoost: one
    ``Booster.inplace_predict`` (``nthread=1``), split into its columns.
    """
    if _is_mlp(model):
        from benchlab.forecast.release.torch_onnx import native_mlp

        return native_mlp(model, output_key)
    if isinstance(model, LIGHTGBM_MODELS):
        boosters = {output_key(alpha): b for alpha, b in model.boosters_.items()}

        def predict_lightgbm(X: np.ndarray) -> dict[str, np.ndarray]:
            return {
                k: np.asarray(b.predict(X, num_threads=1), np.float64) for k, b in boosters.items()
            }

        return list(boosters), predict_lightgbm
    booster = model.booster_
    booster.set_param({"nthread": 1})
    keys, _ = _xgboost_layout(booster, model_dir / f"{model.info.name}.ubj")

    def predict_xgboost(X: np.ndarray) -> dict[str, np.ndarray]:
        raw = np.asarray(booster.inplace_predict(X), np.float64).reshape(X.shape[0], len(keys))
        return {key: raw[:, i] for i, key in enumerate(keys)}

    return keys, predict_xgboost


def _split_targets(
    onx: onnx.ModelProto, tree_info: list[int], n_targets: int, where: Path
) -> list[onnx.ModelProto]:
    """One single-output model per target of a multi-target ``TreeEnsembleRegressor`` model.

    The converter numbers trees in booster order, so ``tree_info[tree_id]`` is a tree's output.
    """
    nodes = list(onx.graph.node)
    if len(nodes) != 1 or nodes[0].op_type != "TreeEnsembleRegressor":
        ops = [n.op_type for n in nodes]
        raise InputError(f"{where}: unexpected ONNX graph {ops} for a multi-output booster")
    attrs = {a.name: helper.get_attribute_value(a) for a in nodes[0].attribute}
    n_trees = len(set(attrs["nodes_treeids"]))
    if n_trees != len(tree_info) or len(attrs["base_values"]) != n_targets:
        raise InputError(
            f"{where}: converted {n_trees} trees and {len(attrs['base_values'])} base scores; "
            f"the booster has {len(tree_info)} trees and {n_targets} outputs"
        )
    models = []
    for target in range(n_targets):
        renumber = {t: i for i, t in enumerate(np.flatnonzero(np.asarray(tree_info) == target))}
        keep_nodes = [i for i, t in enumerate(attrs["nodes_treeids"]) if t in renumber]
        keep_leaves = [i for i, t in enumerate(attrs["target_treeids"]) if t in renumber]
        new: dict[str, Any] = {}
        for name, value in attrs.items():
            if name.startswith("nodes_"):
                new[name] = [value[i] for i in keep_nodes]
            elif name.startswith("target_"):
                new[name] = [value[i] for i in keep_leaves]
        new["nodes_treeids"] = [renumber[t] for t in new["nodes_treeids"]]
        new["target_treeids"] = [renumber[t] for t in new["target_treeids"]]
        new["target_ids"] = [0] * len(keep_leaves)
        new["n_targets"] = 1
        new["base_values"] = [attrs["base_values"][target]]
        new["post_transform"] = attrs["post_transform"]
        node = helper.make_node(
            "TreeEnsembleRegressor",
            [INPUT_NAME],
            ["variable"],
            domain="ai.onnx.ml",
            name=f"TreeEnsembleRegressor_{target}",
            **new,
        )
        output = helper.make_tensor_value_info("variable", onnx.TensorProto.FLOAT, [None, 1])
        graph = helper.make_graph([node], f"target_{target}", list(onx.graph.input), [output])
        models.append(
            helper.make_model(graph, opset_imports=onx.opset_import, ir_version=onx.ir_version)
        )
    return models


def _convert(model: ForecastModel, model_dir: Path) -> dict[str, onnx.ModelProto]:
    """Every output of ``model`` as an ONNX model, by key."""
    if _is_mlp(model):
        from benchlab.forecast.release.torch_onnx import convert_mlp

        return convert_mlp(model, output_key, INPUT_NAME)
    initial_types = [(INPUT_NAME, FloatTensorType([None, model.n_features_in_]))]
    if isinstance(model, LIGHTGBM_MODELS):
        return {
            output_key(alpha): convert_lightgbm(booster, initial_types=initial_types)
            for alpha, booster in model.boosters_.items()
        }
    where = model_dir / f"{model.info.name}.ubj"
    keys, tree_info = _xgboost_layout(model.booster_, where)
    onx = convert_xgboost(model.booster_, initial_types=initial_types)
    if len(keys) == 1:
        return {keys[0]: onx}
    return dict(zip(keys, _split_targets(onx, tree_info, len(keys), where), strict=True))


def export_onnx(model_dir: Path, out_dir: Path) -> list[OnnxArtifact]:
    """Convert the model saved in ``model_dir``: one ``<model>.<key>.onnx`` per output.

    Files are written atomically into ``out_dir`` (created if needed). Series models, and
    folders without a saved model, raise ``InputError``.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    model = _load_exportable_model(model_dir)
    name = model.info.name
    out_dir.mkdir(parents=True, exist_ok=True)
    artifacts = []
    for key, onx in _convert(model, model_dir).items():
        onx.producer_name = "benchlab"
        helper.set_model_props(onx, {"benchlab.model": name, "benchlab.output": key})
        onnx.checker.check_model(onx)
        path = out_dir / f"{name}.{key}.onnx"
        with atomic_path(path) as tmp:
            tmp.write_bytes(onx.SerializeToString())
        artifacts.append(OnnxArtifact(key=key, path=path))
    return artifacts


def _session(path: Path, n_features: int) -> ort.InferenceSession:
    """An onnxruntime CPU session on one thread; ``InputError`` naming a bad file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: ONNX file not found")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime's errors derive from Exception only
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a loadable ONNX model ({first_line})") from exc
    inputs = session.get_inputs()
    if len(inputs) != 1 or inputs[0].shape[-1] != n_features:
        shapes = [i.shape for i in inputs]
        raise InputError(f"{path}: expects inputs {shapes}; the model has {n_features} features")
    return session


def _prepare(
    model_dir: Path, artifacts: list[OnnxArtifact], X: np.ndarray
) -> tuple[NativePredict, dict[str, ort.InferenceSession], np.ndarray]:
    """Model, native predictor, sessions by key and float32 ``X``, with every check done."""
    model_dir = Path(model_dir)
    model = _load_exportable_model(model_dir)
    X, _ = check_features(X, model=model.info.name, n_features=model.n_features_in_)
    X = np.ascontiguousarray(X, dtype=np.float32)
    known, native = _native_predict(model, model_dir)
    unknown = [a.key for a in artifacts if a.key not in known]
    if unknown:
        raise InputError(
            f"{model_dir}: artifacts {unknown} match no output of {model.info.name!r} "
            f"(outputs: {sorted(known)})"
        )
    sessions = {a.key: _session(a.path, model.n_features_in_) for a in artifacts}
    return native, sessions, X


def _run(session: ort.InferenceSession, X: np.ndarray) -> np.ndarray:
    return session.run(None, {session.get_inputs()[0].name: X})[0]


def validate_onnx(
    model_dir: Path, artifacts: list[OnnxArtifact], X: np.ndarray, *, tolerance: float = 1e-4
) -> list[ParityResult]:
    """Compare each artifact's ONNX output with its native booster's raw output on ``X``.

    ONNX runs in float32 (thresholds, leaf values and sums), the native boosters in float64, so
    an output passes when every row has ``|onnx - native| <= tolerance * max(1, |native|)``:
    absolute for values below 1 in size, relative above. Any NaN or shape mismatch fails.
    ``max_abs_diff`` is the largest plain absolute difference.

    >>> validate_onnx(run_dir, export_onnx(run_dir, out), X)  # doctest: +SKIP
    [ParityResult(key='point', max_abs_diff=1.9e-06, tolerance=0.0001, ok=True)]
    """
    if not tolerance > 0:
        raise InputError(f"tolerance must be positive; got {tolerance}")
    native, sessions, X = _prepare(model_dir, artifacts, X)
    expected = native(X)
    results = []
    for artifact in artifacts:
        want = expected[artifact.key]
        got = _run(sessions[artifact.key], X)
        if got.shape not in ((X.shape[0],), (X.shape[0], 1)):
            results.append(ParityResult(artifact.key, float("inf"), tolerance, False))
            continue
        diff = np.abs(got.reshape(-1).astype(np.float64) - want)
        finite = bool(np.isfinite(diff).all())
        max_abs = float(diff.max(initial=0.0)) if finite else float("inf")
        ok = finite and bool((diff <= tolerance * np.maximum(1.0, np.abs(want))).all())
        results.append(ParityResult(artifact.key, max_abs, tolerance, ok))
    return results


def _latency(runtime: str, fn: Callable[[], object], rows: int, repeats: int) -> LatencyResult:
    fn()  # warm-up
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    p50, p99 = (float(t) for t in np.percentile(times, [50, 99]))
    return LatencyResult(runtime, rows, p50 * 1e3, p99 * 1e3, rows / p50)


def benchmark_onnx(
    model_dir: Path, artifacts: list[OnnxArtifact], X: np.ndarray, *, repeats: int = 50
) -> list[LatencyResult]:
    """Time predicting every artifact's output for all rows of ``X`` as ONE batch.

    Native: the boosters' own predict (LightGBM ``num_threads=1``, XGBoost ``nthread=1``);
    onnxruntime: ``InferenceSession.run`` of each artifact with ``intra_op_num_threads=1``, so
    both run on one thread. Each is warmed up once, then timed ``repeats`` times; results are
    ``[native, onnxruntime]`` with p50/p99 latency and rows/second at p50.
    """
    if repeats < 1:
        raise InputError(f"repeats must be at least 1; got {repeats}")
    native, sessions, X = _prepare(model_dir, artifacts, X)
    rows = X.shape[0]
    return [
        _latency("native", lambda: native(X), rows, repeats),
        _latency("onnxruntime", lambda: [_run(s, X) for s in sessions.values()], rows, repeats),
    ]
