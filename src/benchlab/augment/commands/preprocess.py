"""``benchlab augment preprocess RAW_DIR --out DIR``: Olist CSVs → the product-day panel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import ProgressFlag, err, out, user_errors, wide


def preprocess(
    raw_dir: Annotated[Path, typer.Argument(help="folder with the four Olist CSVs")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "data/olist/processed"
    ),
    min_active_days: Annotated[
        int, typer.Option(min=1, help="keep products with this many training days with sales")
    ] = 30,
    history_window: Annotated[
        int, typer.Option(min=1, help="history days of a window (checks the panel is long enough)")
    ] = 30,
    forecast_horizon: Annotated[int, typer.Option(min=1, help="target days of a window")] = 7,
    progress: ProgressFlag = True,
) -> None:
    """Olist CSVs → product-day panel (features, per-product scaling, 70/15/15 split)."""
    from rich.table import Table

    from benchlab.augment.data.preprocess import preprocess_olist

    with user_errors():
        result = preprocess_olist(
            raw_dir,
            out_dir,
            min_active_days=min_active_days,
            history_window=history_window,
            forecast_horizon=forecast_horizon,
            progress=progress and err.is_terminal,
            console=err,
        )
    table = Table(title="what each filter dropped")
    for column in ("file", "kept when", "before", "dropped", ""):
        table.add_column(column, justify="right" if column in ("before", "dropped") else "left")
    for drop in result.drops:
        table.add_row(drop.file, drop.rule, str(drop.before), str(drop.dropped), drop.unit)
    console = wide(out)
    console.print(table)
    spans = ", ".join(f"{name} {a} … {b}" for name, (a, b) in result.splits.items())
    console.print(
        f"{result.products} products × {result.days} days ({spans})\n"
        f"panel: {result.panel_path}\nscalers: {result.scalers_path}",
        highlight=False,
        soft_wrap=True,
    )
