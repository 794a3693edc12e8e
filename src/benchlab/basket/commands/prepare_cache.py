"""``benchlab basket prepare-cache --project-root DIR``: stage 2, the training weeks → the
memory-mapped tensor cache in ``data/prepared/tensor_cache/`` (seed 003's
``prepare_tensor_cache``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, err, out, print_json, user_errors, wide


def prepare_cache_command(
    project_root: Annotated[
        Path,
        typer.Option("--project-root", help="folder holding raw_data/ and data/prepared/"),
    ] = Path("data/baskets"),
    product_method: Annotated[
        Literal["cooccurrence", "item2vec"],
        typer.Option(help="product embeddings: PPMI co-occurrence + SVD, or item2vec"),
    ] = "cooccurrence",
    max_seq_len: Annotated[
        int, typer.Option(min=1, help="rows of the positional encodings (longest basket)")
    ] = 50,
    seed: Annotated[int, typer.Option(help="seed of the SVD, k-means, item2vec and MASK row")] = 0,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Stage 2: product, customer, segment and store embeddings, positional encodings and
    price features from the training weeks, as .npy files plus vocab.json."""
    from rich.table import Table

    from benchlab.basket.cache import prepare_tensor_cache
    from benchlab.basket.config import CacheConfig

    with user_errors():
        summary = prepare_tensor_cache(
            project_root,
            CacheConfig(product_method=product_method),
            max_seq_len=max_seq_len,
            seed=seed,
            progress=progress and err.is_terminal,
            console=err,
        )
    table = Table(title=f"stage 2: tensor cache ({summary.product_method} products)")
    table.add_column("file")
    table.add_column("shape", justify="right")
    for name, shape in summary.shapes.items():
        table.add_row(f"{name}.npy", " × ".join(f"{n:,}" for n in shape))
    console = wide(out)
    console.print(table)
    unknown = ", ".join(f"{s} {n:,}" for s, n in summary.unknown_product_items.items() if n)
    lines = [
        f"from the training weeks: {summary.train_baskets:,} baskets, {summary.train_items:,} "
        f"items; {summary.n_products:,} products, {summary.n_customers:,} customers, "
        f"{summary.n_stores:,} stores, {summary.n_segments} segments",
        f"price features: {summary.price_rows:,} (product, store, week) rows",
        "items of products not in the training weeks (→ UNK): " + (unknown or "none"),
        f"input hash {summary.input_hash[:16]} ({summary.seconds:.1f} s): {summary.path}",
    ]
    console.print("\n".join(lines), highlight=False, soft_wrap=True)
    if as_json:
        print_json(
            {
                "path": str(summary.path.resolve()),
                "input_hash": summary.input_hash,
                "product_method": summary.product_method,
                "n_products": summary.n_products,
                "n_customers": summary.n_customers,
                "n_stores": summary.n_stores,
                "n_segments": summary.n_segments,
                "price_rows": summary.price_rows,
                "train_baskets": summary.train_baskets,
                "train_items": summary.train_items,
                "unknown_product_items": summary.unknown_product_items,
                "shapes": {k: list(v) for k, v in summary.shapes.items()},
                "seconds": summary.seconds,
            }
        )
