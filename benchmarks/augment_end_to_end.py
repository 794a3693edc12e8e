"""Seed 001's end-to-end target: quick mode from raw data to the augmentation verdict on CPU.

    python benchmarks/augment_end_to_end.py                       # 60 products × 365 days
    python benchmarks/augment_end_to_end.py --products 20 --days 120
    python benchmarks/augment_end_to_end.py training.num_threads=2   # key=value → every run

Every stage runs the installed ``benchlab`` CLI in a fresh process, as a user would, on the
embedded data: ``data olist`` → ``augment preprocess`` → ``augment train-gan`` (quick) →
``augment generate`` (5 per real window) → ``augment evaluate`` (quick, 5 seeds, on that GAN
run). Printed: the wall time of each stage and their total against the 10-minute target, then
what the evaluation found (test MAE per variant, the improvement and its intervals, the paired
tests, TSTR, the discriminative score, the distribution checks and the verdict).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from augment_gan import TARGET_S  # benchmarks/ is on sys.path
from benchlab_cli import timed


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def write_config(work: Path) -> Path:
    """The default augment config on ``work``'s processed data, CPU, tracking off."""
    path = work / "olist.yaml"
    path.write_text(
        "task: augment\n"
        "name: olist\n"
        f"output_dir: {work / 'runs'}\n"
        "data:\n"
        f"  processed_dir: {work / 'processed'}\n"
        "training:\n"
        "  accelerator: cpu\n"
    )
    return path


def pipeline(work: Path, args: argparse.Namespace) -> tuple[dict[str, float], dict]:
    """Time every quick-mode stage; the stage times and evaluate's ``--json``."""
    size = ["--products", str(args.products), "--days", str(args.days), "--seed", "0"]
    stages: dict[str, float] = {}
    stages["data olist"], _ = timed(["data", "olist", "--out", str(work / "raw"), *size])
    stages["augment preprocess"], _ = timed(
        ["augment", "preprocess", str(work / "raw"), "--out", str(work / "processed")]
    )
    config = write_config(work)
    quick = ["quick_run.enabled=true", *args.overrides]
    stages["augment train-gan (quick)"], stdout = timed(
        ["augment", "train-gan", str(config), *quick, "--json"]
    )
    gan_run = last_json(stdout)["run_dir"]
    stages["augment generate (5 per real)"], _ = timed(
        ["augment", "generate", gan_run, "--samples-per-real", "5"]
    )
    stages["augment evaluate (quick, 5 seeds)"], stdout = timed(
        ["augment", "evaluate", str(config), *quick, f"evaluation.gan_run={gan_run}", "--json"]
    )
    return stages, last_json(stdout)


def _ci(ci: dict | None, percent: bool = False) -> str:
    if ci is None:
        return "—"
    if percent:
        return f"[{100 * ci['low']:+.1f} %, {100 * ci['high']:+.1f} %]"
    return f"[{ci['low']:.4f}, {ci['high']:.4f}]"


def print_evaluation(payload: dict) -> None:
    evaluation = payload["evaluation"]
    print(f"\nevaluation run: {payload['run_dir']}")
    windows = evaluation["windows"]
    print(
        f"windows: {windows['real_train']} real training, {windows['synthetic_train']} "
        f"synthetic, {windows['real_test']} real test; seeds {evaluation['seeds']}"
    )
    print(f"{'variant':<10} {'test MAE':>9} {'CI over seeds':>20} {'CI over windows':>20}")
    for variant, summary in evaluation["summaries"]["units"].items():
        mae = summary["mae"]
        print(
            f"{variant:<10} {mae['mean']:>9.4f} {_ci(mae['seeds_ci']):>20} "
            f"{_ci(mae['windows_ci']):>20}"
        )
    for variant, found in evaluation["comparisons"]["units"].items():
        seeds, dm = found["seeds"], found["diebold_mariano"]
        p_seeds = "—" if seeds is None else f"{seeds['p_value']:.3g}"
        p_dm = "—" if dm is None else f"{dm['p_value']:.3g}"
        print(
            f"{variant} vs real_only: improvement {100 * found['improvement']:+.1f} % "
            f"(over seeds {_ci(found['improvement_seeds_ci'], True)}, over windows "
            f"{_ci(found['improvement_windows_ci'], True)}); paired bootstrap p {p_seeds}, "
            f"Diebold–Mariano p {p_dm}"
        )
    fidelity = evaluation["fidelity"]
    disc, marginal = fidelity["discriminative"], fidelity["marginal_scaled"]
    acf = fidelity["autocorrelation"]
    gaps = [abs(s - r) for r, s in zip(acf["real"], acf["synthetic"], strict=True)]
    print(
        f"discriminative score {disc['score']:.3f} (accuracy {disc['accuracy']:.3f}); "
        f"Wasserstein-1 {marginal['wasserstein']:.4f}, KS {marginal['ks_statistic']:.3f} "
        f"(scaled values); mean |ACF gap| at lags 1–7 {sum(gaps) / len(gaps):.3f}"
    )
    print(f"verdict: {evaluation['verdict']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="key=value overrides for every run")
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workdir", type=Path, help="keep everything here (default: temporary)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="benchlab-augment-e2e-") as scratch:
        work = args.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        stages, payload = pipeline(work, args)
        print(f"quick mode end to end ({args.products} products × {args.days} days), CPU")
        print(f"{'stage':<36} {'seconds':>8}")
        for name, seconds in stages.items():
            print(f"{name:<36} {seconds:>8.1f}")
        total = sum(stages.values())
        verdict = "met" if total < TARGET_S else "MISSED"
        print(f"{'total':<36} {total:>8.1f}  target < {TARGET_S:.0f} s: {verdict}")
        print_evaluation(payload)


if __name__ == "__main__":
    main()
