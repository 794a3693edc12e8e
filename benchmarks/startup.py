"""Start-up time: ``python -c "import benchlab"`` and ``benchlab --help``, each in a fresh process.

    python benchmarks/startup.py [--repeats 7]

Prints the median and the minimum wall time of each (the process start included) and the
interpreter alone for comparison. Target: both under 0.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from benchlab_cli import benchlab_command  # benchmarks/ is on sys.path

TARGET_S = 0.5


def time_command(command: list[str], repeats: int) -> list[float]:
    """Wall times of ``repeats`` fresh runs of ``command``, after one warm-up run."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command")
    args = parser.parse_args()
    commands = {
        "python -c pass (interpreter)": [sys.executable, "-c", "pass"],
        'python -c "import benchlab"': [sys.executable, "-c", "import benchlab"],
        "benchlab --help": [*benchlab_command(), "--help"],
    }
    print(f"{'command':<32} {'median s':>9} {'min s':>7}")
    for label, command in commands.items():
        times = time_command(command, args.repeats)
        print(f"{label:<32} {statistics.median(times):>9.3f} {min(times):>7.3f}")
    print(f"({args.repeats} runs each; target: under {TARGET_S} s)")


if __name__ == "__main__":
    main()
