"""``benchlab data baskets``: the basket task's embedded dunnhumby-shaped transactions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import ProgressFlag, err, out, user_errors


def data_baskets(
    out_dir: Annotated[Path, typer.Option("--out", help="project root to write")] = Path(
        "data/baskets"
    ),
    customers: Annotated[int, typer.Option(min=1, help="number of customers")] = 1000,
    products: Annotated[int, typer.Option(min=30, help="number of products")] = 300,
    stores: Annotated[int, typer.Option(min=1, help="number of stores")] = 8,
    weeks: Annotated[int, typer.Option(min=1, help="number of weeks (from 200607)")] = 117,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    progress: ProgressFlag = True,
) -> None:
    """Write <out>/raw_data/transactions.csv: dunnhumby's 22 columns with planted segments,
    missions, weekly/hourly rhythms and promotions (about 6 rows per customer and week)."""
    from benchlab.basket.synthetic import write_transactions
    from benchlab.runs import check_writable_directory

    with user_errors():
        check_writable_directory(out_dir)
        result = write_transactions(
            out_dir,
            customers=customers,
            products=products,
            stores=stores,
            weeks=weeks,
            seed=seed,
            progress=progress and err.is_terminal,
            console=err,
        )
    out.print(
        f"wrote {result.rows:,} transactions ({result.baskets:,} baskets, {weeks} weeks) to "
        f"{result.path} in {result.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    out.print(
        f"next: benchlab basket prepare-samples --project-root {out_dir}",
        highlight=False,
        soft_wrap=True,
    )
