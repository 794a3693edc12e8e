"""Dashboard start-up: from ``benchlab dashboard RUNS_DIR`` starting to the app answering HTTP.

    python benchmarks/dashboard_startup.py [--runs-dir runs] [--repeats 3]

Without ``--runs-dir`` it first writes 3 quick forecast runs (statquant, theta and a small
LightGBM on the tiny synthetic data) into a temporary folder. Each repeat is a fresh process,
timed from its start until ``GET /`` answers 200 (after one untimed warm-up start, so files
are in the disk cache). Target (issue 10): under 5 s with 3 runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchlab.dashboard.process import dashboard_command, free_port, stop, wait_until_answering
from benchlab.dashboard.runs import load_catalog

TARGET_S = 5.0
MODELS = (
    {"type": "statquant", "quantile_alphas": [0.1, 0.5, 0.9]},
    {"type": "theta", "quantile_alphas": [0.1, 0.5, 0.9]},
    {"type": "lightgbm_quantile", "quantile_alphas": [0.1, 0.5, 0.9], "n_estimators": 20},
)


def write_runs(folder: Path) -> Path:
    """3 forecast runs, one per model of :data:`MODELS`, on the tiny synthetic data."""
    from benchlab.config import parse_run_config
    from benchlab.forecast.data.synthetic import generate_synthetic
    from benchlab.runner import run_task

    paths = generate_synthetic("tiny", seed=7, out_dir=folder / "data")
    data = {
        "features_path": str(paths.features),
        "target_path": str(paths.target),
        "mapping_path": str(paths.mapping_json),
        "split_date": "2020-03-01",
        "horizon": 28,
    }
    root = folder / "runs"
    for model in MODELS:
        raw = {
            "task": "forecast",
            "name": model["type"],
            "output_dir": str(root),
            "tracking": {"enabled": False},
            "strategy": ["combined"],
            "models": [model],
            "data": data,
        }
        run_task(parse_run_config(raw), progress=False)
    return root


def time_start(runs_dir: Path, timeout: float) -> tuple[float, float]:
    """Wall seconds from starting ``benchlab dashboard`` to its first HTTP 200, and the CPU
    seconds the process used (to then: it is stopped at once)."""
    port = free_port()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        dashboard_command(runs_dir, host="127.0.0.1", port=port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/", timeout=timeout, process=process)
        wall = time.perf_counter() - start
    finally:
        stop(process)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, default=None, help="default: 3 fresh runs")
    parser.add_argument("--repeats", type=int, default=3, help="timed starts")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        runs_dir = args.runs_dir or write_runs(Path(scratch))
        n_runs = len(load_catalog(runs_dir).runs)
        time_start(runs_dir, args.timeout)  # warm-up: imports compiled, files cached
        measured = [time_start(runs_dir, args.timeout) for _ in range(args.repeats)]
    walls, cpus = [m[0] for m in measured], [m[1] for m in measured]
    print(f"dashboard start-up over {n_runs} runs ({os.cpu_count()} cores, load {load()}):")
    print(f"  {'':<10} {'median':>7} {'min':>7}   each")
    for label, values in (("wall s", walls), ("CPU s", cpus)):
        each = " ".join(f"{v:.2f}" for v in values)
        print(f"  {label:<10} {statistics.median(values):>7.2f} {min(values):>7.2f}   {each}")
    print(f"  target: under {TARGET_S:.0f} s wall (CPU s: the wall time with a core to itself)")


def load() -> str:
    """The 1-minute load average (other work on the machine slows the start)."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


if __name__ == "__main__":
    main()
