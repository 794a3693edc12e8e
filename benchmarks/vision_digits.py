"""Vision on the digits, CPU: accuracy and training time, mixed-precision throughput, resume.

    python benchmarks/vision_digits.py [--seeds 42 0 1] [--rounds 3] [--threads 1]

1. The user's workflow, each step a ``benchlab`` command in a temporary folder: ``data digits``,
   ``vision split --folds 5``, ``vision init-config`` (the packaged template's defaults, custom
   ``simple_cnn``), ``vision train --json`` once per seed. Prints held-out test accuracy and
   training seconds. Targets: test accuracy ≥ 98 %, training under 60 s.
2. Training throughput (images/s of the training phase, epochs after the first) of the
   ``standard`` and ``mixed_precision`` (bfloat16 autocast on the CPU) trainers, measured in
   this one process in alternating rounds; prints their ratio.
3. Resume equivalence: 4 straight epochs vs 2 epochs, stop, resume from ``weights/last.pt``,
   2 more (deterministic, cosine schedule with warmup); prints the max abs weight difference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchlab_cli import benchlab_command  # benchmarks/ is on sys.path

ACCURACY_TARGET = 0.98
SECONDS_TARGET = 60.0


def run(args: list[str], cwd: Path) -> str:
    done = subprocess.run([*benchlab_command(), *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchlab {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def workflow(work: Path, seeds: list[int]) -> Path:
    """data digits → split → init-config → train per seed; prints one line per seed."""
    data = work / "data" / "digits"
    run(["data", "digits", "--out", str(data)], work)
    run(["vision", "split", "--raw-data", str(data / "raw"), "--folds", "5"], work)
    run(["vision", "init-config", str(data), "--output", str(work / "configs")], work)
    config = work / "configs" / "digits_config.yaml"
    print(f"1. workflow: data digits, split --folds 5, init-config, train ({config.name})")
    columns = ("seed", "test acc", "macro F1", "val acc", "epochs", "train s")
    print("   " + " ".join(f"{c:>{w}}" for c, w in zip(columns, (5, 9, 9, 8, 6, 8), strict=True)))
    for seed in seeds:
        payload = json.loads(
            run(
                [
                    "vision",
                    "train",
                    "--config",
                    str(config),
                    f"seed={seed}",
                    "--json",
                    "tracking.enabled=false",
                ],
                work,
            )
            .strip()
            .splitlines()[-1]  # fmt: skip
        )
        m = payload["metrics"]
        ok = m["test_accuracy"] >= ACCURACY_TARGET and m["train_seconds"] < SECONDS_TARGET
        print(
            f"   {seed:>5} {m['test_accuracy']:>9.4f} {m['test_f1_macro']:>9.4f} "
            f"{m['best_val_accuracy']:>8.4f} {m['epochs']:>6} {m['train_seconds']:>8.2f}"
            f"  {'meets' if ok else 'MISSES'} the target"
        )
    print(
        f"   (targets: test accuracy >= {ACCURACY_TARGET:.0%}, training < {SECONDS_TARGET:.0f} s)"
    )
    return config


def base_config(config_path: Path, **changes: dict) -> object:
    from benchlab.config import load_run_config

    config = load_run_config(config_path, ["tracking.enabled=false"])
    raw = config.to_raw()
    for section, values in changes.items():
        raw[section] = {**raw[section], **values} if isinstance(values, dict) else values
    return type(config).model_validate(raw)


def throughput(config_path: Path, work: Path, rounds: int, threads: int) -> None:
    from benchlab.vision.training import fit_model, prepare_training

    rates: dict[str, list[float]] = {"standard": [], "mixed_precision": []}
    for round_ in range(rounds):
        for trainer in rates:
            config = base_config(
                config_path,
                training={"trainer_type": trainer, "num_epochs": 3, "num_threads": threads},
            )
            result = fit_model(config, prepare_training(config), work / f"tp_{trainer}_{round_}")
            later = result.history.epochs[1:]
            images = sum(row["train_images"] for row in later)
            rates[trainer].append(images / sum(row["train_seconds"] for row in later))
    standard, mixed = (statistics.median(rates[name]) for name in rates)
    print(f"2. training throughput, {threads} thread(s), median of {rounds} alternating rounds")
    print(f"   standard                   {standard:>9.0f} images/s")
    print(f"   mixed_precision (bfloat16) {mixed:>9.0f} images/s")
    print(f"   ratio mixed/standard       {mixed / standard:>9.3f}")


def resume_equivalence(config_path: Path, work: Path) -> None:
    from benchlab.vision.training import fit_model, prepare_training

    config = base_config(
        config_path,
        deterministic=True,
        training={"num_epochs": 4},
        scheduler={"type": "cosine", "warmup_epochs": 1},
    )
    straight = fit_model(config, prepare_training(config), work / "straight")
    fit_model(config, prepare_training(config), work / "first", on_epoch_end=lambda e, m: e == 2)
    resumed_config = config.model_copy(update={"resume": work / "first/weights/last.pt"})
    resumed = fit_model(resumed_config, prepare_training(resumed_config), work / "second")
    a = straight.trainer.core_model().state_dict()
    b = resumed.trainer.core_model().state_dict()
    diff = max(float((a[k].double() - b[k].double()).abs().max()) for k in a)
    print("3. resume equivalence (simple_cnn, deterministic, cosine + warmup)")
    print(f"   4 straight epochs vs 2 + resume + 2: max abs weight difference {diff:.3g}")
    for label, result in (("straight", straight), ("resumed", resumed)):
        losses = [round(v, 6) for v in result.history.series("val_loss")]
        print(f"   val loss per epoch, {label + ':':<9} {losses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42], help="training seeds")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per trainer")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for part 2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vision_digits_") as tmp:
        work = Path(tmp)
        config = workflow(work, args.seeds)
        throughput(config, work, args.rounds, args.threads)
        resume_equivalence(config, work)


if __name__ == "__main__":
    main()
