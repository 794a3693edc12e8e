"""Tuning speed and the cost of MLflow tracking, measured in one run.

Runs the same Optuna search twice on the ``small`` synthetic data (``lightgbm_standard``,
rolling-origin folds): once with tracking off, once with the local MLflow store, and prints
trials per minute for each and the tracking overhead.

    python benchmarks/tuning_overhead.py --trials 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from benchlab.config import parse_run_config
from benchlab.forecast.data.synthetic import generate_synthetic
from benchlab.forecast.tuning import tune_forecast


def _config(paths, out: Path, *, trials: int, folds: int, tracking: bool) -> dict:
    return {
        "name": "tuning_overhead",
        "seed": 0,
        "n_workers": None,
        "data": {
            "features_path": str(paths.features),
            "target_path": str(paths.target),
            "mapping_path": str(paths.mapping_json),
            "horizon": 28,
        },
        "strategy": ["combined"],
        "models": [{"type": "lightgbm_standard", "n_estimators": 100}],
        "output_dir": str(out),
        "report": {"fan_charts": 0},
        "tracking": {"enabled": tracking},
        "tuning": {
            "n_trials": trials,
            "n_folds": folds,
            "pruner": "none",
            "search_space": {
                "models.0.learning_rate": {"type": "loguniform", "low": 0.02, "high": 0.3},
                "models.0.num_leaves": {"type": "int", "low": 8, "high": 127},
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate_synthetic("small", seed=0, out_dir=Path(tmp) / "data")
        timings = {}
        for tracking in (False, True):
            out = Path(tmp) / f"runs_{tracking}"
            raw = _config(paths, out, trials=args.trials, folds=args.folds, tracking=tracking)
            start = time.perf_counter()
            summary = tune_forecast(parse_run_config(raw), progress=False)
            wall = time.perf_counter() - start
            trials = pl.read_csv(summary.run_dir / "tuning" / "trials.csv")
            in_trials = float(trials["duration_s"].sum())
            timings[tracking] = (wall, in_trials)
            label = "with MLflow" if tracking else "no tracking"
            print(
                f"{label:>12}: {args.trials} trials x {args.folds} folds, wall {wall:.1f} s "
                f"(trials {in_trials:.1f} s), {60 * args.trials / in_trials:.1f} trials/minute, "
                f"best rmsse {summary.best_value:.4f}"
            )
    (off_wall, off_trials), (on_wall, on_trials) = timings[False], timings[True]
    print(
        f"tracking overhead: wall +{on_wall - off_wall:.1f} s ({on_wall / off_wall:.2f}x), "
        f"inside trials +{on_trials - off_trials:.1f} s ({on_trials / off_trials:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
