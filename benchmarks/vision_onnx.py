"""ONNX export of a trained digits network: parity with PyTorch and latency of both runtimes.

    python benchmarks/vision_onnx.py [--epochs 10] [--architecture simple_cnn] [--threads 1]

Writes scikit-learn's digits as images, trains the network on fold 0 (CPU), exports
``weights/best.pt`` to ONNX (dynamo exporter, dynamic batch axis, normalisation inside the
graph) and prints, measured in this one run:

- on the test split: max absolute logit difference PyTorch vs ONNX Runtime (target ≤ 1e-4) and
  top-1 agreement (target 100 %);
- latency p50/p90/p99 for batch 1 and batch 32 in PyTorch eager and ONNX Runtime (CPU, the
  same thread count), and the ratio ONNX Runtime / PyTorch of the medians (below 1: faster).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

MAX_DIFF_TARGET = 1e-4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--architecture", default="simple_cnn", help="simple_cnn or tiny_net")
    parser.add_argument("--threads", type=int, default=1, help="torch and ONNX Runtime threads")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per latency case")
    args = parser.parse_args()

    import torch

    from benchlab.config import parse_run_config
    from benchlab.runner import run_task
    from benchlab.vision.checkpoints import build_model, load_checkpoint
    from benchlab.vision.data.digits import write_digits
    from benchlab.vision.data.splits import write_splits
    from benchlab.vision.export import (
        benchmark_runtimes,
        checkpoint_test_loader,
        compare_on_loader,
        export_checkpoint,
        ort_session,
        with_normalization,
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data_dir = write_digits(root / "digits", seed=0)
        write_splits(data_dir / "raw", folds=5, seed=42)
        config = parse_run_config(
            {
                "task": "vision",
                "name": "digits",
                "seed": 42,
                "output_dir": str(root / "runs"),
                "tracking": {"enabled": False},
                "data": {"data_dir": str(data_dir), "fold": 0},
                "model": {"type": "custom", "custom_architecture": args.architecture},
                "training": {"num_epochs": args.epochs, "batch_size": 64, "device": "cpu"},
            }
        )
        started = time.perf_counter()
        summary = run_task(config, progress=False)
        train_s = time.perf_counter() - started
        metrics = summary.records[0].metrics
        checkpoint_path = summary.run_dir / "weights" / "best.pt"
        print(
            f"trained {args.architecture} on digits fold 0 for {args.epochs} epochs in "
            f"{train_s:.1f} s: test accuracy {metrics['test_accuracy']:.4f}"
        )

        torch.set_num_threads(args.threads)
        started = time.perf_counter()
        result = export_checkpoint(checkpoint_path, output=root / "digits.onnx")
        export_s = time.perf_counter() - started
        print(
            f"exported with the {result.exporter} exporter, opset {result.opset}, "
            f"in {export_s:.1f} s"
        )

        checkpoint = load_checkpoint(checkpoint_path)
        module = with_normalization(build_model(checkpoint), checkpoint.mean, checkpoint.std)
        session = ort_session(result.onnx_path, threads=args.threads)
        parity = compare_on_loader(
            module, session, checkpoint_test_loader(checkpoint, checkpoint.image_size)
        )
        verdict = "ok" if parity["passed"] else "MISSED"
        print(
            f"\nparity on {parity['images']} test images ({verdict}): max abs logit diff "
            f"{parity['max_abs_logit_diff']:.3g} (target ≤ {MAX_DIFF_TARGET:g}), top-1 agreement "
            f"{parity['top1_agreement']:.2%} (target 100 %), accuracy PyTorch "
            f"{parity['pytorch_accuracy']:.4f} / ONNX Runtime {parity['onnxruntime_accuracy']:.4f}"
        )

        latency = benchmark_runtimes(
            module,
            session,
            channels=checkpoint.channels,
            image_size=checkpoint.image_size,
            budget_s=args.budget,
        )
        print(f"\nlatency, CPU, {args.threads} thread(s) each (ms):")
        print(f"{'batch':>5} {'runtime':<13} {'p50':>8} {'p90':>8} {'p99':>8} {'runs':>6}")
        for batch in (1, 32):
            entry = latency[f"batch_{batch}"]
            for runtime in ("pytorch", "onnxruntime"):
                t = entry[runtime]
                print(
                    f"{batch:>5} {runtime:<13} {t['p50_ms']:>8.3f} {t['p90_ms']:>8.3f} "
                    f"{t['p99_ms']:>8.3f} {t['runs']:>6}"
                )
            ratio = entry["onnxruntime_over_pytorch_p50"]
            print(f"{batch:>5} ONNX Runtime / PyTorch p50: {ratio:.2f} ({1 / ratio:.1f}× faster)")


if __name__ == "__main__":
    main()
