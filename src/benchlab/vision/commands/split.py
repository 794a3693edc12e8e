"""``benchlab vision split``: stratified K-fold index files for an image folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors


def split(
    raw_data: Annotated[
        Path,
        typer.Option(
            "--raw-data",
            "--raw_data",
            help="the image folder: <data>/raw with one sub-folder per class",
        ),
    ],
    folds: Annotated[int, typer.Option("--folds", help="cross-validation folds (≥ 2)")] = 5,
    test_fraction: Annotated[
        float,
        typer.Option("--test-fraction", "--test_fraction", help="share held out as test set"),
    ] = 0.15,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 42,
) -> None:
    """Write stratified K-fold index files (<data>/splits/*.txt); the images stay where they are.

    One test set for every fold; each other image is in one fold's val set and the others' train.
    """
    from benchlab.vision.data.splits import TEST_FILE, fold_files, write_splits

    with user_errors():
        splits_dir = write_splits(raw_data, folds=folds, test_fraction=test_fraction, seed=seed)

    def count(name: str) -> int:
        return len((splits_dir / name).read_text().splitlines())

    out.print(f"wrote {splits_dir}/ (seed {seed}):", highlight=False, soft_wrap=True)
    out.print(
        f"  {TEST_FILE:<18} {count(TEST_FILE):>7,} test images (every fold)",
        highlight=False,
        soft_wrap=True,
    )
    for fold in range(folds):
        train_file, val_file = fold_files(fold)
        out.print(
            f"  fold {fold}: {count(train_file):>7,} train  {count(val_file):>7,} val",
            highlight=False,
            soft_wrap=True,
        )
