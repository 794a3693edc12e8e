"""Seed 003's batch-encoding target: ≤ 1 ms per batch of 64 baskets on CPU (the seed: 3–5 ms).

    python benchmarks/basket_batches.py                        # generated, 2000 customers
    python benchmarks/basket_batches.py --customers 20000 --products 3000 --weeks 117
    python benchmarks/basket_batches.py --project-root DIR     # a prepared project

Builds a project (``benchlab data baskets`` + stages 1 and 2) in a temporary folder unless
``--project-root`` names one, opens the training split as ``WorldModelDataset`` and prints,
per batch of ``--batch-size`` baskets, the wall-clock median and 90th percentile and the
process's mean CPU milliseconds of:

* ``encode_batch`` on bucketed batches with BERT masking (what training does),
* ``encode_batch`` on random batches (longer padding) and on full-length batches (S = 50),
* one epoch of ``WorldModelDataLoader`` (sampler + encoding + masking, num_workers=0),

then the padding waste of bucketed batches against random batching, and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def build(root: Path, args: argparse.Namespace) -> None:
    from benchlab.basket.cache import prepare_tensor_cache
    from benchlab.basket.samples import enhance_temporal_metadata
    from benchlab.basket.synthetic import write_transactions

    started = time.perf_counter()
    written = write_transactions(
        root,
        customers=args.customers,
        products=args.products,
        stores=args.stores,
        weeks=args.weeks,
        seed=args.seed,
    )
    enhance_temporal_metadata(root)
    prepare_tensor_cache(root)
    print(
        f"project: {written.rows:,} rows, {written.baskets:,} baskets "
        f"(generated and prepared in {time.perf_counter() - started:.1f} s)"
    )


def timings(fn, batches: list[np.ndarray], repeat: int) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Wall and CPU milliseconds per call of ``fn(batch)``, after a warm-up pass. CPU time is
    what the process itself spent: on a shared machine the wall time also counts waiting."""
    for batch in batches[: min(len(batches), 20)]:
        fn(batch)
    wall, cpu = [], []
    for _ in range(repeat):
        for batch in batches:
            w, c = time.perf_counter(), time.process_time()
            fn(batch)
            cpu.append((time.process_time() - c) * 1e3)
            wall.append((time.perf_counter() - w) * 1e3)
    return np.array(wall), np.array(cpu)


def line(name: str, ms: tuple[np.ndarray, np.ndarray], seq: float) -> None:
    wall, cpu = ms
    print(
        f"  {name:<34} wall median {np.median(wall):6.3f} p90 {np.percentile(wall, 90):6.3f}"
        f"  | CPU mean {cpu.mean():6.3f}   (mean S {seq:4.1f}, {len(wall)} batches)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-root", type=Path)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--stores", type=int, default=8)
    parser.add_argument("--weeks", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=200, help="batches timed per pass")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: one core)")
    args = parser.parse_args()

    import torch

    from benchlab.basket.dataset import WorldModelDataset
    from benchlab.basket.loader import BucketBatchSampler, WorldModelDataLoader, padding_waste

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.project_root
        if root is None:
            root = Path(tmp) / "project"
            build(root, args)
        started = time.perf_counter()
        data = WorldModelDataset(root, split="train")
        print(
            f"train split: {len(data):,} baskets, {len(data.item_product):,} items, "
            f"mean length {data.lengths.mean():.1f}, vocab {data.vocab_size:,} "
            f"(dataset opened in {time.perf_counter() - started:.2f} s)"
        )
        bs, n = args.batch_size, args.batches
        rng = np.random.default_rng(args.seed)
        bucketed = BucketBatchSampler(data.lengths, bs, seed=args.seed).global_batches()[:n]
        random = [rng.choice(len(data), bs, replace=False) for _ in range(n)]
        longest = np.argsort(data.lengths)[-bs:]
        gen = np.random.default_rng(0)

        def masked(batch: np.ndarray) -> object:
            return data.encode_batch(batch, generator=gen)

        def mean_s(batches: list[np.ndarray]) -> float:
            return float(np.mean([data.lengths[b].max() for b in batches]))

        print(f"ms per batch of {bs} baskets (CPU, {args.threads} thread):")
        line(
            "encode_batch, bucketed + masking",
            timings(masked, bucketed, args.repeat),
            mean_s(bucketed),
        )
        line("encode_batch, random + masking", timings(masked, random, args.repeat), mean_s(random))
        line(
            "encode_batch, longest baskets",
            timings(masked, [longest] * n, 1),
            float(data.lengths[longest].max()),
        )
        loader = WorldModelDataLoader(data, batch_size=bs, seed=args.seed)
        sum(1 for _ in loader)  # warm-up epoch
        epochs, cpus = [], []
        for epoch in range(args.repeat):
            loader.set_epoch(epoch + 1)
            w, c = time.perf_counter(), time.process_time()
            count = sum(1 for _ in loader)
            cpus.append((time.process_time() - c) * 1e3 / count)
            epochs.append((time.perf_counter() - w) * 1e3 / count)
        print(
            f"  {'WorldModelDataLoader, one epoch':<34} wall {np.median(epochs):6.3f} ms"
            f"  | CPU {np.median(cpus):6.3f} ms per batch ({len(loader)} batches, masking "
            "included)"
        )
        all_bucketed = BucketBatchSampler(data.lengths, bs, seed=args.seed).global_batches()
        all_random = BucketBatchSampler(
            data.lengths, bs, seed=args.seed, n_buckets=1
        ).global_batches()
        waste_b = padding_waste(data.lengths, all_bucketed)
        waste_r = padding_waste(data.lengths, all_random)
        print(
            f"padding waste: bucketed {waste_b:.3f}, random {waste_r:.3f}, "
            f"ratio {waste_b / waste_r:.3f}"
        )


if __name__ == "__main__":
    main()
