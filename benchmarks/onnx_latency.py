"""Prediction latency of a tree model: native boosters against its ONNX export (onnxruntime).

Fits the model on synthetic float32 features (10% NaN), exports it to ONNX in a temporary
folder, checks parity on fresh rows, then times predicting every output for all rows as one
batch, both runtimes on one thread.

    python benchmarks/onnx_latency.py --model lightgbm_quantile --rows 10000
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from benchlab.forecast.model_types import create_model
from benchlab.forecast.release.onnx_export import benchmark_onnx, export_onnx, validate_onnx

MODELS = ["lightgbm_quantile", "xgboost_quantile", "lightgbm_standard", "xgboost_standard"]


def synthetic(rows: int, features: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Float32 features with 10% NaN and a non-negative, right-skewed target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features)).astype(np.float32)
    clean = X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    y = 3.0 * np.abs(clean[:, 0]) + clean[:, 1 % features] ** 2 + rng.gamma(2.0, 1.0, rows)
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lightgbm_quantile", choices=MODELS)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=17)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--quantiles", default="0.1,0.3,0.5,0.7,0.9", help="quantile models only")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    params = {"n_estimators": args.n_estimators}
    if args.model.endswith("quantile"):
        params["quantile_alphas"] = [float(a) for a in args.quantiles.split(",")]
    X, y = synthetic(args.rows, args.features, seed=0)
    X_new, _ = synthetic(args.rows, args.features, seed=1)
    model = create_model(args.model, **params).fit(X, y)

    with tempfile.TemporaryDirectory() as tmp:
        model_dir, onnx_dir = Path(tmp) / "model", Path(tmp) / "onnx"
        model.save(model_dir)
        artifacts = export_onnx(model_dir, onnx_dir)
        print(
            f"{args.model}: {args.rows} rows x {args.features} features, "
            f"{args.n_estimators} rounds, {len(artifacts)} ONNX file(s); "
            f"{platform.machine()}, {os.cpu_count()} cores"
        )
        for result in validate_onnx(model_dir, artifacts, X_new):
            verdict = "ok" if result.ok else "MISMATCH"
            print(
                f"  parity {result.key:>9}: max |onnx - native| = {result.max_abs_diff:.2e} "
                f"(tolerance {result.tolerance:g} x max(1, |native|)) {verdict}"
            )
        latencies = benchmark_onnx(model_dir, artifacts, X_new, repeats=args.repeats)

    print(f"  latency, one batch of {args.rows} rows, 1 thread, {args.repeats} repeats:")
    for r in latencies:
        print(
            f"  {r.runtime:>12}: p50 {r.p50_ms:8.2f} ms  p99 {r.p99_ms:8.2f} ms  "
            f"{r.rows_per_second:12,.0f} rows/s"
        )
    native, onnxrt = latencies
    ratio = native.p50_ms / onnxrt.p50_ms
    print(f"  native p50 / onnxruntime p50 (this run): {ratio:.2f}x (above 1: onnxruntime faster)")


if __name__ == "__main__":
    main()
