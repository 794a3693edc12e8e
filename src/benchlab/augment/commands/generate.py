"""``benchlab augment generate RUN_DIR --samples-per-real 5 [--out FILE] [--pt]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors


def generate(
    run_dir: Annotated[Path, typer.Argument(help="a train-gan run folder")],
    samples_per_real: Annotated[
        int, typer.Option(min=1, help="generated sequences per real window")
    ] = 5,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Parquet file (default: <processed>/../synthetic/<run_id>_<split>.parquet)",
        ),
    ] = None,
    split: Annotated[str, typer.Option(help="the real windows to condition on")] = "train",
    seed: Annotated[int | None, typer.Option(help="noise seed (default: the run's)")] = None,
    pt: Annotated[bool, typer.Option("--pt", help="also write the seed's .pt file beside")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Synthetic windows from a trained GAN run, in the original scale (Parquet)."""
    import polars as pl

    from benchlab.augment.generation import generate as generate_windows

    with user_errors():
        path = generate_windows(
            run_dir,
            samples_per_real=samples_per_real,
            out=out_path,
            split=split,
            seed=seed,
            pt=pt,
        )
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    pt_path = path.with_suffix(".pt") if pt else None
    out.print(
        f"{rows} synthetic windows ({samples_per_real} per real {split} window): {path}"
        + (f"\n.pt: {pt_path}" if pt_path else ""),
        highlight=False,
        soft_wrap=True,
    )
    if as_json:
        print_json(
            {
                "path": str(path.resolve()),
                "pt": str(pt_path.resolve()) if pt_path else None,
                "rows": rows,
                "samples_per_real": samples_per_real,
                "split": split,
            }
        )
