"""``benchlab data olist``: the augment task's embedded Olist-shaped data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors


def data_olist(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/olist/raw"),
    products: Annotated[int, typer.Option(min=1, help="number of products")] = 60,
    days: Annotated[int, typer.Option(min=1, help="number of days of orders")] = 365,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Write Olist-shaped CSVs (orders, items, products, reviews) with planted demand to --out."""
    from benchlab.augment.data.olist import write_olist

    with user_errors():
        paths = write_olist(out_dir, products=products, days=days, seed=seed)
    for role, path in paths.items():
        out.print(f"{role:>9}: {path}", highlight=False, soft_wrap=True)
