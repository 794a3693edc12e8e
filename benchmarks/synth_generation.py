"""Time the synthetic M5-like generator and print what was measured.

python benchmarks/synth_generation.py --size small
python benchmarks/synth_generation.py --size m5 --out /tmp/m5 --keep
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchlab.forecast.data.synthetic import SIZES, generate_synthetic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk-series", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the files written")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)

    shape = SIZES[args.size]
    out = args.out or Path(tempfile.mkdtemp(prefix="benchlab-synth-"))
    start = time.perf_counter()
    paths = generate_synthetic(
        args.size,
        seed=args.seed,
        out_dir=out,
        progress=args.progress,
        chunk_series=args.chunk_series,
    )
    seconds = time.perf_counter() - start
    size_mb = sum(p.stat().st_size for p in vars(paths).values()) / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        f"size={args.size} series={shape.n_series} days={shape.n_days} rows={shape.n_rows:,} "
        f"seconds={seconds:.2f} rows_per_second={shape.n_rows / seconds:,.0f} "
        f"files_mb={size_mb:.1f} peak_rss_mb={peak_mb:.0f}"
    )
    if not args.keep and args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
