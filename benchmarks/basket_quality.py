"""Seed 003's quality target: the world model beats every baseline on generated baskets.

    python benchmarks/basket_quality.py                      # 3 seeds, the demo config
    python benchmarks/basket_quality.py --quick              # smaller data, 2 epochs (smoke)
    python benchmarks/basket_quality.py --seeds 0 1 2 3 4 training.max_epochs=6
    python benchmarks/basket_quality.py training.num_threads=1   # a CPU shared with others

Runs as a user would, through the installed CLI in fresh processes: ``benchlab data baskets``
(1,000 customers, 300 products, 8 stores, 117 weeks by default; kept in ``--work`` between
runs), then ``benchlab basket train`` with ``configs/basket_demo.yaml``, one world model per
seed. Each seed masks its own test products and scores the model and the baselines on the same
ones. Printed, per metric (masked-product Recall@10, and accuracy and macro F1 of every enabled
auxiliary task): each method's mean with a 95 % Student-t interval over the seeds, and the
paired difference world model − baseline with its interval and the seeds it won. The model
beats a baseline on a metric when that paired interval lies above 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from importlib import resources
from pathlib import Path

import polars as pl
from benchlab_cli import timed  # benchmarks/ is on sys.path

FULL = {"customers": 1000, "products": 300, "stores": 8, "weeks": 117}
QUICK = {"customers": 300, "products": 120, "stores": 4, "weeks": 60}
REFERENCE = "world_model"


def interval(row: dict) -> str:
    if row["low"] is None:
        return f"{row['mean']:.4f}"
    return f"{row['mean']:.4f} [{row['low']:.4f}, {row['high']:.4f}]"


def verdicts(paired: pl.DataFrame, metrics: list[str]) -> list[tuple[str, str, bool, str]]:
    """(baseline, metric, beaten, text) for every baseline and metric both have."""
    rows = []
    for row in paired.filter(pl.col("metric").is_in(metrics)).iter_rows(named=True):
        beaten = row["low"] is not None and row["low"] > 0
        text = f"{interval(row)}, won {row['wins']}/{row['n_seeds']} seeds"
        rows.append((row["method"], row["metric"], beaten, text))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="key=value overrides for the run config")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="smaller data and 2 epochs")
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for the data and runs (default: temp)"
    )
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the generated data")
    args = parser.parse_args()

    sizes = QUICK if args.quick else FULL
    work = args.work or Path(tempfile.mkdtemp(prefix="basket-quality-"))
    project = work / ("project_quick" if args.quick else "project")
    if not (project / "raw_data" / "transactions.csv").is_file():
        options = [f"--{k}={v}" for k, v in sizes.items()]
        seconds, _ = timed(
            ["data", "baskets", "--out", str(project), *options, f"--seed={args.data_seed}"]
        )
        print(f"generated {sizes} in {seconds:.1f} s → {project}")
    config = resources.files("benchlab") / "configs" / "basket_demo.yaml"
    overrides = [
        f"project_root={project}",
        f"output_dir={work / 'runs'}",
        f"evaluation.seeds=[{','.join(str(s) for s in args.seeds)}]",
        "tracking.enabled=false",
        *(["training.max_epochs=2"] if args.quick else []),
        *args.overrides,
    ]
    with resources.as_file(config) as path:
        seconds, stdout = timed(["basket", "train", str(path), *overrides, "--json"])
    run_dir = Path(json.loads(stdout.strip().splitlines()[-1])["run_dir"])
    intervals = pl.read_csv(run_dir / "intervals.csv")
    paired = pl.read_csv(run_dir / "paired.csv")
    config_used = json.loads((run_dir / "models" / "world_model.json").read_text())
    tasks = [
        m.removesuffix("_accuracy")
        for m in intervals["metric"].unique(maintain_order=True).to_list()
        if m.endswith("_accuracy")
    ]
    metrics = ["recall_at_10", *(f"{t}_{s}" for t in tasks for s in ("accuracy", "f1_macro"))]

    print(
        f"\nrun folder: {run_dir}  ({seconds:.0f} s for {len(args.seeds)} seeds, stages included)"
    )
    print(f"seeds {args.seeds}; data {sizes}; hyperparameters {config_used['hyperparameters']}")
    print("\nmean over seeds [95 % t-interval]")
    for metric in metrics:
        part = intervals.filter(pl.col("metric") == metric)
        cells = [f"{r['method']} {interval(r)}" for r in part.iter_rows(named=True)]
        print(f"  {metric:<28} " + "  |  ".join(cells))
    print(f"\n{REFERENCE} − baseline, paired over seeds [95 % t-interval]")
    results = verdicts(paired, metrics)
    for baseline, metric, beaten, text in results:
        print(f"  {'BEATS' if beaten else 'not  '} {baseline:<19} {metric:<28} {text}")
    primary = [r for r in results if r[1] in ["recall_at_10", *(f"{t}_accuracy" for t in tasks)]]
    lost = [f"{b} on {m}" for b, m, beaten, _ in primary if not beaten]
    print(
        "\ntarget (beats every baseline on Recall@10 and each auxiliary accuracy): "
        + ("met" if not lost else "NOT met: " + ", ".join(lost))
    )


if __name__ == "__main__":
    main()
