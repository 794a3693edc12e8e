"""Throughput of the INDIVIDUAL strategy: quantile models trained per second.

Trains one model per SKU (~1,500 training rows each, 100 rounds, depth 6) on synthetic data,
through the same ``BenchmarkPipeline.run_experiment`` a user calls, and projects the wall time
of seed 000's reference job (7,000 SKUs × 5 quantiles = 35,000 quantile models).

    python benchmarks/individual_throughput.py --skus 200 --model lightgbm_quantile
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchlab import BenchmarkPipeline, DataConfig, ModelingStrategy, TrainingConfig
from benchlab.forecast.data.synthetic import SynthSize, generate_synthetic
from benchlab.parallel import available_cores, resolve_n_workers

TRAIN_ROWS = 1500
HORIZON = 28
REFERENCE_SKUS = 7000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--quantiles", default="0.1,0.3,0.5,0.7,0.9")
    parser.add_argument(
        "--model", default="lightgbm_quantile", choices=["lightgbm_quantile", "xgboost_quantile"]
    )
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=6)
    parser.add_argument("--workers", type=int, default=None, help="default: auto")
    args = parser.parse_args()
    alphas = [float(a) for a in args.quantiles.split(",")]

    n_stores = 10 if args.skus >= 10 else args.skus
    n_products = -(-args.skus // n_stores)
    size = SynthSize(n_products=n_products, n_stores=n_stores, n_days=TRAIN_ROWS + HORIZON)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = generate_synthetic(size, seed=0, out_dir=Path(tmp))
        data = DataConfig(
            features_path=paths.features,
            target_path=paths.target,
            mapping_path=paths.mapping_json,
            horizon=HORIZON,
        )
        training = TrainingConfig(random_state=0)
        pipeline = BenchmarkPipeline(data, training)
        pipeline.load_and_prepare_data()
        skus = pipeline.data.sku_tuples()[: args.skus]
        print(
            f"data: {len(skus)} SKUs x {TRAIN_ROWS} training rows "
            f"(prepared in {time.perf_counter() - start:.1f} s)"
        )
        params = {"n_estimators": args.n_estimators, "max_depth": args.max_depth}
        if args.model == "lightgbm_quantile":
            params["num_leaves"] = 2**args.max_depth - 1
        workers = resolve_n_workers(args.workers)
        start = time.perf_counter()
        result = pipeline.run_experiment(
            skus,
            ModelingStrategy.INDIVIDUAL,
            args.model,
            quantile_alphas=alphas,
            hyperparameters=params,
            n_workers=workers,
            keep_models=False,
        )
        wall = time.perf_counter() - start

    n_models = len(skus) * len(alphas)
    rate = n_models / wall
    print(
        f"model: {args.model}, {args.n_estimators} rounds, depth {args.max_depth}, "
        f"quantiles {alphas}"
    )
    print(
        f"cores: {available_cores()}, workers: {result.n_workers}, failed SKUs: "
        f"{len(result.failures)}"
    )
    print(f"wall seconds: {wall:.2f} for {len(skus)} SKUs ({n_models} quantile models)")
    print(
        f"model fit seconds (sum over SKUs): {result.fit_seconds:.2f}, "
        f"predict: {result.predict_seconds:.2f}"
    )
    print(f"quantile models per second: {rate:.1f}")
    projected = REFERENCE_SKUS * len(alphas) / rate
    print(
        f"projected wall seconds for {REFERENCE_SKUS} SKUs x {len(alphas)} quantiles: "
        f"{projected:.0f}"
    )


if __name__ == "__main__":
    main()
