"""``benchlab data digits``: scikit-learn's bundled digits as an image folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors


def data_digits(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/digits"),
    seed: Annotated[int, typer.Option("--seed", help="seed of the file numbering")] = 0,
    force: Annotated[
        bool, typer.Option("--force", help="replace a non-empty folder holding other data")
    ] = False,
) -> None:
    """Write the 1,797 8×8 digits as <out>/raw/<class>/<n>.png (nothing is downloaded)."""
    import json

    from benchlab.vision.data.digits import INFO_FILE, is_digits_folder, write_digits

    with user_errors():
        present = not force and is_digits_folder(out_dir, seed=seed)
        write_digits(out_dir, seed=seed, force=force)
    info = json.loads((out_dir / INFO_FILE).read_text())
    if present:
        out.print(
            f"{out_dir} already holds the digits (seed {seed}); nothing written",
            highlight=False,
            soft_wrap=True,
        )
    else:
        out.print(
            f"wrote {info['images']:,} images of {len(info['classes'])} classes to "
            f"{out_dir / 'raw'}/<class>/<n>.png and {out_dir / INFO_FILE}",
            highlight=False,
            soft_wrap=True,
        )
    out.print(
        f"next: benchlab vision split --raw-data {out_dir / 'raw'} --folds 5",
        highlight=False,
        soft_wrap=True,
    )
