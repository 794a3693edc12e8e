"""Time and peak memory of the basket stages on generated transactions, projected to 31 M rows.

    python benchmarks/basket_stages.py                      # 10 M rows (and 2.5 M for the slope)
    python benchmarks/basket_stages.py --rows 1000000       # a quick check
    python benchmarks/basket_stages.py --rows 1000000 --no-scaling --keep /tmp/baskets

Generates ``--rows`` transaction rows (``benchlab data baskets``: ``--products`` products,
``--stores`` stores, ``--weeks`` weeks, customers set from a small pilot run so the rows come
out near ``--rows``), then runs, each in its own process so that its peak RSS
(``resource.getrusage``, ``ru_maxrss``) is its own:

* ``convert``: ``raw_data/transactions.csv`` → ``transactions.parquet`` (once per project),
* ``stage 1``: ``enhance_temporal_metadata`` (the samples files),
* ``stage 2``: ``prepare_tensor_cache`` (the tensor cache).

With scaling (the default) the same is done at a quarter of the rows, and time and peak memory
are projected to ``--target`` rows (31 M: the real file) on the line through the two sizes
(intercept + slope per row). The proportional projection from the largest size (memory above
the bare interpreter's RSS) is printed beside it as an upper bound: fixed costs such as the
product × product matrices scale with it too. Both are compared with the machine's 24 GiB and
the seed's 10 GB in-memory plan.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIB = 1024**3
STAGES = ("convert", "stage 1", "stage 2")


def _peak_rss() -> int:
    """Peak resident memory of this process in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(stage: str, root: Path) -> None:
    """Run one stage in this process and print ``{"seconds", "peak_rss"}`` as JSON."""
    from benchlab.basket.cache import prepare_tensor_cache
    from benchlab.basket.samples import enhance_temporal_metadata
    from benchlab.basket.schema import read_transactions

    started = time.perf_counter()
    if stage == "convert":
        read_transactions(root)
    elif stage == "stage 1":
        enhance_temporal_metadata(root)
    elif stage == "stage 2":
        prepare_tensor_cache(root)
    elif stage != "idle":
        raise SystemExit(f"unknown stage {stage!r}")
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss": _peak_rss()}))


def _run_child(stage: str, root: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _customers_for(rows: int, args: argparse.Namespace) -> int:
    """Customers that give about ``rows`` rows, from a pilot of a few hundred customers."""
    from benchlab.basket.synthetic import iter_transactions

    pilot = 300
    produced = sum(
        frame.height
        for frame in iter_transactions(pilot, args.products, args.stores, args.weeks, args.seed)
    )
    return max(50, round(rows * pilot / produced))


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(rows: int, root: Path, args: argparse.Namespace) -> dict[str, object]:
    """Generate a project of about ``rows`` rows under ``root`` and measure each stage."""
    from benchlab.basket.layout import ProjectLayout
    from benchlab.basket.synthetic import write_transactions

    customers = _customers_for(rows, args)
    started = time.perf_counter()
    written = write_transactions(
        root,
        customers=customers,
        products=args.products,
        stores=args.stores,
        weeks=args.weeks,
        seed=args.seed,
    )
    print(
        f"generated {written.rows:,} rows, {written.baskets:,} baskets ({customers:,} customers, "
        f"{args.products:,} products, {args.stores} stores, {args.weeks} weeks) in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    result: dict[str, object] = {"rows": written.rows}
    for stage in STAGES:
        figures = _run_child(stage, root)
        result[stage] = figures
        print(
            f"  {stage:<8} {figures['seconds']:8.1f} s   peak RSS "
            f"{figures['peak_rss'] / GIB:6.2f} GiB",
            flush=True,
        )
    layout = ProjectLayout(root)
    result["disk"] = {
        "csv": layout.raw_csv.stat().st_size,
        "parquet": layout.raw_parquet.stat().st_size,
        "samples": sum(layout.samples(s).stat().st_size for s in ("train", "validation", "test")),
        "tensor_cache": _folder_bytes(layout.tensor_cache),
    }
    disk = result["disk"]
    print(
        "  disk: " + ", ".join(f"{name} {size / 2**20:,.0f} MiB" for name, size in disk.items()),  # type: ignore[union-attr]
        flush=True,
    )
    return result


def _linear(points: list[dict[str, object]], stage: str, key: str, target: int) -> float | None:
    """``key`` of ``stage`` at ``target`` rows on the line through the two sizes (slope at
    least 0: timing noise on small sizes can tilt it down); ``None`` with one size."""
    if len(points) < 2:
        return None
    (x0, y0), (x1, y1) = (
        (float(p["rows"]), float(p[stage][key]))  # type: ignore[arg-type, index]
        for p in points[:2]
    )
    slope = max((y0 - y1) / (x0 - x1), 0.0) if x0 != x1 else 0.0
    return y0 + slope * (target - x0)


def _proportional(
    points: list[dict[str, object]], stage: str, key: str, target: int, idle: float
) -> float:
    """``key`` of ``stage`` at ``target`` rows scaled in proportion from the largest size
    (memory: the part above the bare interpreter's ``idle`` RSS). Fixed costs (the product ×
    product matrices, library imports) scale too, so this is an upper bound."""
    largest = points[0]
    x, y = float(largest["rows"]), float(largest[stage][key])  # type: ignore[arg-type, index]
    floor = idle if key == "peak_rss" else 0.0
    return floor + (y - floor) * target / x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--target", type=int, default=31_000_000, help="rows to project to")
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=117)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-scaling", action="store_true", help="measure at --rows only")
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    parser.add_argument("--child", choices=[*STAGES, "idle"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.root)
        return

    sizes = [args.rows] if args.no_scaling else [args.rows, args.rows // 4]
    base = args.keep or Path(tempfile.mkdtemp(prefix="basket-stages-"))
    points = []
    try:
        for rows in sizes:
            root = base / f"rows_{rows}"
            if root.exists():
                shutil.rmtree(root)
            print(f"--- about {rows:,} rows: {root}", flush=True)
            points.append(measure(rows, root, args))
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    idle = _run_child("idle", base)["peak_rss"]
    print(f"\nbare interpreter with benchlab.basket imported: {idle / GIB:.2f} GiB")
    print(
        f"projection to {args.target:,} rows: linear fit through both sizes (slope ≥ 0), and "
        f"proportional to rows from {points[0]['rows']:,} (an upper bound):"
    )
    totals = {"linear": 0.0, "proportional": 0.0}
    peaks = {"linear": 0.0, "proportional": 0.0}
    for stage in STAGES:
        cells = []
        for how in ("linear", "proportional"):
            if how == "linear":
                seconds = _linear(points, stage, "seconds", args.target)
                memory = _linear(points, stage, "peak_rss", args.target)
            else:
                seconds = _proportional(points, stage, "seconds", args.target, idle)
                memory = _proportional(points, stage, "peak_rss", args.target, idle)
            if seconds is None or memory is None:
                cells.append(f"{'-':>22}")
                continue
            totals[how] += seconds
            peaks[how] = max(peaks[how], memory)
            cells.append(f"{seconds:7.0f} s {memory / GIB:7.2f} GiB")
        print(f"  {stage:<8} linear {cells[0]}   proportional {cells[1]}")
    for how in ("linear", "proportional"):
        if peaks[how] == 0:
            continue
        verdict = "fits" if peaks[how] < 24 * GIB else "does NOT fit"
        plan = "within" if peaks[how] < 10e9 else "above"
        print(
            f"  {how}: stages 1-2 take {totals[how] / 60:.1f} min, peak {peaks[how] / GIB:.2f} "
            f"GiB: {verdict} in 24 GiB ({plan} the seed's 10 GB plan)"
        )


if __name__ == "__main__":
    main()
