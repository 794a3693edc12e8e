"""``benchlab text benchmark RUN_DIR``: the comparison of a text run, recomputed from its files.

It reads the run's ``metrics.json``, ``predictions.parquet``, ``latencies.parquet``,
``dataset.json`` and ``config.yaml`` and recomputes the composite ranking (with the run's
weights, or ``--weight metric=value`` ones), the bootstrap intervals and McNemar's tests; it
prints them and writes ``comparison.md``/``.html``, ``comparison.json``, ``composite.csv``,
``intervals.csv``, ``mcnemar.csv`` and ``figures/`` into ``--out`` (default
``<RUN_DIR>-benchmark`` beside the run: the run folder itself is never changed, so its manifest
stays valid).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors, wide
from benchlab.errors import InputError


def parse_weights(items: Sequence[str]) -> dict[str, float] | None:
    """``metric=weight`` items as a mapping (``None`` when none is given).

    >>> parse_weights(["f1=0.5", "latency=0.5"])
    {'f1': 0.5, 'latency': 0.5}
    """
    if not items:
        return None
    weights: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise InputError(f"--weight {item!r}: give metric=weight, e.g. --weight f1=0.5")
    return weights


def default_out(run_dir: Path) -> Path:
    """``<run_dir>-benchmark``, beside the run folder."""
    run_dir = Path(run_dir).resolve()
    return run_dir.with_name(f"{run_dir.name}-benchmark")


def benchmark(
    run_dir: Annotated[Path, typer.Argument(help="a text run folder (runs/text/<dataset>/<run>)")],
    weight: Annotated[
        list[str] | None,
        typer.Option(
            "--weight",
            help="metric=weight, repeatable (accuracy, f1, throughput, latency or a metric "
            "column); default: the run's comparison.weights",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="where to write (default: <RUN_DIR>-benchmark)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-rank a text run folder: composite score, bootstrap intervals, McNemar + Holm."""
    from benchlab.plain import jsonable
    from benchlab.text.report import (
        compare,
        print_comparison,
        read_run_config,
        read_run_inputs,
        write_comparison,
    )

    with user_errors():
        weights = parse_weights(weight or [])
        inputs = read_run_inputs(run_dir)
        config = read_run_config(run_dir)
        comparison = compare(inputs, config.comparison, seed=config.seed, weights=weights)
        target = out_dir or default_out(run_dir)
        files = write_comparison(
            comparison, target, title=f"benchlab text benchmark: {Path(run_dir).name}"
        )
    console = wide(out)
    print_comparison(comparison, console)
    console.print(f"comparison: {files['comparison.md']} (and .html, .json, csv, figures)",
                  markup=False, soft_wrap=True)  # fmt: skip
    if as_json:
        payload = {
            "run_dir": str(Path(run_dir).resolve()),
            "out_dir": str(Path(target).resolve()),
            **comparison.to_json(),
        }
        print_json(jsonable(payload))
