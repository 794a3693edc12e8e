"""CPU speed of the text classifiers: latency p50/p99 at batch 1, throughput at batch 32.

    python benchmarks/text_speed.py [--data data/tweets/tweets.parquet] [--threads 1 2]
                                    [--samples 200] [--batches 20] [--models MiniLM-L6 tiny-bert]

Each registry model is LoRA-wrapped and fine-tuned for one optimizer step on a few tweets (its
speed does not depend on what it learned; the LoRA update is folded into the weights for
inference, as in a run), then timed by the task's own ``measure_speed`` on held-out tweets:
``--samples`` single-example predictions after 10 warm-up ones (p50, p90, p99, mean), and
``--batches`` batches of 32 (samples/s and tokens/s), for each ``--threads`` value (torch
threads). TF-IDF + logistic regression is timed the same way as a reference. The tweets are
written with ``benchlab data tweets`` into a temporary folder when ``--data`` is absent.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path("data/tweets/tweets.parquet")


def tweets_file(given: Path | None) -> Path:
    if given is not None and given.is_file():
        return given
    if DEFAULT_DATA.is_file():
        return DEFAULT_DATA
    from benchlab.text.data.tweets import write_tweets

    return write_tweets(Path(tempfile.mkdtemp(prefix="tweets_"))).path


def main() -> None:
    from benchlab.neural import torch_session
    from benchlab.text.baselines import make_baseline
    from benchlab.text.config import SpeedConfig, TextDataConfig, TextRunConfig
    from benchlab.text.data import load_text_data
    from benchlab.text.registry import load_registry
    from benchlab.text.speed import measure_speed
    from benchlab.text.training import fine_tune

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="tweets.parquet (default: data/tweets/…)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--samples", type=int, default=200, help="single-example timings")
    parser.add_argument("--batches", type=int, default=20, help="batches of 32 timed")
    parser.add_argument("--models", nargs="+", default=["MiniLM-L6", "tiny-bert"])
    args = parser.parse_args()

    source = tweets_file(args.data)
    data = TextDataConfig(source=str(source), max_samples=1200)
    splits = load_text_data(data, seed=0)
    texts = splits.test["text"].to_list()
    speed = SpeedConfig(
        latency_samples=args.samples,
        warmup=10,
        throughput_batch_size=32,
        throughput_batches=args.batches,
    )
    config = TextRunConfig(
        data=data,
        training={
            "epochs": 1,
            "max_steps": 1,
            "batch_size": 16,
            "gradient_accumulation_steps": 1,
            "eval_steps": 1,
            "max_length": 64,
            "device": "cpu",
            "num_threads": 1,
        },
    )
    registry = load_registry()
    classifiers = {}
    for name in args.models:
        started = time.perf_counter()
        classifiers[name] = fine_tune(registry.get(name), splits, config, log_dir=None)
        print(f"{name}: loaded and LoRA-wrapped in {time.perf_counter() - started:.1f} s")
    classifiers["tfidf_logreg"] = make_baseline("tfidf_logreg", splits.labels, seed=0).fit(
        splits.train["text"].to_list(), splits.train["label"].to_numpy()
    )
    print(
        f"\n{len(texts)} held-out tweets from {source}; {args.samples} single-example timings, "
        f"{args.batches} batches of 32"
    )
    header = ("model", "threads", "p50 ms", "p90 ms", "p99 ms", "mean ms", "samples/s", "tokens/s")
    widths = (14, 7, 8, 8, 8, 8, 10, 10)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for threads in args.threads:
        for name, classifier in classifiers.items():
            with torch_session(n_threads=threads):
                result = measure_speed(classifier, texts, speed)
            row = (
                name,
                threads,
                f"{result.latency_median_ms:.2f}",
                f"{result.latency_p90_ms:.2f}",
                f"{result.latency_p99_ms:.2f}",
                f"{result.latency_mean_ms:.2f}",
                f"{result.throughput_samples_per_sec:.1f}",
                f"{result.throughput_tokens_per_sec:.0f}",
            )
            print(" ".join(f"{str(v):>{w}}" for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
