"""Time and peak memory of loading the seed 000 files, whole and filtered to a few SKUs.

Shows that the SKU filter is applied inside the lazy scan: a filtered load of M5-scale files
reads a small part of them. Run on files from ``benchlab data synth``:

    python benchmarks/synth_generation.py --size m5 --out /tmp/m5 --keep
    python benchmarks/load_scale.py /tmp/m5 --skus 50
    python benchmarks/load_scale.py /tmp/m5 --all
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from benchlab import BenchmarkPipeline, DataConfig, TrainingConfig
from benchlab.data.tables import scan_table


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder written by `benchlab data synth`")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--skus", type=int, default=50, help="load this many SKU tuples")
    group.add_argument("--all", action="store_true", help="load every SKU")
    args = parser.parse_args(argv)

    features = args.folder / "train_data_features.feather"
    sku_tuples = None
    if not args.all:
        ids = scan_table(features).select("productID", "storeID").unique().sort("productID")
        sku_tuples = [list(row) for row in ids.head(args.skus).collect().rows()]
    config = DataConfig(
        features_path=features,
        target_path=args.folder / "train_data_target.feather",
        mapping_path=args.folder / "feature_mapping_train.json",
        sku_tuples=sku_tuples,
    )
    start = time.perf_counter()
    pipeline = BenchmarkPipeline(config, TrainingConfig())
    data = pipeline.load_and_prepare_data()
    seconds = time.perf_counter() - start
    rows = data.frame.height
    print(f"files: {features.stat().st_size / 2**30:.2f} GiB of features in {args.folder}")
    print(f"loaded {data.n_series} SKUs, {rows:,} rows, {len(data.feature_columns)} features")
    print(f"load + validate + split seconds: {seconds:.1f}")
    print(f"in-memory frame: {data.frame.estimated_size() / 2**30:.2f} GiB")
    print(f"peak RSS GiB: {_peak_rss_gib():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
